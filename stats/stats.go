// Package stats names the activity counters the bot keeps and the weeks it
// keeps them by.
//
// The association shows its funders that the group works with simple counts
// per week: how many asked to join, how many flags, how members say they are
// doing. Counts, never contents: a counter is a name and a number, with no
// user id, no pseudonym and no text, so nothing in it can point to a person.
//
// The names below are stable: they are keys in the data file and columns of
// `entrepairs stats --csv`, which an association may feed to a spreadsheet
// for years. Add names; never rename one.
package stats

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Counters of single events.
const (
	// JoinRequests: a person asked to join (a join request, or an arrival in
	// a restrict-mode group), counted once per admission.
	JoinRequests = "join_requests"
	// Approvals and Refusals: moderators' decisions on admissions.
	Approvals = "approvals"
	Refusals  = "refusals"
	// ChartersDeclined: a person answered "I do not wish to join".
	ChartersDeclined = "charters_declined"
	// Reports: /signaler used on a message (within the member's hourly limit).
	Reports = "reports"
	// AutoDeletions: messages deleted at once for a very high score.
	AutoDeletions = "auto_deletions"
	// CheckInsPosted: check-in messages posted, one per group and occurrence.
	CheckInsPosted = "checkins_posted"
	// CheckInAlerts: a member asked, after a check-in, for a moderator to
	// contact them.
	CheckInAlerts = "checkin_alerts"
	// EmergencyViews and GViews: /urgence and /g answered.
	EmergencyViews = "emergency_views"
	GViews         = "g_views"
)

// Prefixes of counter families; see the functions below.
const (
	flaggedPrefix   = "flagged_"
	decidedPrefix   = "decided_"
	moodPrefix      = "mood_"
	resourcesPrefix = "resources_"
)

// Flagged names the counter of new flags from a source: flagged_screen,
// flagged_report, flagged_flood. A message both screened and reported is
// one flag, counted under the first source.
func Flagged(source string) string { return flaggedPrefix + source }

// Decided names the counter of moderators' decisions on flags: decided_ignore,
// decided_delete, decided_warn, decided_ban. A warned member banned later
// from the same card counts under warn and under ban.
func Decided(action string) string { return decidedPrefix + action }

// Mood names the counter of check-in answers with that mood: mood_good,
// mood_meh, mood_hard, mood_talk. An answer counts in the week of the
// check-in it answers, and a member who changes their answer moves it, like
// the total under the message.
func Mood(mood string) string { return moodPrefix + mood }

// Resources names the counter of a resources category opened:
// resources_<category id>, the id in the resources file.
func Resources(category string) string { return resourcesPrefix + category }

// ResourceCategory returns the category of a Resources counter name.
func ResourceCategory(name string) (string, bool) {
	return strings.CutPrefix(name, resourcesPrefix)
}

// Sources, Actions and Moods are the values the families take today, in the
// order reports show them. They repeat review's and checkin's values as
// plain strings so that this package needs nothing of the project.
var (
	Sources = []string{"screen", "report", "flood"}
	Actions = []string{"ignore", "delete", "warn", "ban"}
	Moods   = []string{"good", "meh", "hard", "talk"}
)

// Names returns every counter name known in advance, in the order of the CSV
// columns. Resources counters depend on the resources file and follow them.
func Names() []string {
	out := []string{JoinRequests, Approvals, Refusals, ChartersDeclined}
	for _, s := range Sources {
		out = append(out, Flagged(s))
	}
	for _, a := range Actions {
		out = append(out, Decided(a))
	}
	out = append(out, Reports, AutoDeletions, CheckInsPosted)
	for _, m := range Moods {
		out = append(out, Mood(m))
	}
	return append(out, CheckInAlerts, EmergencyViews, GViews)
}

// ValidName reports whether name can be a counter: not empty, and without
// the separator of the store's keys.
func ValidName(name string) bool {
	return name != "" && !strings.ContainsAny(name, "|\n,")
}

// Week returns the ISO 8601 week of t in loc, such as "2026-W47". Weeks
// start on Monday, as in France and Belgium; the first week of a year is the
// one with its first Thursday, so 31 December may belong to week 1.
// The strings sort in time order.
func Week(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// Start returns the first moment (Monday 00:00) of week in loc.
func Start(week string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if len(week) != 8 || week[4:6] != "-W" {
		return time.Time{}, fmt.Errorf("not an ISO week: %q", week)
	}
	y, yerr := strconv.Atoi(week[:4])
	w, werr := strconv.Atoi(week[6:])
	if yerr != nil || werr != nil || y < 1 || w < 1 || w > 53 {
		return time.Time{}, fmt.Errorf("not an ISO week: %q", week)
	}
	// 4 January is always in week 1.
	jan4 := time.Date(y, time.January, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	start := monday.AddDate(0, 0, 7*(w-1))
	if Week(start, loc) != week {
		return time.Time{}, fmt.Errorf("not an ISO week: %q (year %d has no week %d)", week, y, w)
	}
	return start, nil
}

// Previous returns the week before week.
func Previous(week string) (string, error) {
	start, err := Start(week, time.UTC)
	if err != nil {
		return "", err
	}
	return Week(start.AddDate(0, 0, -7), time.UTC), nil
}

// Span returns every week from first to last, both included, so that a
// report shows quiet weeks too. It is empty when last is before first.
func Span(first, last string) ([]string, error) {
	from, err := Start(first, time.UTC)
	if err != nil {
		return nil, err
	}
	if _, err := Start(last, time.UTC); err != nil {
		return nil, err
	}
	var out []string
	for t := from; Week(t, time.UTC) <= last; t = t.AddDate(0, 0, 7) {
		out = append(out, Week(t, time.UTC))
	}
	return out, nil
}
