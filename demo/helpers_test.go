package demo

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"
)

// safeBuffer collects the bot's log, for a failing test.
type safeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startSandbox opens the sandbox on a free port with the shipped files of
// the repository, runs it, and stops it when the test ends.
func startSandbox(t *testing.T, opts Options) *Sandbox {
	t.Helper()
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Shipped == nil && opts.ConfigPath == "" {
		opts.Shipped = os.DirFS("..")
	}
	logs := &safeBuffer{}
	opts.LogOutput = logs
	opts.LogLevel = "info"
	s, err := Open(opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("the sandbox did not stop")
		}
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
			t.Logf("last calls:\n%s", s.api.DumpCalls(30))
		}
	})
	// The bot is ready when it starts polling, just after deleteWebhook
	// (a getUpdates call is recorded only when its long poll ends).
	if !s.api.AwaitCallCount(15*time.Second, "deleteWebhook", 1) {
		t.Fatal("the bot never started polling the emulator")
	}
	return s
}

var _ io.Writer = (*safeBuffer)(nil)
