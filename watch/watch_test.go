package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// errEmpty stands for any parser's refusal.
var errEmpty = errors.New("empty")

// parseText is a stand-in parser: any non-blank UTF-8 text is valid, and the
// value is the text with its line endings normalised, so that tests can
// tell a version from another.
func parseText(path string) func([]byte) (string, error) {
	return func(data []byte) (string, error) {
		if !utf8.Valid(data) {
			return "", fmt.Errorf("text %s: not UTF-8", path)
		}
		s := strings.ReplaceAll(string(data), "\r\n", "\n")
		if strings.TrimSpace(s) == "" {
			return "", fmt.Errorf("text %s: %w", path, errEmpty)
		}
		return s, nil
	}
}

type problem struct {
	path string
	err  error
}

// harness follows files as the bot does and records what is reported. It
// drives the polls itself with Poll, so that no test depends on timing.
type harness struct {
	t        *testing.T
	w        *Watcher
	reloads  []string
	problems []problem
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, w: New(Options{
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	})}
}

func (h *harness) add(path string, optional bool) *File[string] {
	h.t.Helper()
	f, err := Add(h.w, Spec[string]{
		Path: path, Kind: "text", Parse: parseText(path), Optional: optional,
		OnReload:  func(s string) { h.reloads = append(h.reloads, s) },
		OnProblem: func(path string, err error) { h.problems = append(h.problems, problem{path, err}) },
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return f
}

// settle polls until the watcher has surely acted on the files as they are
// now: a state is only acted upon once two polls agree.
func (h *harness) settle() {
	h.w.Poll()
	h.w.Poll()
}

func (h *harness) reload() string {
	h.t.Helper()
	h.settle()
	if len(h.reloads) != 1 {
		h.t.Fatalf("%d reloads reported (%q), want 1", len(h.reloads), h.reloads)
	}
	s := h.reloads[0]
	h.reloads = nil
	return s
}

func (h *harness) problem() problem {
	h.t.Helper()
	h.settle()
	if len(h.problems) != 1 {
		h.t.Fatalf("%d problems reported (%v), want 1", len(h.problems), h.problems)
	}
	p := h.problems[0]
	h.problems = nil
	return p
}

// quiet asserts that nothing is reported once the files settled.
func (h *harness) quiet() {
	h.t.Helper()
	h.settle()
	h.settle()
	for _, p := range h.problems {
		h.t.Errorf("unexpected problem reported: %s: %v", p.path, p.err)
	}
	for _, s := range h.reloads {
		h.t.Errorf("unexpected reload: %q", s)
	}
	h.problems, h.reloads = nil, nil
}

func get(t *testing.T, f *File[string]) string {
	t.Helper()
	s, ok := f.Get()
	if !ok {
		t.Fatalf("no value for %s", f.Path())
	}
	return s
}

func TestReloadsChangedFile(t *testing.T) {
	const before = "Version un."
	tests := []struct {
		name  string
		after string
		save  func(t *testing.T, path, content string)
	}{
		{name: "edited in place", after: "Version deux, plus longue.", save: func(t *testing.T, path, content string) {
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "replaced by the editor", after: "Version trois.", save: write},
		{name: "same size and same modification time", after: "Version 2.", save: func(t *testing.T, path, content string) {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			write(t, path, content)
			if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "deleted then written again", after: "Version quatre.", save: func(t *testing.T, path, content string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			write(t, path, content)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "charter.md")
			write(t, path, before)
			h := newHarness(t)
			f := h.add(path, false)
			if got := get(t, f); got != before {
				t.Fatalf("initial value %q", got)
			}
			tt.save(t, path, tt.after)
			if got := h.reload(); got != tt.after {
				t.Errorf("reloaded %q, want %q", got, tt.after)
			}
			if got := get(t, f); got != tt.after {
				t.Errorf("Get after reload = %q", got)
			}
			h.quiet()
		})
	}
}

// A state seen by a single poll (a file caught half-written, or missing for
// the instant an editor replaces it) is neither used nor reported.
func TestActsOnlyWhenTwoPollsAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charter.md")
	write(t, path, "Bonne version.")
	h := newHarness(t)
	f := h.add(path, false)

	write(t, path, "")
	h.w.Poll()
	write(t, path, "Bonne version.")
	h.quiet()

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	h.w.Poll()
	write(t, path, "Nouvelle")
	h.w.Poll()
	if len(h.reloads) != 0 || get(t, f) != "Bonne version." {
		t.Fatalf("a state seen once was used: reloads %q", h.reloads)
	}
	if got := h.reload(); got != "Nouvelle" {
		t.Errorf("reloaded %q", got)
	}
	h.quiet()
}

// While an admin's edit is broken, the last good version stays in use, and
// the caller is told once per episode, not on every poll.
func TestKeepsLastGoodVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charter.md")
	write(t, path, "Bonne version.")
	h := newHarness(t)
	f := h.add(path, false)

	write(t, path, "  \n")
	p := h.problem()
	if p.path != path || !errors.Is(p.err, errEmpty) {
		t.Fatalf("problem %s: %v, want %s empty", p.path, p.err, path)
	}
	if got := get(t, f); got != "Bonne version." {
		t.Fatalf("Get = %q during the failure, want the last good version", got)
	}

	// Still broken, in other ways: same episode, nothing more to report.
	write(t, path, "en latin-1 : d\xe9j\xe0")
	h.settle()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	h.quiet()
	if got := get(t, f); got != "Bonne version." {
		t.Fatalf("Get = %q during the failure, want the last good version", got)
	}

	// Fixed: the new version is used and a later failure is reported again.
	write(t, path, "Version corrigée.")
	if got := h.reload(); got != "Version corrigée." {
		t.Fatalf("reloaded %q", got)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if p := h.problem(); p.path != path || !errors.Is(p.err, fs.ErrNotExist) || !strings.HasPrefix(p.err.Error(), "text "+path+": ") {
		t.Fatalf("problem %s: %v, want %s missing, named with its kind", p.path, p.err, path)
	}

	// Restoring the very same text ends the episode without a reload:
	// members have nothing new to see.
	write(t, path, "Version corrigée.")
	h.quiet()
	write(t, path, "")
	if p := h.problem(); !errors.Is(p.err, errEmpty) {
		t.Fatalf("problem %v after recovery, want empty", p.err)
	}
	write(t, path, "Version trois.")
	if got := h.reload(); got != "Version trois." {
		t.Errorf("after the fix: %q", got)
	}
	h.quiet()
}

// Same lets a parser say that different bytes mean the same thing.
func TestSameVersionIsNotAReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charter.md")
	write(t, path, "Une\nDeux")
	h := newHarness(t)
	f, err := Add(h.w, Spec[string]{
		Path: path, Kind: "text", Parse: parseText(path),
		Same:     func(a, b string) bool { return a == b },
		OnReload: func(s string) { h.reloads = append(h.reloads, s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, "Une\r\nDeux")
	h.quiet()
	write(t, path, "Une\r\nTrois")
	if got := h.reload(); got != "Une\nTrois" || get(t, f) != got {
		t.Errorf("reloaded %q", got)
	}
}

func TestOptionalFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charter.en.md")
	h := newHarness(t)
	f := h.add(path, true)
	if s, ok := f.Get(); ok {
		t.Fatalf("Get = %q before the file exists", s)
	}
	h.quiet()

	write(t, path, "In English.")
	if got := h.reload(); got != "In English." || get(t, f) != got {
		t.Fatalf("reloaded %q", got)
	}

	// A broken optional file keeps the last good text and is reported.
	write(t, path, "")
	if p := h.problem(); p.path != path || !errors.Is(p.err, errEmpty) {
		t.Fatalf("problem %s: %v, want the file empty", p.path, p.err)
	}
	if got := get(t, f); got != "In English." {
		t.Errorf("Get = %q while the file is broken", got)
	}

	// Removing it is a choice, not a problem.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	h.quiet()
	if s, ok := f.Get(); ok {
		t.Errorf("Get = %q after the file was removed", s)
	}

	// And it can come back, even with the text it had.
	write(t, path, "In English.")
	if got := h.reload(); got != "In English." {
		t.Fatalf("reloaded %q", got)
	}
}

func TestAddRefusesABadFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.md")
	write(t, empty, "\n")
	latin1 := filepath.Join(dir, "latin1.md")
	write(t, latin1, "\xe9")
	tests := []struct {
		name, path string
		optional   bool
		is         error // nil: any error naming the path
	}{
		{name: "missing", path: filepath.Join(dir, "nope.md"), is: fs.ErrNotExist},
		{name: "missing and optional", path: filepath.Join(dir, "nope.md"), optional: true, is: fs.ErrNotExist},
		{name: "invalid", path: empty, is: errEmpty},
		{name: "invalid and optional", path: empty, optional: true, is: errEmpty},
		{name: "not utf-8", path: latin1},
		{name: "directory", path: dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := New(Options{})
			f, err := Add(w, Spec[string]{Path: tt.path, Kind: "text", Parse: parseText(tt.path), Optional: tt.optional})
			if tt.optional && errors.Is(tt.is, fs.ErrNotExist) {
				if err != nil || f == nil {
					t.Fatalf("a missing optional file: %v", err)
				}
				return
			}
			if err == nil || f != nil {
				t.Fatal("Add accepted a bad file")
			}
			if !strings.Contains(err.Error(), "text "+tt.path+":") {
				t.Errorf("error %q does not name %s", err, tt.path)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if len(w.files) != 0 {
				t.Error("a refused file is followed")
			}
		})
	}
}

// Run polls on every tick of its clock and returns nil when its context
// ends. Members read values from many goroutines while it swaps them.
func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charter.md")
	write(t, path, "Version 0")
	ticks := make(chan time.Time)
	stopped := make(chan struct{})
	var interval time.Duration
	reloads := make(chan string, 10)
	w := New(Options{
		Interval: time.Hour,
		Tick: func(d time.Duration) (<-chan time.Time, func()) {
			interval = d
			return ticks, func() { close(stopped) }
		},
	})
	f, err := Add(w, Spec[string]{Path: path, Kind: "text", Parse: parseText(path), OnReload: func(s string) { reloads <- s }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if s, ok := f.Get(); !ok || !strings.HasPrefix(s, "Version") {
					t.Errorf("Get = %q, %v during a reload", s, ok)
					return
				}
			}
		})
	}
	for i := 1; i <= 5; i++ {
		content := "Version " + strings.Repeat("!", i)
		write(t, path, content)
		// The third send is only taken once the second poll is over.
		for range 3 {
			ticks <- time.Now()
		}
		if got := <-reloads; got != content {
			t.Fatalf("reload %d: %q", i, got)
		}
	}
	close(stop)
	readers.Wait()

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v, want nil when its context ends", err)
	}
	<-stopped
	if interval != time.Hour {
		t.Errorf("clock started with %v, want the interval", interval)
	}
}

func TestDefaultInterval(t *testing.T) {
	if w := New(Options{}); w.opt.Interval != DefaultInterval {
		t.Errorf("interval %v, want %v", w.opt.Interval, DefaultInterval)
	}
}

// write saves a file the way most editors do, by writing a temporary file and
// renaming it over the old one, so that no reader ever sees it half written.
func write(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
