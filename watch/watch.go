// Package watch follows the small files admins edit while the bot runs (the
// charters, the resources directory, the lexicon) and keeps the last good
// parsed version of each.
//
// It polls rather than using fsnotify (inotify): every Interval each file is
// read whole and fingerprinted with SHA-256. Polling by path keeps working
// where change notifications do not:
//   - editors that save by writing a new file and renaming it over the old
//     one: a watch on the old inode goes quiet, while reading by path always
//     finds the current file;
//   - bind mounts (a single file mounted into a container): the container
//     keeps the inode it was given, and an edit made on the host by rename
//     never raises an event inside it;
//   - modification times, whose granularity can hide a quick same-size edit:
//     the content hash cannot miss it.
//
// The files are a few kilobytes, so reading them every couple of seconds
// costs nothing.
//
// A change is acted upon once two polls in a row saw the same state, so that
// a file caught half-written, or missing for the instant an editor replaces
// it, is never used nor reported. While a file is broken (missing, unreadable
// or refused by its parser) the last good version stays in use, and the
// caller is told once per failure episode: a second symptom before the fix
// is not reported again; the episode ends when the file is valid again.
package watch

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultInterval is the polling period when Options.Interval is not set:
// quick enough that an admin sees an edit within seconds, rare enough to
// cost nothing on files of a few kilobytes.
const DefaultInterval = 2 * time.Second

// Options tunes a Watcher. The zero value is usable.
type Options struct {
	// Interval is the polling period; DefaultInterval when zero or less.
	Interval time.Duration
	// Tick starts the clock that paces the polls and returns its channel
	// and a function that stops it; a time.Ticker of the interval when nil.
	// Tests pass their own channel to decide when polls happen.
	Tick func(interval time.Duration) (ticks <-chan time.Time, stop func())
	// Logger receives reloads, problems and recoveries; nothing is logged
	// when nil.
	Logger *slog.Logger
}

// Watcher polls a set of files. Files are added with Add before Run starts
// or while it runs.
type Watcher struct {
	opt Options
	log *slog.Logger

	mu    sync.Mutex // serialises polls and additions
	files []poller
}

type poller interface{ poll(log *slog.Logger) }

// New returns a Watcher with no files.
func New(opt Options) *Watcher {
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watcher{opt: opt, log: log}
}

// Run polls the files every Interval until ctx ends, then returns nil.
func (w *Watcher) Run(ctx context.Context) error {
	tick := w.opt.Tick
	if tick == nil {
		tick = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	ticks, stop := tick(w.opt.Interval)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
			w.Poll()
		}
	}
}

// Poll looks at every file once, as Run does on each tick. Two Poll calls
// never interleave.
func (w *Watcher) Poll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range w.files {
		f.poll(w.log)
	}
}

// Spec describes one file to follow.
type Spec[T any] struct {
	// Path is the file, read by path on every poll.
	Path string
	// Kind names the file in read errors and logs ("charter", "resources"):
	// a read error reads "charter /srv/charter.md: open ...".
	Kind string
	// Parse turns the file's bytes into a value; an error keeps the last
	// good value in use. Its error should name the file: it is what the
	// caller's OnProblem and the logs show.
	Parse func(data []byte) (T, error)
	// Optional means a missing file is a choice, not a problem: Get then
	// reports no value, and nothing is reported to OnProblem.
	Optional bool
	// Same, when set, tells that a new valid version says the same as the
	// current one although its bytes differ (say, only line endings
	// changed): it is then neither swapped in nor reported as a reload.
	// Identical bytes are always the same.
	Same func(old, new T) bool
	// OnReload is called after a changed valid file was swapped in,
	// including an optional file that appeared. Called from the polling
	// goroutine: keep it short.
	OnReload func(T)
	// OnProblem is called once per failure episode: the file became
	// missing (unless Optional), unreadable or invalid. The last good
	// version stays in use. Called from the polling goroutine.
	OnProblem func(path string, err error)
}

// File is a followed file: its last good value, safe to read from any
// goroutine while the Watcher swaps in new versions.
type File[T any] struct {
	spec Spec[T]
	cur  atomic.Pointer[good[T]]

	// Owned by the polling goroutine (under Watcher.mu).
	last    observation[T] // what the previous poll saw
	applied observation[T] // what was last acted upon
	failing bool           // inside a failure episode already reported
}

// good is a valid version and the hash of the bytes it came from.
type good[T any] struct {
	val T
	sum [sha256.Size]byte
}

type fileState uint8

const (
	stateOK fileState = iota
	stateMissing
	stateBroken
)

// observation is what one read of a file found. Only state, sum and problem
// take part in comparisons; val and err carry the result along.
type observation[T any] struct {
	state   fileState
	sum     [sha256.Size]byte
	problem string

	val T
	err error
}

func (o observation[T]) same(p observation[T]) bool {
	return o.state == p.state && o.sum == p.sum && o.problem == p.problem
}

func (f *File[T]) observe() observation[T] {
	data, err := os.ReadFile(f.spec.Path)
	if err != nil {
		err = fmt.Errorf("%s %s: %w", f.spec.Kind, f.spec.Path, err)
		if errors.Is(err, fs.ErrNotExist) {
			return observation[T]{state: stateMissing, problem: "missing", err: err}
		}
		return observation[T]{state: stateBroken, problem: err.Error(), err: err}
	}
	o := observation[T]{sum: sha256.Sum256(data)}
	o.val, o.err = f.spec.Parse(data)
	if o.err != nil {
		o.state, o.problem = stateBroken, o.err.Error()
	}
	return o
}

// Add reads and parses the file of spec and follows it from then on. A
// file that is missing (unless Optional), unreadable or invalid is an
// error naming it, and is not followed: the caller decides whether the
// program may start without it.
func Add[T any](w *Watcher, spec Spec[T]) (*File[T], error) {
	f := &File[T]{spec: spec}
	o := f.observe()
	switch {
	case o.state == stateOK:
		f.cur.Store(&good[T]{val: o.val, sum: o.sum})
	case o.state == stateMissing && spec.Optional:
	default:
		return nil, o.err
	}
	f.last, f.applied = o, o
	w.mu.Lock()
	w.files = append(w.files, f)
	w.mu.Unlock()
	return f, nil
}

// Get returns the last good value, and false when there is none (an
// optional file that does not exist).
func (f *File[T]) Get() (T, bool) {
	if g := f.cur.Load(); g != nil {
		return g.val, true
	}
	var zero T
	return zero, false
}

// Path is the file followed.
func (f *File[T]) Path() string { return f.spec.Path }

// poll acts on the file's state once two polls in a row agree on it.
func (f *File[T]) poll(log *slog.Logger) {
	o := f.observe()
	if !o.same(f.last) {
		f.last = o
		return
	}
	if o.same(f.applied) {
		return
	}
	f.applied = o
	switch {
	case o.state == stateOK:
		f.apply(log, o)
	case o.state == stateMissing && f.spec.Optional:
		f.failing = false
		if f.cur.Load() != nil {
			f.cur.Store(nil)
			log.Info(f.spec.Kind+" file removed", "path", f.spec.Path)
		}
	default:
		f.fail(log, o.err)
	}
}

func (f *File[T]) apply(log *slog.Logger, o observation[T]) {
	if f.failing {
		f.failing = false
		log.Info(f.spec.Kind+" recovered", "path", f.spec.Path)
	}
	if cur := f.cur.Load(); cur != nil && (cur.sum == o.sum || f.spec.Same != nil && f.spec.Same(cur.val, o.val)) {
		// The last good content restored: members have nothing new to see.
		return
	}
	f.cur.Store(&good[T]{val: o.val, sum: o.sum})
	log.Info(f.spec.Kind+" reloaded", "path", f.spec.Path)
	if f.spec.OnReload != nil {
		f.spec.OnReload(o.val)
	}
}

func (f *File[T]) fail(log *slog.Logger, err error) {
	if f.failing {
		// Same episode, another symptom (say, missing then empty): the
		// admins were told already.
		log.Debug(f.spec.Kind+" still broken", "path", f.spec.Path, "err", err)
		return
	}
	f.failing = true
	log.Warn(f.spec.Kind+" problem; keeping the last good version", "path", f.spec.Path, "err", err)
	if f.spec.OnProblem != nil {
		f.spec.OnProblem(f.spec.Path, err)
	}
}
