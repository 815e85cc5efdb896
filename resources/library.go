package resources

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

// DefaultInterval is how often Run looks at the file when Options.Interval
// is not set: quick enough that an admin sees an edit within seconds, rare
// enough to cost nothing on a file of a few tens of kilobytes.
const DefaultInterval = 2 * time.Second

// Options tunes a Library. The zero value is usable.
type Options struct {
	// Interval is the polling period; DefaultInterval when zero or less. A
	// change is applied once two polls in a row saw the same content, so
	// that a file caught half-written, or missing for the instant an editor
	// replaces it, is never used nor reported.
	Interval time.Duration
	// Logger receives reloads, problems and recoveries; nothing is logged
	// when nil.
	Logger *slog.Logger
	// OnProblem is called once per failure episode while Run runs: the file
	// became missing, unreadable or invalid. The last good version stays in
	// use, so members keep getting correct numbers; the call is how the bot
	// tells the moderators. The episode ends when the file is valid again.
	// Called from Run's goroutine: keep it short.
	OnProblem func(path string, err error)
	// OnReload is called after a changed, valid file was swapped in. Called
	// from Run's goroutine.
	OnReload func(d *Directory)
}

// Library is the resources file as the running bot sees it: always a valid
// Directory, replaced when an admin saves a valid edit. Get is safe to call
// from any goroutine while Run swaps in new versions.
type Library struct {
	path string
	opt  Options
	log  *slog.Logger
	cur  atomic.Pointer[Directory]

	pollMu  sync.Mutex  // keeps two Run calls from interleaving their polls
	last    observation // what the previous poll saw
	applied observation // what was last acted upon
	good    [sha256.Size]byte
	failing bool // inside a failure episode already reported

	// afterPoll, when set by tests, is called after each poll so that they
	// can wait for the library to have looked at the file rather than sleep.
	afterPoll func()
}

type fileState uint8

const (
	stateOK fileState = iota
	stateMissing
	stateBroken
)

// observation is what one read of the file found. Only state, sum and
// problem take part in comparisons; dir and err carry the result along.
type observation struct {
	state   fileState
	sum     [sha256.Size]byte
	problem string

	dir *Directory
	err error
}

func (o observation) same(p observation) bool {
	return o.state == p.state && o.sum == p.sum && o.problem == p.problem
}

func observe(path string) observation {
	data, err := os.ReadFile(path)
	if err != nil {
		err = fmt.Errorf("resources %s: %w", path, err)
		if errors.Is(err, fs.ErrNotExist) {
			return observation{state: stateMissing, problem: "missing", err: err}
		}
		return observation{state: stateBroken, problem: err.Error(), err: err}
	}
	o := observation{sum: sha256.Sum256(data)}
	d, errs := Parse(path, data)
	if len(errs) > 0 {
		o.err = errors.Join(errs...)
		o.state, o.problem = stateBroken, o.err.Error()
		return o
	}
	o.dir = d
	return o
}

// NewLibrary loads the resources file at path. A missing or invalid file is
// a startup error naming the path: the bot must not start with an empty or
// wrong directory, and the admin is there to read the error.
func NewLibrary(path string, opt Options) (*Library, error) {
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := observe(path)
	if o.state != stateOK {
		return nil, o.err
	}
	l := &Library{path: path, opt: opt, log: log, last: o, applied: o, good: o.sum}
	l.cur.Store(o.dir)
	return l, nil
}

// Get returns the current directory, never nil.
func (l *Library) Get() *Directory {
	return l.cur.Load()
}

// Run polls the file every Interval and swaps in new valid versions until
// ctx ends, then returns nil. The file is read whole and hashed on every
// poll rather than trusting modification times: it is small, and a
// same-size edit within the file system's time granularity would otherwise
// be missed. Reading by path also follows editors that save by replacing
// the file.
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

// poll acts on the file's state once two polls in a row agree on it.
func (l *Library) poll() {
	l.pollMu.Lock()
	defer l.pollMu.Unlock()
	o := observe(l.path)
	if !o.same(l.last) {
		l.last = o
		return
	}
	if o.same(l.applied) {
		return
	}
	l.applied = o
	if o.state == stateOK {
		l.apply(o)
		return
	}
	l.fail(o.err)
}

func (l *Library) apply(o observation) {
	if l.failing {
		l.failing = false
		l.log.Info("resources file recovered", "path", l.path)
	}
	if o.sum == l.good {
		// The last good content restored: members have nothing new to see.
		return
	}
	l.good = o.sum
	l.cur.Store(o.dir)
	l.log.Info("resources reloaded", "path", l.path, "categories", len(o.dir.Categories), "resources", len(o.dir.Resources))
	if l.opt.OnReload != nil {
		l.opt.OnReload(o.dir)
	}
}

func (l *Library) fail(err error) {
	if l.failing {
		// Same episode, another symptom (say, a second typo before the
		// first was fixed): the moderators were told already.
		l.log.Debug("resources file still broken", "path", l.path, "err", err)
		return
	}
	l.failing = true
	l.log.Warn("resources file problem; keeping the last good version", "path", l.path, "err", err)
	if l.opt.OnProblem != nil {
		l.opt.OnProblem(l.path, err)
	}
}
