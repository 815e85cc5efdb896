package charter

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// wait is how long a test waits for the bot to notice a change before
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
	lib      *Library
	reloads  chan *Charter
	problems chan problem
	polls    atomic.Int64
	polled   chan struct{}
}

func startLibrary(t *testing.T, paths ...string) *harness {
	t.Helper()
	h := &harness{
		t:        t,
		reloads:  make(chan *Charter, 100),
		problems: make(chan problem, 100),
		polled:   make(chan struct{}, 1),
	}
	lib, err := NewLibrary(paths, Options{
		Interval:  10 * time.Millisecond,
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnReload:  func(c *Charter) { h.reloads <- c },
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

func (h *harness) reload() *Charter {
	h.t.Helper()
	select {
	case c := <-h.reloads:
		return c
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

// settle waits until the Library has surely acted on the files as they are
// now: a poll under way may have read them before the last write, and a
// state is only acted upon once two polls agree.
func (h *harness) settle() {
	h.t.Helper()
	target := h.polls.Load() + 4
	deadline := time.After(wait)
	for h.polls.Load() < target {
		select {
		case <-h.polled:
		case <-deadline:
			h.t.Fatal("Run stopped polling")
		}
	}
}

// quiet asserts that nothing was reported since the last check.
func (h *harness) quiet() {
	h.t.Helper()
	select {
	case p := <-h.problems:
		h.t.Errorf("unexpected problem reported: %s: %v", p.path, p.err)
	case c := <-h.reloads:
		h.t.Errorf("unexpected reload of %s", c.Path)
	default:
	}
}

func mustParse(t *testing.T, path, src string) *Charter {
	t.Helper()
	c, err := Parse(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLibraryReloadsChangedFile(t *testing.T) {
	const before = "# Charte\n\nVersion un."
	tests := []struct {
		name  string
		after string
		save  func(t *testing.T, path, content string)
	}{
		{name: "edited in place", after: "# Charte\n\nVersion deux, plus longue.", save: func(t *testing.T, path, content string) {
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "replaced by the editor", after: "# Charte\n\nVersion trois.", save: write},
		{name: "same size and same modification time", after: "# Charte\n\nVersion 2.", save: func(t *testing.T, path, content string) {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			write(t, path, content)
			if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "deleted then written again", after: "# Charte\n\nVersion quatre.", save: func(t *testing.T, path, content string) {
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
			h := startLibrary(t, path)
			if got := h.lib.Get(path, "fr"); got.Version != mustParse(t, path, before).Version {
				t.Fatalf("initial version %s", got.Version)
			}

			tt.save(t, path, tt.after)
			c := h.reload()
			want := mustParse(t, path, tt.after)
			if c.Path != path || c.Version != want.Version {
				t.Errorf("reloaded %s version %s, want %s", c.Path, c.Version, want.Version)
			}
			if got := h.lib.Get(path, "fr"); got.Version != want.Version || got.Parts[0] != want.Parts[0] {
				t.Errorf("Get after reload returns version %s: %q", got.Version, got.Parts)
			}
			h.quiet()
		})
	}
}

// While an admin's edit is broken, people asking to join keep reading the
// last good charter, and admins are told once, not on every poll.
func TestLibraryKeepsLastGoodVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charter.md")
	write(t, path, "# Charte\n\nBonne version.")
	h := startLibrary(t, path)
	good := h.lib.Get(path, "fr")

	write(t, path, "  \n")
	p := h.problem()
	if p.path != path || !errors.Is(p.err, ErrEmpty) {
		t.Fatalf("problem %s: %v, want %s empty", p.path, p.err, path)
	}
	if got := h.lib.Get(path, "fr"); got != good {
		t.Fatalf("Get returns version %s during the failure, want the last good %s", got.Version, good.Version)
	}

	// Still broken, in other ways: same episode, nothing more to report.
	write(t, path, "Charte en latin-1 : d\xe9j\xe0")
	h.settle()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.quiet()
	if got := h.lib.Get(path, "fr"); got != good {
		t.Fatalf("Get returns version %s during the failure, want the last good %s", got.Version, good.Version)
	}

	// Fixed: the new version is used and a later failure is reported again.
	write(t, path, "# Charte\n\nVersion corrigée.")
	if c := h.reload(); c.Version != mustParse(t, path, "# Charte\n\nVersion corrigée.").Version {
		t.Fatalf("reloaded version %s", c.Version)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if p := h.problem(); p.path != path || !errors.Is(p.err, fs.ErrNotExist) {
		t.Fatalf("problem %s: %v, want %s missing", p.path, p.err, path)
	}

	// Restoring the very same text ends the episode without a reload.
	write(t, path, "# Charte\n\nVersion corrigée.")
	h.settle()
	h.quiet()
	write(t, path, "")
	if p := h.problem(); !errors.Is(p.err, ErrEmpty) {
		t.Fatalf("problem %v after recovery, want empty", p.err)
	}
}

func TestLibraryGet(t *testing.T) {
	dir := t.TempDir()
	both := filepath.Join(dir, "paris", "charter.md")
	frOnly := filepath.Join(dir, "bruxelles", "charter.md")
	for _, p := range []string{both, frOnly} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, p, "# Charte\n\nEn français.")
	}
	write(t, EnglishPath(both), "# Charter\n\nIn English.")
	lib, err := NewLibrary([]string{both, frOnly, both}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, lang, want string // want: title, or "" for nil
	}{
		{name: "french", path: both, lang: "fr", want: "Charte"},
		{name: "no language counts as french", path: both, lang: "", want: "Charte"},
		{name: "regional french", path: both, lang: "fr-CA", want: "Charte"},
		{name: "french any case", path: both, lang: "FR-be", want: "Charte"},
		{name: "english", path: both, lang: "en", want: "Charter"},
		{name: "regional english", path: both, lang: "en-US", want: "Charter"},
		{name: "other language gets english", path: both, lang: "de", want: "Charter"},
		{name: "portuguese gets english", path: both, lang: "pt-br", want: "Charter"},
		{name: "english missing falls back", path: frOnly, lang: "en", want: "Charte"},
		{name: "path spelled differently", path: filepath.Join(dir, "paris", ".", "charter.md"), lang: "en", want: "Charter"},
		{name: "unknown path", path: filepath.Join(dir, "lyon", "charter.md"), lang: "fr", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := lib.Get(tt.path, tt.lang)
			switch {
			case tt.want == "" && c != nil:
				t.Errorf("Get = %s, want nil", c.Path)
			case tt.want != "" && (c == nil || c.Title != tt.want):
				t.Errorf("Get = %+v, want %q", c, tt.want)
			}
		})
	}
}

func TestLibraryEnglishFileAddedLater(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charter.md")
	write(t, path, "# Charte\n\nEn français.")
	h := startLibrary(t, path)
	if got := h.lib.Get(path, "en"); got.Title != "Charte" {
		t.Fatalf("without an English file Get(en) = %q, want the French charter", got.Title)
	}

	write(t, EnglishPath(path), "# Charter\n\nIn English.")
	if c := h.reload(); c.Path != EnglishPath(path) {
		t.Fatalf("reloaded %s, want the English file", c.Path)
	}
	if got := h.lib.Get(path, "en"); got.Title != "Charter" {
		t.Errorf("Get(en) = %q after the English file appeared", got.Title)
	}
	if got := h.lib.Get(path, "fr"); got.Title != "Charte" {
		t.Errorf("Get(fr) = %q, want the French charter", got.Title)
	}

	// A broken English file keeps the last good English text and is reported.
	write(t, EnglishPath(path), "")
	if p := h.problem(); p.path != EnglishPath(path) || !errors.Is(p.err, ErrEmpty) {
		t.Fatalf("problem %s: %v, want the English file empty", p.path, p.err)
	}
	if got := h.lib.Get(path, "en"); got.Title != "Charter" {
		t.Errorf("Get(en) = %q while the English file is broken", got.Title)
	}

	// Removing it is a choice, not a problem: members get the French text.
	if err := os.Remove(EnglishPath(path)); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.quiet()
	if got := h.lib.Get(path, "en"); got.Title != "Charte" {
		t.Errorf("Get(en) = %q after the English file was removed, want the French charter", got.Title)
	}

	// And it can come back.
	write(t, EnglishPath(path), "# Charter again")
	if c := h.reload(); c.Title != "Charter again" {
		t.Fatalf("reloaded %q", c.Title)
	}
}

func TestNewLibrary(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string // relative path: content
		paths   []string
		wantErr []string // files the error must name; nil for success
		is      error
	}{
		{name: "fine", files: map[string]string{"a.md": "# A"}, paths: []string{"a.md"}},
		{name: "english missing is fine", files: map[string]string{"a.md": "# A", "b.md": "# B", "b.en.md": "# B en"}, paths: []string{"a.md", "b.md"}},
		{name: "no groups", paths: nil},
		{name: "missing", files: map[string]string{"a.md": "# A"}, paths: []string{"a.md", "b.md"}, wantErr: []string{"b.md"}, is: fs.ErrNotExist},
		{name: "empty", files: map[string]string{"a.md": "\n"}, paths: []string{"a.md"}, wantErr: []string{"a.md"}, is: ErrEmpty},
		{name: "not utf-8", files: map[string]string{"a.md": "\xe9"}, paths: []string{"a.md"}, wantErr: []string{"a.md"}, is: ErrNotUTF8},
		{name: "broken english", files: map[string]string{"a.md": "# A", "a.en.md": " "}, paths: []string{"a.md"}, wantErr: []string{"a.en.md"}, is: ErrEmpty},
		{name: "every problem named", files: map[string]string{"b.md": ""}, paths: []string{"a.md", "b.md"}, wantErr: []string{"a.md", "b.md"}},
		{name: "directory", files: map[string]string{"d/x.md": "# X"}, paths: []string{"d"}, wantErr: []string{"d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				write(t, p, content)
			}
			var paths []string
			for _, p := range tt.paths {
				paths = append(paths, filepath.Join(dir, p))
			}
			lib, err := NewLibrary(paths, Options{})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range paths {
					if lib.Get(p, "fr") == nil {
						t.Errorf("no charter for %s", p)
					}
				}
				return
			}
			if err == nil {
				t.Fatal("NewLibrary succeeded, want a startup error")
			}
			for _, name := range tt.wantErr {
				if !strings.Contains(err.Error(), "charter "+filepath.Join(dir, name)+":") {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

// Members read the charter from many goroutines while an admin edits it.
func TestLibraryConcurrentGet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charter.md")
	write(t, path, "# Charte\n\nVersion 0")
	h := startLibrary(t, path)

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
				c := h.lib.Get(path, "en")
				if c == nil || len(c.Parts) == 0 || !strings.Contains(c.Parts[0], "Version") {
					t.Error("Get returned an incomplete charter during a reload")
					return
				}
			}
		})
	}
	for i := 1; i <= 5; i++ {
		content := "# Charte\n\nVersion " + strings.Repeat("!", i)
		write(t, path, content)
		if c := h.reload(); c.Version != mustParse(t, path, content).Version {
			t.Fatalf("reload %d: version %s", i, c.Version)
		}
	}
	close(stop)
	readers.Wait()
}
