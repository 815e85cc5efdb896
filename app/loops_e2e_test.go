package app

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entrepairs/entrepairs/internal/loop"
	"github.com/entrepairs/entrepairs/watch"
)

// TestPanicInABackgroundLoopStopsTheProgram: a panic in a background loop
// (here the file watcher, polling a file whose parser panics) is logged at
// ERROR with its stack and ends Run with an error, so that the process
// exits non-zero and is started again, instead of crashing with Go's own
// trace outside the log or running on without the loop.
func TestPanicInABackgroundLoopStopsTheProgram(t *testing.T) {
	h := newHarness(t)
	var armed atomic.Bool
	path := h.writeFile("probe.txt", "v1")
	if _, err := watch.Add(h.m.Watcher, watch.Spec[string]{Path: path, Kind: "probe", Parse: func(data []byte) (string, error) {
		if armed.Load() {
			var m map[string]int
			m["boom"]++ // a nil map: the kind of bug a loop can hide
		}
		return string(data), nil
	}}); err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	h.writeFile("probe.txt", "v2")
	var err error
	select {
	case err = <-h.done:
	case <-time.After(waitFor):
		t.Fatalf("Run still running %v after the watcher panicked", waitFor)
	}
	h.done <- nil // for the harness's stop
	var p *loop.PanicError
	if !errors.As(err, &p) || p.Loop != "file watcher" {
		t.Errorf("Run returned %v, want the watcher's panic", err)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "panic in a background loop") || !strings.Contains(logs, "stack=") {
		t.Errorf("the panic is not in the log at ERROR with its stack:\n%s", logs)
	}
}
