package charter

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultInterval is how often Run looks at the files when Options.Interval
// is not set: quick enough that an admin sees an edit almost at once, rare
// enough to cost nothing on files of a few kilobytes.
const DefaultInterval = 2 * time.Second

// Options tunes a Library. The zero value is usable.
type Options struct {
	// Interval is the polling period; DefaultInterval when zero or less. A
	// change is applied once it has been seen on two polls in a row, so that
	// a file caught half-written, or missing for the instant an editor
	// replaces it, is never shown nor reported.
	Interval time.Duration
	// Logger receives reloads, problems and recoveries; nothing is logged
	// when nil.
	Logger *slog.Logger
	// OnProblem is called once per failure episode while Run runs: the file
	// became missing, empty, unreadable or invalid. The last good version
	// stays in use, so members are never left without a charter; the call is
	// how admins get told. A missing English file is not a problem: members
	// then see the main charter. Called from Run's goroutine: keep it short.
	OnProblem func(path string, err error)
	// OnReload is called after a changed file was loaded and swapped in,
	// including an English file that appeared. Called from Run's goroutine.
	OnReload func(c *Charter)
}

// Library holds the charters of every group, keyed by path, with their
// optional English versions. Get is safe to call from any goroutine while
// Run swaps in new versions.
type Library struct {
	opt     Options
	log     *slog.Logger
	entries map[string]*entry // fixed after NewLibrary, so reads need no lock
	order   []*entry

	pollMu sync.Mutex // keeps two Run calls from interleaving their polls
	// afterPoll, when set by tests, is called after each poll so they can
	// wait for the bot to have looked at a file rather than sleep.
	afterPoll func()
}

// entry is one group's charter and its English version.
type entry struct {
	main, english *watch
}

// watch follows one file. cur is read by Get from any goroutine; the other
// fields belong to the goroutine polling.
type watch struct {
	path    string
	english bool
	cur     atomic.Pointer[Charter]

	last    observation // what the previous poll saw
	applied observation // what was last acted upon
	failing bool        // inside a failure episode already reported
}

type fileState uint8

const (
	stateOK fileState = iota
	stateMissing
	stateBroken
)

// observation is what one read of a file found. Only state, sum and problem
// take part in comparisons; charter and err carry the result along.
type observation struct {
	state   fileState
	sum     [sha256.Size]byte
	problem string

	charter *Charter
	err     error
}

func (o observation) same(p observation) bool {
	return o.state == p.state && o.sum == p.sum && o.problem == p.problem
}

func observe(path string) observation {
	src, err := os.ReadFile(path)
	if err != nil {
		err = fmt.Errorf("charter %s: %w", path, err)
		if errors.Is(err, fs.ErrNotExist) {
			return observation{state: stateMissing, problem: "missing", err: err}
		}
		return observation{state: stateBroken, problem: err.Error(), err: err}
	}
	o := observation{sum: contentSum(src)}
	o.charter, o.err = Parse(path, src)
	if o.err != nil {
		o.state, o.problem = stateBroken, o.err.Error()
	}
	return o
}

// NewLibrary loads the charter at every path (duplicates count once) and,
// when it exists, its English version at EnglishPath. Any problem is a
// startup error naming the file, because a group must never start without
// readable rules; a missing English file is fine.
func NewLibrary(paths []string, opt Options) (*Library, error) {
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Library{opt: opt, log: log, entries: make(map[string]*entry)}
	var errs []error
	for _, p := range paths {
		key := filepath.Clean(p)
		if _, ok := l.entries[key]; ok {
			continue
		}
		e := &entry{main: &watch{path: p}, english: &watch{path: EnglishPath(p), english: true}}
		for _, w := range []*watch{e.main, e.english} {
			o := observe(w.path)
			switch {
			case o.state == stateOK:
				w.cur.Store(o.charter)
			case o.state == stateMissing && w.english:
			default:
				errs = append(errs, o.err)
			}
			w.last, w.applied = o, o
		}
		l.entries[key] = e
		l.order = append(l.order, e)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}

// Get returns the charter of the group at path, in English when lang (a
// Telegram language_code such as "en", "en-US" or "de") is not French and an
// English file exists, else the main one. An empty lang counts as French, the
// group's language. Get returns nil for a path the Library was not given.
func (l *Library) Get(path, lang string) *Charter {
	e := l.entries[filepath.Clean(path)]
	if e == nil {
		return nil
	}
	if !isFrench(lang) {
		if c := e.english.cur.Load(); c != nil {
			return c
		}
	}
	return e.main.cur.Load()
}

func isFrench(lang string) bool {
	primary, _, _ := strings.Cut(lang, "-")
	primary, _, _ = strings.Cut(primary, "_")
	return primary == "" || strings.EqualFold(primary, "fr")
}

// Run polls the files every Interval and swaps in new versions until ctx
// ends, then returns nil. Files are read whole and hashed on every poll
// rather than trusting modification times: they are small, and a same-size
// edit within the file system's time granularity would otherwise be missed.
// Reading by path also follows editors that save by replacing the file.
func (l *Library) Run(ctx context.Context) error {
	t := time.NewTicker(l.opt.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			l.poll()
			if l.afterPoll != nil {
				l.afterPoll()
			}
		}
	}
}

func (l *Library) poll() {
	l.pollMu.Lock()
	defer l.pollMu.Unlock()
	for _, e := range l.order {
		l.check(e.main)
		l.check(e.english)
	}
}

// check acts on a file's state once two polls in a row agree on it.
func (l *Library) check(w *watch) {
	o := observe(w.path)
	if !o.same(w.last) {
		w.last = o
		return
	}
	if o.same(w.applied) {
		return
	}
	w.applied = o
	switch {
	case o.state == stateOK:
		l.apply(w, o.charter)
	case o.state == stateMissing && w.english:
		w.failing = false
		if w.cur.Load() != nil {
			w.cur.Store(nil)
			l.log.Info("English charter removed; members see the main charter", "path", w.path)
		}
	default:
		l.fail(w, o.err)
	}
}

func (l *Library) apply(w *watch, c *Charter) {
	if w.failing {
		w.failing = false
		l.log.Info("charter recovered", "path", w.path, "version", c.Version)
	}
	if prev := w.cur.Load(); prev != nil && prev.Version == c.Version {
		// Same text (restored, or only line endings changed): members have
		// nothing new to see.
		return
	}
	w.cur.Store(c)
	l.log.Info("charter reloaded", "path", w.path, "version", c.Version, "parts", len(c.Parts))
	if l.opt.OnReload != nil {
		l.opt.OnReload(c)
	}
}

func (l *Library) fail(w *watch, err error) {
	kept := ""
	if c := w.cur.Load(); c != nil {
		kept = c.Version
	}
	if w.failing {
		// Same episode, another symptom (say, missing then empty): the admin
		// was told already.
		l.log.Debug("charter still broken", "path", w.path, "err", err, "kept_version", kept)
		return
	}
	w.failing = true
	l.log.Warn("charter problem; keeping the last good version", "path", w.path, "err", err, "kept_version", kept)
	if l.opt.OnProblem != nil {
		l.opt.OnProblem(w.path, err)
	}
}
