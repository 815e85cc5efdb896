package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestHelpListsEveryCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli([]string{"help"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(stdout.String(), "  "+c.name+" ") {
			t.Errorf("help does not list %s:\n%s", c.name, stdout.String())
		}
	}
}

// TestDashHOnEveryCommand: -h prints the command's options and exits 0.
func TestDashHOnEveryCommand(t *testing.T) {
	for _, c := range commands {
		if c.name == "help" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli([]string{c.name, "-h"}, nil, &stdout, &stderr)
			if code != 0 {
				t.Errorf("exit %d, want 0; stderr %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "Usage of entrepairs "+c.name) {
				t.Errorf("no usage printed: %q", stderr.String())
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := cli([]string{"-h"}, nil, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "demo") {
		t.Errorf("entrepairs -h: exit %d, %q", code, stderr.String())
	}
}

// TestDemoStartsAndStopsOnCtrlC runs `entrepairs demo` as the README's
// first command does, with no file at all, and stops it as Ctrl-C would.
func TestDemoStartsAndStopsOnCtrlC(t *testing.T) {
	t.Chdir(t.TempDir()) // no config.yaml, no charter beside it
	stdout := &syncWriter{}
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() { code <- cli([]string{"demo", "--listen", "127.0.0.1:0"}, nil, stdout, &stderr) }()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for !strings.Contains(stdout.String(), "http://127.0.0.1:") {
		select {
		case c := <-code:
			t.Fatalf("demo ended with %d: %s", c, stderr.String())
		case <-ctx.Done():
			t.Fatalf("no address printed: %q %q", stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-code:
		if c != 0 || !strings.Contains(stdout.String(), "stopped") {
			t.Errorf("after Ctrl-C: exit %d, stdout %q, stderr %q", c, stdout.String(), stderr.String())
		}
	case <-ctx.Done():
		t.Fatal("demo did not stop on Ctrl-C")
	}
}

type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestDemoWarnsOffLoopback: a page reachable from other machines has no
// login, so the command says so; an address that cannot be used is a clear
// error.
func TestDemoWarnsOffLoopback(t *testing.T) {
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	if code := cli([]string{"demo", "--listen", "256.0.0.1:0"}, nil, &stdout, &stderr); code != exitFailure || !strings.Contains(stderr.String(), "listen on 256.0.0.1:0") {
		t.Errorf("bad address: exit %d, %q", code, stderr.String())
	}

	out, errs := &syncWriter{}, &syncWriter{}
	code := make(chan int, 1)
	go func() { code <- cli([]string{"demo", "--listen", "0.0.0.0:0"}, nil, out, errs) }()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), "open http://") {
		if time.Now().After(deadline) {
			t.Fatalf("no address printed: %q %q", out.String(), errs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(errs.String(), "warning: the page at 0.0.0.0:0 is reachable from other machines and has no login") {
		t.Errorf("no warning: %q", errs.String())
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if c := <-code; c != 0 {
		t.Errorf("exit %d after Ctrl-C", c)
	}
}
