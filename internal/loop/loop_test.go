package loop

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestGuard(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	want := errors.New("stopped")
	if err := Guard(log, "sweep", func() error { return want }); err != want {
		t.Errorf("an error is returned as is: got %v", err)
	}
	if logs.Len() != 0 {
		t.Errorf("an error is the caller's to log: %s", logs.String())
	}
	err := Guard(log, "sweep", func() error {
		var m map[string]int
		m["boom"]++ // a nil map: the kind of bug a loop can hide
		return nil
	})
	var p *PanicError
	if !errors.As(err, &p) || p.Loop != "sweep" || !strings.Contains(err.Error(), "sweep") {
		t.Errorf("got %v, want a PanicError naming the sweep loop", err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("log: %s", logs.String())
	}
}
