package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

func runScreen(t *testing.T, stdin string, args ...string) (out []verdictLine, stderr string, code int) {
	t.Helper()
	var so, se bytes.Buffer
	code = cli(append([]string{"screen", "--config", ""}, args...), strings.NewReader(stdin), &so, &se)
	for _, line := range strings.Split(strings.TrimSpace(so.String()), "\n") {
		if line == "" {
			continue
		}
		var v verdictLine
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		out = append(out, v)
	}
	return out, se.String(), code
}

func TestScreenJSONLines(t *testing.T) {
	input, err := os.ReadFile("testdata/screen-input.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runScreen(t, string(input))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []struct {
		id   string
		flag bool
	}{{"a1", true}, {"a2", false}, {"3", false}, {"a5", true}}
	if len(out) != len(want) {
		t.Fatalf("%d verdicts, want %d: %+v", len(out), len(want), out)
	}
	for i, w := range want {
		if out[i].ID != w.id || out[i].Flag != w.flag {
			t.Errorf("line %d: %+v, want id %s flag %v", i, out[i], w.id, w.flag)
		}
		if out[i].Score < 0 || out[i].Score > 1 {
			t.Errorf("score %v out of range", out[i].Score)
		}
	}
	if len(out[0].Reasons) == 0 {
		t.Error("a flagged message without reasons")
	}
	for _, bad := range []string{"line 3:", "line 5:"} {
		if !strings.Contains(stderr, bad) {
			t.Errorf("stderr does not report %q: %s", bad, stderr)
		}
	}
}

func TestScreenTelegramExport(t *testing.T) {
	out, stderr, code := runScreen(t, "", "--export", "testdata/telegram-export.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(out) != 3 {
		t.Fatalf("verdicts %+v (service and empty messages must be skipped)", out)
	}
	if out[0].ID != "102" || out[0].Flag || out[1].ID != "103" || !out[1].Flag || out[2].ID != "104" || out[2].Flag {
		t.Errorf("verdicts %+v", out)
	}
	if !strings.Contains(stderr, "5 messages, 3 screened, 2 skipped") || !strings.Contains(stderr, "1 flagged") {
		t.Errorf("summary: %s", stderr)
	}
}

func TestScreenBadExport(t *testing.T) {
	_, stderr, code := runScreen(t, "", "--export", "testdata/screen-input.jsonl")
	if code != exitInvalid || !strings.Contains(stderr, "not a Telegram Desktop JSON export") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestScreenKeepsOrderAcrossBatches: a history longer than a batch comes
// out in input order, with bad lines reported by their number.
func TestScreenKeepsOrderAcrossBatches(t *testing.T) {
	var in strings.Builder
	n := 3*screenBatch + 7
	for i := 1; i <= n; i++ {
		if i == 1000 {
			in.WriteString("not json\n")
			continue
		}
		fmt.Fprintf(&in, "{\"id\": \"m%d\", \"text\": \"message numéro %d, tina dispo ce soir\"}\n", i, i)
	}
	out, stderr, code := runScreen(t, in.String())
	if code != 0 || len(out) != n-1 {
		t.Fatalf("exit %d, %d verdicts for %d lines: %s", code, len(out), n, stderr)
	}
	want := 1
	for _, v := range out {
		if want == 1000 {
			want++
		}
		if v.ID != fmt.Sprintf("m%d", want) {
			t.Fatalf("verdict %s where m%d was expected", v.ID, want)
		}
		want++
	}
	if !strings.Contains(stderr, "line 1000: skipped") {
		t.Errorf("bad line not reported by its number: %s", stderr)
	}
}
