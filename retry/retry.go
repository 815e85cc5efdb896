// Package retry holds the one backoff the bot uses when Telegram or the
// network fails for a passing reason: the outbox's retries of a call, and
// the bot's own loops (identification at start, setWebhook, long polling).
package retry

import (
	"math/rand/v2"
	"time"
)

// Backoff is an exponential backoff with jitter: Base before the first
// retry, doubled for each failure after it, at most Max.
type Backoff struct {
	Base, Max time.Duration
}

// Delay is how long to wait before retrying after failure number attempt
// (1 for the first), jittered.
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.Base
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	return Jitter(min(d, b.Max))
}

// Jitter spreads a wait over its upper half, d/2 to d, so that calls that
// failed together (or a bot and its restart) do not retry in step.
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}
