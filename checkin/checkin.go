// Package checkin holds the rules of the weekly check-ins: the messages the
// bot posts in each group before the weekend (Friday evening, when members
// are most likely to slide back into chemsex) and after it (Monday morning,
// during the comedown, "la descente", when people feel most alone).
//
// It decides, and only decides: when a check-in is due, whether a slot missed
// while the bot was down is still worth posting, which text variant to use,
// and how the mood buttons under a check-in are counted. It knows nothing of
// Telegram, storage or goroutines, so that every rule, daylight-saving
// changes included, is tested with plain values and an explicit clock; the
// bot package posts and the store package remembers what was handled.
package checkin

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CheckIn is one scheduled check-in, as configured by the admins.
type CheckIn struct {
	// Name identifies the check-in in occurrence keys, logs and text keys,
	// so it must stay stable: renaming it makes the bot treat this week's
	// slot as a new one. Lower-case letters, digits, '_' and '-'.
	Name string
	// Weekday, Hour and Minute are local wall time in the configured time
	// zone: members live by the clock on their wall, not by UTC, so a
	// check-in at 18:30 stays at 18:30 across daylight-saving changes.
	Weekday time.Weekday
	Hour    int // 0–23
	Minute  int // 0–59
	// Groups restricts the check-in to these chat ids; empty means every
	// group, so a bot serving a single group needs no list.
	Groups []int64
	// TextKey is the locale key prefix of the check-in's texts (its variants
	// are TextKey+".0", ".1", …). Empty means "checkins." + Name; see
	// TextPrefix.
	TextKey string
}

// TextPrefix returns the locale key prefix of the check-in's text variants,
// applying the default "checkins." + Name, so that every caller agrees on it.
func (c CheckIn) TextPrefix() string {
	if c.TextKey != "" {
		return c.TextKey
	}
	return "checkins." + c.Name
}

// ForGroup reports whether the check-in is posted in the group chat: every
// group when Groups is empty.
func (c CheckIn) ForGroup(chat int64) bool {
	if len(c.Groups) == 0 {
		return true
	}
	for _, g := range c.Groups {
		if g == chat {
			return true
		}
	}
	return false
}

var namePattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// Validate checks a list of check-ins as loaded from the configuration. The
// names must be unique because the name is what tells two occurrences apart
// in storage; a duplicate would make one check-in silently swallow the other.
// It returns every problem at once, joined, since admins fix a file in one go.
func Validate(list []CheckIn) error {
	var errs []error
	seen := map[string]bool{}
	for i, c := range list {
		switch {
		case c.Name == "":
			errs = append(errs, fmt.Errorf("check-in %d: no name", i+1))
		case !namePattern.MatchString(c.Name):
			errs = append(errs, fmt.Errorf("check-in %q: name may only hold a-z, 0-9, '_' and '-'", c.Name))
		case seen[c.Name]:
			errs = append(errs, fmt.Errorf("check-in %q: name used twice", c.Name))
		}
		seen[c.Name] = true
		if c.Weekday < time.Sunday || c.Weekday > time.Saturday {
			errs = append(errs, fmt.Errorf("check-in %q: weekday %d out of range", c.Name, c.Weekday))
		}
		if c.Hour < 0 || c.Hour > 23 || c.Minute < 0 || c.Minute > 59 {
			errs = append(errs, fmt.Errorf("check-in %q: time %d:%02d out of range", c.Name, c.Hour, c.Minute))
		}
	}
	return errors.Join(errs...)
}

// weekdays maps the names admins are likely to type, in French and English,
// full or abbreviated, to weekdays.
var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "sun": time.Sunday, "dimanche": time.Sunday, "dim": time.Sunday,
	"monday": time.Monday, "mon": time.Monday, "lundi": time.Monday, "lun": time.Monday,
	"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday, "mardi": time.Tuesday, "mar": time.Tuesday,
	"wednesday": time.Wednesday, "wed": time.Wednesday, "mercredi": time.Wednesday, "mer": time.Wednesday,
	"thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "jeudi": time.Thursday, "jeu": time.Thursday,
	"friday": time.Friday, "fri": time.Friday, "vendredi": time.Friday, "ven": time.Friday,
	"saturday": time.Saturday, "sat": time.Saturday, "samedi": time.Saturday, "sam": time.Saturday,
}

// ParseWeekday reads a weekday written in French or English, full or
// abbreviated ("friday", "vendredi", "fri", "ven", "Ven."), in any case: the
// admins who edit config.yaml are volunteers and write it as they speak.
func ParseWeekday(s string) (time.Weekday, bool) {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	d, ok := weekdays[s]
	return d, ok
}

// ParseClock reads a wall-clock time as written in French or English:
// "18:30", "9:05", "18h30", "18h", "18 h 30". Minutes, when present, take two
// digits so that "18:3" (a typo for 18:30 or 18:03?) is refused rather than
// guessed.
func ParseClock(s string) (hour, minute int, ok bool) {
	// French typography puts (often non-breaking) spaces around the "h".
	s = strings.ToLower(strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\u00a0' || r == '\u202f'
	}), ""))
	h, m, found := strings.Cut(s, ":")
	if !found {
		h, m, found = strings.Cut(s, "h")
		if !found {
			return 0, 0, false
		}
		if m == "" {
			m = "00" // "18h"
		}
	}
	if len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, 0, false
	}
	hour, _ = strconv.Atoi(h)
	minute, _ = strconv.Atoi(m)
	if hour > 23 || minute > 59 {
		return 0, 0, false
	}
	return hour, minute, true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
