package review

import "time"

// FloodQuiet is how long a member who flooded is not carded again: one card
// per burst is enough for the moderators, a card per message would itself
// flood their chat.
const FloodQuiet = 10 * time.Minute

// FloodRule is the anti-flood rule: more than Messages within Per is a
// flood. A rule with Messages or Per not positive is off.
type FloodRule struct {
	Messages int
	Per      time.Duration
}

// Member names one person in one group: the flood rule counts per group.
type Member struct{ Group, User int64 }

// FloodWatch applies a FloodRule to every member's messages. It is a token
// bucket per member (Messages tokens, refilled at Messages per Per), given
// the time of each message rather than reading a clock, so that tests
// decide what "now" is. It is not safe for concurrent use: the
// caller holds its own lock around it.
type FloodWatch struct {
	rule    FloodRule
	members map[Member]*floodState
}

type floodState struct {
	limiter  *bucket
	lastCard time.Time
	lastSeen time.Time
}

// NewFloodWatch returns a FloodWatch for rule.
func NewFloodWatch(rule FloodRule) *FloodWatch {
	return &FloodWatch{rule: rule, members: map[Member]*floodState{}}
}

// Rule is the rule the watch applies.
func (w *FloodWatch) Rule() FloodRule { return w.rule }

// Seen records a message of m at now and reports whether it calls for a
// flood card: the member is over the rule and had no card for FloodQuiet.
// Edits are not messages: the caller does not report them.
func (w *FloodWatch) Seen(m Member, now time.Time) bool {
	if w.rule.Messages <= 0 || w.rule.Per <= 0 {
		return false
	}
	st := w.members[m]
	if st == nil {
		st = &floodState{limiter: newBucket(float64(w.rule.Messages)/w.rule.Per.Seconds(), w.rule.Messages)}
		w.members[m] = st
	}
	st.lastSeen = now
	if st.limiter.allow(now) || now.Sub(st.lastCard) < FloodQuiet {
		return false
	}
	st.lastCard = now
	return true
}

// Forget drops the members idle long enough that a fresh state would decide
// the same (their bucket is full and their quiet period over), so that
// memory follows the active members, not every member ever seen.
func (w *FloodWatch) Forget(now time.Time) {
	for k, st := range w.members {
		if now.Sub(st.lastSeen) > FloodQuiet+w.rule.Per {
			delete(w.members, k)
		}
	}
}

// Erase forgets a person in every group, at their request (/oubli): the
// next message starts from a full allowance.
func (w *FloodWatch) Erase(user int64) {
	for k := range w.members {
		if k.User == user {
			delete(w.members, k)
		}
	}
}

// Len is how many members the watch remembers.
func (w *FloodWatch) Len() int { return len(w.members) }

// ReportLimit bounds how many messages one member can report: PerHour, all
// at once if they like, then one every hour/PerHour. It keeps /signaler from
// becoming a way to flood the moderators. Like FloodWatch it takes the time
// as an argument and leaves locking to the caller.
type ReportLimit struct {
	perHour   int
	reporters map[int64]*bucket
}

// NewReportLimit returns a ReportLimit of perHour reports (at least one).
func NewReportLimit(perHour int) *ReportLimit {
	return &ReportLimit{perHour: max(perHour, 1), reporters: map[int64]*bucket{}}
}

// Allow records a report by reporter at now and reports whether it is
// within the limit.
func (l *ReportLimit) Allow(reporter int64, now time.Time) bool {
	lim := l.reporters[reporter]
	if lim == nil {
		lim = newBucket(1/(time.Hour/time.Duration(l.perHour)).Seconds(), l.perHour)
		l.reporters[reporter] = lim
	}
	return lim.allow(now)
}

// Forget drops the reporters whose allowance is whole again: a fresh
// limiter would decide the same.
func (l *ReportLimit) Forget(now time.Time) {
	for k, lim := range l.reporters {
		if lim.full(now) {
			delete(l.reporters, k)
		}
	}
}

// Erase forgets a reporter, at their request (/oubli).
func (l *ReportLimit) Erase(reporter int64) { delete(l.reporters, reporter) }

// Len is how many reporters the limit remembers.
func (l *ReportLimit) Len() int { return len(l.reporters) }

// bucket is a token bucket with the arithmetic of golang.org/x/time/rate's
// Limiter (AllowN(now, 1) and TokensAt), written out here because rate
// imports fmt and with it os, which a domain package must not pull in.
// Unlike Limiter it has no lock: FloodWatch and ReportLimit leave locking
// to their caller.
type bucket struct {
	perSecond float64 // refill rate, tokens a second (> 0)
	burst     int
	tokens    float64
	last      time.Time // when tokens was last updated
}

// newBucket returns a full bucket.
func newBucket(perSecond float64, burst int) *bucket {
	return &bucket{perSecond: perSecond, burst: burst, tokens: float64(burst)}
}

// at is the number of tokens at t; a t before the last update counts as
// no time passed, as in rate.
func (b *bucket) at(t time.Time) float64 {
	last := b.last
	if t.Before(last) {
		last = t
	}
	return min(b.tokens+t.Sub(last).Seconds()*b.perSecond, float64(b.burst))
}

// allow takes a token at t if there is one. As in rate, a shortfall worth
// less than a nanosecond of refill counts as none.
func (b *bucket) allow(t time.Time) bool {
	tokens := b.at(t) - 1
	if b.burst < 1 || tokens < 0 && -tokens/b.perSecond*float64(time.Second) >= 1 {
		return false
	}
	b.last, b.tokens = t, tokens
	return true
}

// full reports whether the bucket is full at t: a new one would behave the
// same.
func (b *bucket) full(t time.Time) bool { return b.at(t) >= float64(b.burst) }
