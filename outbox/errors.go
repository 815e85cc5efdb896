package outbox

import "errors"

// ErrClosed is returned by Do when the outbox no longer takes calls: Run's
// context has ended (or Run already returned). Calls still waiting in the
// queue at that moment get it too, wrapped with their last error when they
// were waiting for a retry; the caller drops that one message, as it would
// after any other failure.
var ErrClosed = errors.New("outbox: closed")

// ErrRunning is returned by a second Run on the same Outbox: one dispatcher
// owns the queue, two would each think it had the whole budget.
var ErrRunning = errors.New("outbox: already running")
