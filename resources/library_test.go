package resources

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// wait is how long a test waits for the library to notice a change before
// failing; the polling interval in tests is 10ms, so only a broken
// implementation or an overloaded machine gets near it.
const wait = 10 * time.Second

type problem struct {
	path string
	err  error
}

// harness runs a Library as the bot does and exposes what it reports.
type harness struct {
	t        *testing.T
	path     string
	lib      *Library
	reloads  chan *Directory
	problems chan problem
	polls    atomic.Int64
	polled   chan struct{}
}

func version(title string) string {
	return `categories:
  - {id: emergency, title: {fr: Urgence, en: Emergency}}
resources:
  - id: fr_urgences
    category: emergency
    region: FR
    title: {fr: "` + title + `", en: "` + title + `"}
    phone: "15"
    description: {fr: Appelle, en: Call}
`
}

func startLibrary(t *testing.T, content string) *harness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "resources.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	h := &harness{
		t:        t,
		path:     path,
		reloads:  make(chan *Directory, 100),
		problems: make(chan problem, 100),
		polled:   make(chan struct{}, 1),
	}
	lib, err := NewLibrary(path, Options{
		Interval:  10 * time.Millisecond,
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnReload:  func(d *Directory) { h.reloads <- d },
		OnProblem: func(path string, err error) { h.problems <- problem{path, err} },
	})
	if err != nil {
		t.Fatal(err)
	}
	lib.afterPoll = func() {
		h.polls.Add(1)
		select {
		case h.polled <- struct{}{}:
		default:
		}
	}
	h.lib = lib
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- lib.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v, want nil when its context ends", err)
		}
	})
	return h
}

func (h *harness) write(content string) {
	h.t.Helper()
	if err := os.WriteFile(h.path, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) reload() *Directory {
	h.t.Helper()
	select {
	case d := <-h.reloads:
		return d
	case <-time.After(wait):
		h.t.Fatal("no reload reported")
		return nil
	}
}

func (h *harness) problem() problem {
	h.t.Helper()
	select {
	case p := <-h.problems:
		return p
	case <-time.After(wait):
		h.t.Fatal("no problem reported")
		return problem{}
	}
}

// settle waits until the library has polled n more times, so that a test
// can assert that nothing more was reported without guessing a duration.
func (h *harness) settle(n int64) {
	h.t.Helper()
	target := h.polls.Load() + n
	deadline := time.After(wait)
	for h.polls.Load() < target {
		select {
		case <-h.polled:
		case <-deadline:
			h.t.Fatal("the library stopped polling")
		}
	}
}

func (h *harness) quiet() {
	h.t.Helper()
	h.settle(5)
	select {
	case d := <-h.reloads:
		h.t.Errorf("unexpected reload: %+v", d.Resources)
	case p := <-h.problems:
		h.t.Errorf("unexpected problem: %v", p.err)
	default:
	}
}

func title(d *Directory) string {
	return d.Resources[0].Title.FR
}

func TestLibraryReloadsAValidEdit(t *testing.T) {
	h := startLibrary(t, version("v1"))
	if got := title(h.lib.Get()); got != "v1" {
		t.Fatalf("Get before any edit: %q", got)
	}
	h.write(version("v2"))
	if got := title(h.reload()); got != "v2" {
		t.Errorf("OnReload got %q, want v2", got)
	}
	if got := title(h.lib.Get()); got != "v2" {
		t.Errorf("Get after the edit: %q, want v2", got)
	}
	h.quiet()
}

func TestLibraryBrokenFileKeepsTheLastGoodOne(t *testing.T) {
	h := startLibrary(t, version("v1"))

	h.write(strings.Replace(version("v1"), "region: FR", "region: France", 1))
	p := h.problem()
	if p.path != h.path || !strings.Contains(p.err.Error(), `region "France"`) {
		t.Errorf("OnProblem(%q, %v): want the path and the problem", p.path, p.err)
	}
	if got := title(h.lib.Get()); got != "v1" {
		t.Errorf("Get while broken: %q, want the last good v1", got)
	}

	// Another mistake, then the file disappears: the same episode, the
	// moderators were told already.
	h.write("categories: [\n")
	h.settle(3)
	if err := os.Remove(h.path); err != nil {
		t.Fatal(err)
	}
	h.quiet()
	if got := title(h.lib.Get()); got != "v1" {
		t.Errorf("Get while missing: %q, want the last good v1", got)
	}

	// Restoring the same content ends the episode without a reload: members
	// have nothing new to see.
	h.write(version("v1"))
	h.quiet()

	// A new failure is a new episode, reported again.
	h.write("")
	if p := h.problem(); !strings.Contains(p.err.Error(), "empty") {
		t.Errorf("second episode: %v", p.err)
	}
	h.write(version("v3"))
	if got := title(h.reload()); got != "v3" {
		t.Errorf("after the fix: %q, want v3", got)
	}
	h.quiet()
}

func TestNewLibraryRefusesABadFile(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("categories: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "missing.yaml"), "no such file"},
		{"invalid", broken, "resources: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := NewLibrary(tt.path, Options{})
			if err == nil || l != nil {
				t.Fatal("NewLibrary accepted a bad file")
			}
			if !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q should name %s and say %q", err, tt.path, tt.want)
			}
		})
	}
}
