package outbox

import (
	"context"
	"errors"
	"testing"
)

// TestPostDoesNotWait: Post returns at once; the continuation gets the
// result once retries are over: nil after passing failures, the final error
// otherwise, ErrClosed for a call still queued at shutdown.
func TestPostDoesNotWait(t *testing.T) {
	o := start(t, fast())
	type outcome struct {
		name string
		err  error
	}
	results := make(chan outcome, 3)
	post := func(name string, chat int64, do func(context.Context) error) {
		t.Helper()
		if err := o.Post(Call{Chat: chat, Name: name, Do: do}, func(err error) { results <- outcome{name, err} }); err != nil {
			t.Fatal(err)
		}
	}
	flaky, tries := script(err500, err502, nil)
	post("flaky", 1, flaky)
	final, _ := script(err400)
	post("final", 2, final)
	got := map[string]error{}
	for range 2 {
		r := <-results
		got[r.name] = r.err
	}
	if got["flaky"] != nil || tries.Load() != 3 {
		t.Errorf("flaky: %v after %d tries, want delivered on the 3rd", got["flaky"], tries.Load())
	}
	if !errors.Is(got["final"], err400) {
		t.Errorf("final: %v", got["final"])
	}

	// A call held back when the outbox stops gets ErrClosed.
	opt := fast()
	opt.Workers = 1
	o = start(t, opt)
	g := newGate()
	gated := g.hold(t, o)
	post("queued", 3, func(context.Context) error { return nil })
	go func() { _ = o.stop() }()
	nop := Call{Name: "late", Do: func(context.Context) error { return nil }}
	eventually(t, "the outbox closed", func() bool { return errors.Is(o.Post(nop, nil), ErrClosed) })
	close(g.open)
	<-gated
	if r := <-results; r.name != "queued" || !errors.Is(r.err, ErrClosed) {
		t.Errorf("queued at shutdown: %s %v, want ErrClosed", r.name, r.err)
	}
}
