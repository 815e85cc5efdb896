package checkin

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// Occurrence is one scheduled instant of a check-in: "vendredi" of the week
// of 2026-03-27. The bot records handled occurrences by Key, per group.
type Occurrence struct {
	CheckIn string // the check-in's Name
	// Key identifies the occurrence: Name + "@" + its scheduled local date
	// ("vendredi@2026-03-27"). It depends only on the configuration and the
	// calendar, never on when the bot computed it, so that after a restart
	// or a crash right after posting the bot finds the same key in storage
	// and does not post twice.
	Key string
	// At is the instant the occurrence is due, in the check-in's time zone.
	// Compare it with Equal, Before and After, not ==.
	At time.Time
}

// Latest returns the most recent occurrence of c at or before now, with wall
// times read in loc.
//
// Daylight-saving changes are where a naive "add 7 days" scheduler posts twice
// or never, so the rules are explicit:
//
//   - A wall time that does not exist (02:30 in Europe/Paris on the last
//     Sunday of March, when clocks jump from 02:00 to 03:00) moves to the
//     first instant that exists after it: the moment of the jump, 03:00.
//     Go's time.Date would give 03:30 in Paris but 01:30 in Montreal (it
//     does not promise which side of the gap it picks); the moment of the
//     jump is the same answer in every zone, is the closest existing instant
//     to what the admin wrote, and keeps check-ins in the order they were
//     configured (02:45 never ends up after 03:15).
//   - A wall time that happens twice (02:30 in Europe/Paris on the last
//     Sunday of October, when clocks go back from 03:00 to 02:00) is due at
//     the first of the two. The occurrence has one key per date, so the
//     second 02:30 is the same occurrence, already handled: a check-in is
//     never due twice that day.
//
// Hour and Minute are expected in range (see Validate); out-of-range values
// are normalised as time.Date does.
func Latest(c CheckIn, now time.Time, loc *time.Location) Occurrence {
	local := now.In(loc)
	y, m, d := local.Date()
	d -= (int(local.Weekday()) - int(c.Weekday) + 7) % 7
	o := occurrence(c, y, m, d, loc)
	// This week's slot may still be ahead (later today, or today's date but
	// a time of day not reached yet): the latest one is then a week earlier.
	for o.At.After(now) {
		d -= 7
		o = occurrence(c, y, m, d, loc)
	}
	return o
}

// Next returns the first occurrence of c strictly after now, so the bot can
// log when the next check-in is due.
func Next(c CheckIn, now time.Time, loc *time.Location) Occurrence {
	l := Latest(c, now, loc)
	// The occurrence a week after the latest one is after now: otherwise it
	// would have been the latest one.
	y, m, d := date(l.Key)
	return occurrence(c, y, m, d+7, loc)
}

// occurrence builds the occurrence of c on the local date y-m-d (d may be
// out of range: it is normalised, as by time.Date).
func occurrence(c CheckIn, y int, m time.Month, d int, loc *time.Location) Occurrence {
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // normalises the date
	y, m, d = day.Date()
	return Occurrence{
		CheckIn: c.Name,
		Key:     c.Name + "@" + day.Format(time.DateOnly),
		At:      wallInstant(y, m, d, c.Hour, c.Minute, loc),
	}
}

// wallInstant returns the instant at which clocks in loc show y-m-d h:min,
// applying Latest's rules for wall times that do not exist or happen twice.
func wallInstant(y int, m time.Month, d, h, mi int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, h, mi, 0, 0, loc)
	want := time.Date(y, m, d, h, mi, 0, 0, time.UTC)
	start, end := t.ZoneBounds()
	switch got := wall(t); {
	case got.After(want) && !start.IsZero():
		// In a gap, and time.Date went past it: the gap ends where t's
		// zone period starts.
		return start
	case got.Before(want) && !end.IsZero():
		// In a gap, and time.Date stayed before it: the gap ends where
		// t's zone period ends.
		return end
	}
	// The wall time exists; on the day clocks go back it may exist twice,
	// once in the previous zone period (with a larger offset). Prefer that
	// earlier one.
	if !start.IsZero() {
		_, prev := start.Add(-time.Nanosecond).Zone()
		_, cur := t.Zone()
		if prev > cur {
			earlier := t.Add(-time.Duration(prev-cur) * time.Second)
			if earlier.Before(start) && wall(earlier).Equal(want) {
				return earlier
			}
		}
	}
	return t
}

// wall returns t's wall clock reading as a UTC time, so that wall readings
// can be compared with each other whatever the offsets.
func wall(t time.Time) time.Time {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// date returns the scheduled local date written in an occurrence key, or a
// zero year for a key that was not made by this package.
func date(key string) (y int, m time.Month, d int) {
	i := strings.LastIndexByte(key, '@')
	day, err := time.Parse(time.DateOnly, key[i+1:])
	if err != nil {
		return 0, 0, 0
	}
	return day.Date()
}

// Decision says what the bot does with a check-in's latest occurrence in one
// group.
type Decision int

const (
	// Wait: nothing to do, because the occurrence was already handled in
	// this group (posted or skipped, before a restart for instance) or is
	// not due yet.
	Wait Decision = iota
	// Post: the occurrence is due and still within the grace period; the
	// bot posts it, then records it as handled.
	Post
	// Skip: the occurrence is due but older than the grace period, missed
	// while the bot was down. A Friday-evening message arriving on Saturday
	// afternoon would read wrong, so the bot logs it and records it as
	// handled without posting.
	Skip
)

// String names the decision for logs.
func (d Decision) String() string {
	switch d {
	case Wait:
		return "wait"
	case Post:
		return "post"
	case Skip:
		return "skip"
	}
	return "decision(" + strconv.Itoa(int(d)) + ")"
}

// Due decides what to do with occurrence o in one group at now, given whether
// that occurrence was already handled (posted or skipped) in that group. The
// grace period is inclusive: an occurrence exactly grace old is still posted.
// A negative grace counts as zero. The grace must be longer than the bot's
// scheduling tick, or slots would be skipped while the bot is running.
func Due(o Occurrence, now time.Time, grace time.Duration, handled bool) Decision {
	switch {
	case handled || o.At.IsZero() || now.Before(o.At):
		return Wait
	case now.Sub(o.At) > max(grace, 0):
		return Skip
	}
	return Post
}

// Variant picks which of a check-in's n text variants to use for occurrence
// o, so that the group does not read the same words every week. It depends
// only on o.Key (a restart picks the same variant, and the members of every
// group read the same one) and rotates with the week: consecutive weeks never
// get the same variant when n > 1. It returns 0 when n <= 1.
func Variant(o Occurrence, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(o.CheckIn))
	offset := int64(h.Sum32())
	y, m, d := date(o.Key)
	if y == 0 {
		// Not a key from this package: still deterministic, no rotation.
		h.Write([]byte(o.Key))
		return int(h.Sum32() % uint32(n))
	}
	// Weeks since the Unix epoch: consecutive occurrences of a check-in
	// are 7 days apart, so this goes up by exactly one each week. The
	// check-in's name offsets the rotation so that two check-ins do not
	// move in lockstep.
	days := floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
	week := floorDiv(days, 7)
	return int(mod(week+offset, int64(n)))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func mod(a, b int64) int64 {
	r := a % b
	if r < 0 {
		r += b
	}
	return r
}
