package bot

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// TestPanicInALoopStopsTheBot: a background loop that panics is logged
// with its stack and reported to Run as an error (the process then exits
// non-zero), instead of leaving a bot up without it.
func TestPanicInALoopStopsTheBot(t *testing.T) {
	var logs bytes.Buffer
	b := &Bot{log: slog.New(slog.NewTextHandler(&logs, nil))}
	var got error
	var wg sync.WaitGroup
	b.goLoop(&wg, "sweep", func(err error) { got = err }, func() {
		var m map[string]int
		m["boom"]++ // a nil map: the kind of bug a loop can hide
	})
	wg.Wait()
	if got == nil || !strings.Contains(got.Error(), "sweep") {
		t.Errorf("fail got %v, want an error naming the sweep loop", got)
	}
	if !strings.Contains(logs.String(), "panic in a background loop") || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("log: %s", logs.String())
	}
}
