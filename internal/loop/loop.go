// Package loop guards the program's background goroutines (the outbox's
// dispatcher, the sender of owed messages, the sweep, the file watcher...).
//
// A goroutine that panics takes the whole process down with Go's own stack
// trace on stderr, outside the structured log; one whose panic is merely
// swallowed leaves the bot up but deaf (no sweep, no cards). Neither is
// acceptable: a panic in a background loop is logged at ERROR with its stack
// and turned into an error that ends the program's Run, so that the process
// exits non-zero and Docker or systemd starts it again.
package loop

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// PanicError is what Guard returns for a loop that panicked.
type PanicError struct {
	// Loop names the loop ("sweep", "file watcher").
	Loop string
	// Value is what the loop panicked with.
	Value any
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic in the %s loop: %v", e.Loop, e.Value) }

// Guard runs fn and returns its error; a panic in fn is logged at ERROR
// with its stack (log may be nil: slog.Default then) and returned as a
// *PanicError.
func Guard(log *slog.Logger, name string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if log == nil {
				log = slog.Default()
			}
			log.Error("panic in a background loop, stopping", "loop", name, "panic", r, "stack", string(debug.Stack()))
			err = &PanicError{Loop: name, Value: r}
		}
	}()
	return fn()
}
