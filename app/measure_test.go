//go:build linux

package app

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// TestMeasureBinary prints the figures for the real binary, run
// as a subprocess against the fake Telegram: time from exec to the first
// getUpdates (target 300 ms), idle memory (25 MB), peak memory after 20,000
// group messages (60 MB). Figures, not assertions: a loaded CI machine
// must not fail a build over them. Run it with
//
//	ENTREPAIRS_MEASURE=1 go test -run TestMeasureBinary -v ./app
//
// ENTREPAIRS_MEASURE_MESSAGES changes the 20,000.
func TestMeasureBinary(t *testing.T) {
	if os.Getenv("ENTREPAIRS_MEASURE") == "" {
		t.Skip("set ENTREPAIRS_MEASURE=1 to measure the binary")
	}
	bin := buildBinary(t)
	out := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("binary output:\n%s", out.String())
		}
	})

	// Start-up, on a fresh data directory each time (the first start
	// creates the data file) and again on an existing one.
	var fresh, again []time.Duration
	for range 5 {
		api := emulator.NewT(t)
		cfg := writeBotDir(t, t.TempDir(), api.URL, botConfig{timezone: "UTC", checkins: "checkins: []"})
		for i := range 2 {
			p := startProc(t, bin, cfg, out)
			first := api.WaitCall(t, 10*time.Second, "getUpdates", func(c emulator.Call) bool { return c.At.After(p.started) })
			if len(fresh) == 0 {
				var steps []string
				for _, c := range api.Calls("") {
					steps = append(steps, fmt.Sprintf("%s +%v", c.Method, c.At.Sub(p.started).Round(time.Millisecond)))
				}
				t.Logf("start-up calls: %s, getUpdates +%v", strings.Join(steps, ", "), first.At.Sub(p.started).Round(time.Millisecond))
			}
			if i == 0 {
				fresh = append(fresh, first.At.Sub(p.started))
			} else {
				again = append(again, first.At.Sub(p.started))
			}
			if err := p.stop(t); err != nil {
				t.Errorf("stop: %v", err)
			}
		}
		api.Close()
	}
	median := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	t.Logf("exec to first getUpdates: median %v on a new data file %v, median %v on an existing one %v (target 300 ms)",
		median(fresh).Round(time.Millisecond), fresh, median(again).Round(time.Millisecond), again)

	// Idle, then a day's worth of group traffic in one go.
	api := emulator.NewT(t)
	cfg := writeBotDir(t, t.TempDir(), api.URL, botConfig{timezone: "UTC", checkins: "checkins: []"})
	p := startProc(t, bin, cfg, out)
	api.WaitCall(t, 10*time.Second, "getUpdates", nil)
	time.Sleep(2 * time.Second)
	pid := p.cmd.Process.Pid
	idle, err := procStatus(pid, "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	idleHWM, _ := procStatus(pid, "VmHWM")
	t.Logf("idle after start: VmRSS %.1f MB (peak so far %.1f MB; target 25 MB)", mb(idle), mb(idleHWM))

	n := envInt("ENTREPAIRS_MEASURE_MESSAGES", 20_000)
	ups := groupTraffic(api, n)
	start := time.Now()
	for _, u := range ups {
		api.Push(u)
	}
	if !api.AwaitPending(5*time.Minute, 0) {
		t.Fatalf("%d updates still pending", api.Pending())
	}
	took := time.Since(start)
	peak, err := procStatus(pid, "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	rss, _ := procStatus(pid, "VmRSS")
	t.Logf("%d group messages handled in %v (%.0f updates/s through the binary): peak VmHWM %.1f MB, VmRSS after %.1f MB (target 60 MB)",
		n, took.Round(time.Millisecond), float64(n)/took.Seconds(), mb(peak), mb(rss))
	if err := p.stop(t); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func mb(kb int) float64 { return float64(kb) / 1024 }
