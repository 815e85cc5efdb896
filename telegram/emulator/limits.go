package emulator

import (
	"math"
	"time"
)

// Limits is an optional Telegram-like flood control. Each zero field turns
// its limit off, so the zero value disables flood control entirely (the
// default: most tests want speed, not 429s).
//
// Only message-creating calls count: sendMessage, sendPhoto, sendDocument,
// copyMessage and forwardMessage. Calls above a limit get 429 "Too Many
// Requests: retry after N" with parameters.retry_after = N, the whole
// seconds until the limit would let the call through. Rejected calls do not
// consume the budget.
type Limits struct {
	GroupPerMinute   int // per group chat (negative id), sliding 1-minute window; Telegram: 20
	PrivatePerSecond int // per private chat, token bucket refill rate; Telegram: about 1
	PrivateBurst     int // token bucket size for private chats; default 3 when PrivatePerSecond > 0
	GlobalPerSecond  int // across all chats, sliding 1-second window; Telegram: 30
}

// TelegramLimits returns the limits Telegram documents for bots.
func TelegramLimits() Limits {
	return Limits{GroupPerMinute: 20, PrivatePerSecond: 1, PrivateBurst: 3, GlobalPerSecond: 30}
}

// SetLimits installs flood control (zero value: off) and resets its
// counters.
func (s *Server) SetLimits(l Limits) {
	if l.PrivatePerSecond > 0 && l.PrivateBurst <= 0 {
		l.PrivateBurst = 3
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
	s.global = nil
	for _, c := range s.chats {
		c.window, c.tokens, c.tokensAt = nil, 0, time.Time{}
	}
}

// TooManyRequests returns how many 429 answers the server gave, whether
// from Limits or from FailNext.
func (s *Server) TooManyRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tooMany
}

// retryIn converts a wait into Telegram's whole-second retry_after (>= 1).
func retryIn(d time.Duration) int {
	return max(int(math.Ceil(d.Seconds())), 1)
}

// windowRetry returns 0 if one more event fits in the sliding window, else
// the retry_after. It prunes expired entries.
func windowRetry(w *[]time.Time, n int, span time.Duration, now time.Time) int {
	cut := 0
	for cut < len(*w) && !(*w)[cut].After(now.Add(-span)) {
		cut++
	}
	*w = (*w)[cut:]
	if len(*w) < n {
		return 0
	}
	return retryIn((*w)[len(*w)-n].Add(span).Sub(now))
}

func (s *Server) refillLocked(c *chatState, now time.Time) {
	l := s.limits
	if c.tokensAt.IsZero() {
		c.tokens = float64(l.PrivateBurst)
	} else {
		c.tokens = math.Min(float64(l.PrivateBurst), c.tokens+now.Sub(c.tokensAt).Seconds()*float64(l.PrivatePerSecond))
	}
	c.tokensAt = now
}

// floodCheckLocked returns the retry_after the call must get, 0 if allowed.
func (s *Server) floodCheckLocked(chatID int64, now time.Time) int {
	l := s.limits
	retry := 0
	if l.GlobalPerSecond > 0 {
		retry = max(retry, windowRetry(&s.global, l.GlobalPerSecond, time.Second, now))
	}
	c := s.chatLocked(chatID)
	if chatID < 0 && l.GroupPerMinute > 0 {
		retry = max(retry, windowRetry(&c.window, l.GroupPerMinute, time.Minute, now))
	}
	if chatID > 0 && l.PrivatePerSecond > 0 {
		s.refillLocked(c, now)
		if c.tokens < 1 {
			retry = max(retry, retryIn(time.Duration((1-c.tokens)/float64(l.PrivatePerSecond)*float64(time.Second))))
		}
	}
	return retry
}

// floodCommitLocked charges an accepted send to the budgets.
func (s *Server) floodCommitLocked(chatID int64, now time.Time) {
	l := s.limits
	if l.GlobalPerSecond > 0 {
		s.global = append(s.global, now)
	}
	c := s.chatLocked(chatID)
	if chatID < 0 && l.GroupPerMinute > 0 {
		c.window = append(c.window, now)
	}
	if chatID > 0 && l.PrivatePerSecond > 0 {
		s.refillLocked(c, now)
		c.tokens--
	}
}
