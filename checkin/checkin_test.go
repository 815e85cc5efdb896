package checkin

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	// The tests must not depend on the machine's zoneinfo (minimal CI and
	// Docker images have none).
	_ "time/tzdata"
)

var (
	vendredi = CheckIn{Name: "vendredi", Weekday: time.Friday, Hour: 18, Minute: 30}
	lundi    = CheckIn{Name: "lundi", Weekday: time.Monday, Hour: 10}
	dimanche = CheckIn{Name: "dimanche", Weekday: time.Sunday, Hour: 20}
	// nuit falls in the hour that Europe/Paris skips in March and repeats
	// in October.
	nuit = CheckIn{Name: "nuit", Weekday: time.Sunday, Hour: 2, Minute: 30}
	// nuit130 falls in the hour that America/Montreal repeats in November.
	nuit130 = CheckIn{Name: "nuit130", Weekday: time.Sunday, Hour: 1, Minute: 30}
	// minuit falls where some zones (America/Santiago) change their clocks.
	minuit = CheckIn{Name: "minuit", Weekday: time.Sunday}
	// tot is already Monday in Kolkata while it is still Sunday in UTC.
	tot = CheckIn{Name: "tot", Weekday: time.Monday, Hour: 2}

	allCheckIns = []CheckIn{vendredi, lundi, dimanche, nuit, nuit130, minuit, tot}
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// utc parses an RFC 3339 instant; the expectations are written in UTC so
// that they do not depend on the code under test's handling of zones.
func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLatest(t *testing.T) {
	tests := []struct {
		name    string
		checkIn CheckIn
		zone    string
		now     string
		wantKey string
		wantAt  string
	}{
		// Europe/Paris, spring forward on Sunday 2026-03-29: 02:00 CET
		// (01:00 UTC) becomes 03:00 CEST.
		{"paris spring forward: 02:30 does not exist and moves to the jump, 03:00 CEST",
			nuit, "Europe/Paris", "2026-03-29T01:00:00Z", "nuit@2026-03-29", "2026-03-29T01:00:00Z"},
		{"paris spring forward: later that day it is still that day's occurrence",
			nuit, "Europe/Paris", "2026-03-29T12:00:00Z", "nuit@2026-03-29", "2026-03-29T01:00:00Z"},
		{"paris spring forward: one nanosecond before the jump is the previous week's 02:30 CET",
			nuit, "Europe/Paris", "2026-03-29T00:59:59.999999999Z", "nuit@2026-03-22", "2026-03-22T01:30:00Z"},
		{"paris spring forward: sunday evening of the change is in summer time",
			dimanche, "Europe/Paris", "2026-03-29T18:00:00Z", "dimanche@2026-03-29", "2026-03-29T18:00:00Z"},
		{"paris spring forward: an hour before sunday 20:00 CEST is the previous sunday",
			dimanche, "Europe/Paris", "2026-03-29T17:59:59Z", "dimanche@2026-03-22", "2026-03-22T19:00:00Z"},
		{"paris spring forward: friday before the change, 18:30 CET",
			vendredi, "Europe/Paris", "2026-03-28T00:00:00Z", "vendredi@2026-03-27", "2026-03-27T17:30:00Z"},
		{"paris spring forward: friday after the change, 18:30 CEST",
			vendredi, "Europe/Paris", "2026-04-03T16:30:00Z", "vendredi@2026-04-03", "2026-04-03T16:30:00Z"},
		{"paris spring forward: monday 10:00 CEST, only 167 hours after the previous one",
			lundi, "Europe/Paris", "2026-03-30T08:30:00Z", "lundi@2026-03-30", "2026-03-30T08:00:00Z"},
		{"paris spring forward: monday just before 10:00 CEST is the previous monday, 10:00 CET",
			lundi, "Europe/Paris", "2026-03-30T07:59:59Z", "lundi@2026-03-23", "2026-03-23T09:00:00Z"},

		// Europe/Paris, fall back on Sunday 2026-10-25: 03:00 CEST (01:00
		// UTC) becomes 02:00 CET, so 02:00–03:00 happens twice.
		{"paris fall back: 02:30 happens twice and is due at the first, CEST",
			nuit, "Europe/Paris", "2026-10-25T00:30:00Z", "nuit@2026-10-25", "2026-10-25T00:30:00Z"},
		{"paris fall back: the second 02:30 is the same occurrence, not a new one",
			nuit, "Europe/Paris", "2026-10-25T01:30:00Z", "nuit@2026-10-25", "2026-10-25T00:30:00Z"},
		{"paris fall back: one nanosecond before the first 02:30 is the previous week",
			nuit, "Europe/Paris", "2026-10-25T00:29:59.999999999Z", "nuit@2026-10-18", "2026-10-18T00:30:00Z"},
		{"paris fall back: sunday evening of the change is in winter time",
			dimanche, "Europe/Paris", "2026-10-25T19:00:00Z", "dimanche@2026-10-25", "2026-10-25T19:00:00Z"},
		{"paris fall back: friday before the change, 18:30 CEST",
			vendredi, "Europe/Paris", "2026-10-24T00:00:00Z", "vendredi@2026-10-23", "2026-10-23T16:30:00Z"},
		{"paris fall back: friday after the change, 18:30 CET",
			vendredi, "Europe/Paris", "2026-10-30T17:30:00Z", "vendredi@2026-10-30", "2026-10-30T17:30:00Z"},
		{"paris fall back: monday 10:00 CET, 169 hours after the previous one",
			lundi, "Europe/Paris", "2026-10-26T09:00:00Z", "lundi@2026-10-26", "2026-10-26T09:00:00Z"},
		{"paris fall back: monday 09:30 CET is not yet this week's",
			lundi, "Europe/Paris", "2026-10-26T08:30:00Z", "lundi@2026-10-19", "2026-10-19T08:00:00Z"},

		// The week boundary.
		{"exactly at the slot is this week's occurrence",
			vendredi, "Europe/Paris", "2026-05-15T16:30:00Z", "vendredi@2026-05-15", "2026-05-15T16:30:00Z"},
		{"one nanosecond before the slot is the previous week's occurrence",
			vendredi, "Europe/Paris", "2026-05-15T16:29:59.999999999Z", "vendredi@2026-05-08", "2026-05-08T16:30:00Z"},
		{"a whole week later, one nanosecond before the next slot",
			vendredi, "Europe/Paris", "2026-05-22T16:29:59.999999999Z", "vendredi@2026-05-15", "2026-05-15T16:30:00Z"},

		// America/Montreal: spring forward on 2026-03-08 at 02:00 EST (07:00
		// UTC), fall back on 2026-11-01 at 02:00 EDT (06:00 UTC).
		{"montreal spring forward: 02:30 moves to the jump, 03:00 EDT (time.Date alone gives 01:30 EST)",
			nuit, "America/Montreal", "2026-03-08T07:00:00Z", "nuit@2026-03-08", "2026-03-08T07:00:00Z"},
		{"montreal spring forward: one nanosecond before the jump is the previous week",
			nuit, "America/Montreal", "2026-03-08T06:59:59.999999999Z", "nuit@2026-03-01", "2026-03-01T07:30:00Z"},
		{"montreal fall back: 01:30 happens twice and is due at the first, EDT",
			nuit130, "America/Montreal", "2026-11-01T06:30:00Z", "nuit130@2026-11-01", "2026-11-01T05:30:00Z"},
		{"montreal: friday 18:30 EST is already saturday in UTC",
			vendredi, "America/Montreal", "2026-03-07T00:00:00Z", "vendredi@2026-03-06", "2026-03-06T23:30:00Z"},
		{"montreal: monday 10:00 EDT after the change",
			lundi, "America/Montreal", "2026-03-09T14:00:00Z", "lundi@2026-03-09", "2026-03-09T14:00:00Z"},

		// Asia/Kolkata: UTC+05:30 all year.
		{"kolkata: friday 18:30 IST is 13:00 UTC",
			vendredi, "Asia/Kolkata", "2026-05-01T13:00:00Z", "vendredi@2026-05-01", "2026-05-01T13:00:00Z"},
		{"kolkata: one nanosecond before is the previous friday",
			vendredi, "Asia/Kolkata", "2026-05-01T12:59:59.999999999Z", "vendredi@2026-04-24", "2026-04-24T13:00:00Z"},
		{"kolkata: monday 02:00 IST is still sunday in UTC",
			tot, "Asia/Kolkata", "2026-05-03T21:00:00Z", "tot@2026-05-04", "2026-05-03T20:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			got := Latest(tt.checkIn, utc(tt.now), loc)
			if got.Key != tt.wantKey || !got.At.Equal(utc(tt.wantAt)) || got.CheckIn != tt.checkIn.Name {
				t.Errorf("Latest(%s, %s) = %s at %s (%s), want %s at %s",
					tt.checkIn.Name, tt.now, got.Key, got.At.UTC().Format(time.RFC3339), got.At, tt.wantKey, tt.wantAt)
			}
			if got.At.Location() != loc {
				t.Errorf("At is in %s, want %s", got.At.Location(), loc)
			}
		})
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		name    string
		checkIn CheckIn
		zone    string
		now     string
		wantKey string
		wantAt  string
	}{
		{"exactly at the slot, the next one is a week later",
			vendredi, "Europe/Paris", "2026-05-15T16:30:00Z", "vendredi@2026-05-22", "2026-05-22T16:30:00Z"},
		{"one nanosecond before the slot, it is that slot",
			vendredi, "Europe/Paris", "2026-05-15T16:29:59.999999999Z", "vendredi@2026-05-15", "2026-05-15T16:30:00Z"},
		{"the saturday before spring forward, the next 02:30 is the jump, 03:00 CEST",
			nuit, "Europe/Paris", "2026-03-28T12:00:00Z", "nuit@2026-03-29", "2026-03-29T01:00:00Z"},
		{"after the first 02:30 on fall-back day, the next one is a week later, not the second 02:30",
			nuit, "Europe/Paris", "2026-10-25T00:30:00Z", "nuit@2026-11-01", "2026-11-01T01:30:00Z"},
		{"monday 09:59 CEST after spring forward, the next one is an hour later",
			lundi, "Europe/Paris", "2026-03-30T07:59:00Z", "lundi@2026-03-30", "2026-03-30T08:00:00Z"},
		{"montreal, saturday before spring forward",
			nuit, "America/Montreal", "2026-03-07T12:00:00Z", "nuit@2026-03-08", "2026-03-08T07:00:00Z"},
		{"kolkata, sunday evening in UTC is monday morning there",
			tot, "Asia/Kolkata", "2026-05-03T20:00:00Z", "tot@2026-05-04", "2026-05-03T20:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Next(tt.checkIn, utc(tt.now), zone(t, tt.zone))
			if got.Key != tt.wantKey || !got.At.Equal(utc(tt.wantAt)) {
				t.Errorf("Next(%s, %s) = %s at %s, want %s at %s",
					tt.checkIn.Name, tt.now, got.Key, got.At.UTC().Format(time.RFC3339), tt.wantKey, tt.wantAt)
			}
		})
	}
}

func TestKeyIsStable(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	want := Occurrence{CheckIn: "vendredi", Key: "vendredi@2026-03-27", At: utc("2026-03-27T17:30:00Z")}
	// The bot may compute the occurrence at any moment of the week, in a
	// process that restarted and loaded the zone again.
	for _, now := range []string{
		"2026-03-27T17:30:00Z", "2026-03-27T17:31:00Z", "2026-03-29T01:00:00Z", "2026-04-03T16:29:59Z",
	} {
		for _, loc := range []*time.Location{paris, zone(t, "Europe/Paris")} {
			got := Latest(vendredi, utc(now), loc)
			if got.Key != want.Key || !got.At.Equal(want.At) {
				t.Errorf("at %s: %s at %s, want %s at %s", now, got.Key, got.At, want.Key, want.At)
			}
		}
	}
	// The key is the local date of the slot, not the UTC date.
	if got := Latest(tot, utc("2026-05-03T21:00:00Z"), zone(t, "Asia/Kolkata")).Key; got != "tot@2026-05-04" {
		t.Errorf("key %s, want the local date", got)
	}
}

func TestDue(t *testing.T) {
	at := utc("2026-03-27T17:30:00Z")
	o := Occurrence{CheckIn: "vendredi", Key: "vendredi@2026-03-27", At: at}
	grace := 2 * time.Hour
	tests := []struct {
		name    string
		o       Occurrence
		now     time.Time
		grace   time.Duration
		handled bool
		want    Decision
	}{
		{"not yet due", o, at.Add(-time.Nanosecond), grace, false, Wait},
		{"exactly at the slot", o, at, grace, false, Post},
		{"restart during the slot, already posted before the restart", o, at.Add(10 * time.Minute), grace, true, Wait},
		{"restart during the slot, crashed before posting", o, at.Add(10 * time.Minute), grace, false, Post},
		{"down at the slot, back within the grace period", o, at.Add(grace - time.Minute), grace, false, Post},
		{"down at the slot, back exactly at the end of the grace period", o, at.Add(grace), grace, false, Post},
		{"down at the slot, back after the grace period", o, at.Add(grace + time.Nanosecond), grace, false, Skip},
		{"down for days", o, at.Add(72 * time.Hour), grace, false, Skip},
		{"missed slot already skipped and recorded", o, at.Add(72 * time.Hour), grace, true, Wait},
		{"no occurrence", Occurrence{}, at, grace, false, Wait},
		{"negative grace counts as zero: at the slot", o, at, -time.Hour, false, Post},
		{"negative grace counts as zero: after the slot", o, at.Add(time.Nanosecond), -time.Hour, false, Skip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Due(tt.o, tt.now, tt.grace, tt.handled); got != tt.want {
				t.Errorf("Due = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestScheduleAcrossDST runs the loop the bot runs (every minute: Latest, then
// Due against what was handled), with a fake clock over both daylight-saving
// changes and a downtime, and checks what members would notice: each slot is
// posted exactly once, on time, or skipped when the bot came back too late.
func TestScheduleAcrossDST(t *testing.T) {
	const grace = 2 * time.Hour
	weekend := []CheckIn{vendredi, nuit, dimanche, lundi}
	tests := []struct {
		name       string
		zone       string
		checkIns   []CheckIn
		from, to   string
		down, up   string // no tick in [down, up): the bot is not running
		wantPosted map[string]string
		wantSkip   []string
	}{
		{
			name: "paris spring forward, running all the time",
			zone: "Europe/Paris", checkIns: weekend, from: "2026-03-26T00:00:00Z", to: "2026-03-31T00:00:00Z",
			wantPosted: map[string]string{
				"vendredi@2026-03-27": "2026-03-27T17:30:00Z",
				"nuit@2026-03-29":     "2026-03-29T01:00:00Z",
				"dimanche@2026-03-29": "2026-03-29T18:00:00Z",
				"lundi@2026-03-30":    "2026-03-30T08:00:00Z",
			},
		},
		{
			name: "paris fall back, running all the time: 02:30 is posted once",
			zone: "Europe/Paris", checkIns: weekend, from: "2026-10-22T00:00:00Z", to: "2026-10-27T00:00:00Z",
			wantPosted: map[string]string{
				"vendredi@2026-10-23": "2026-10-23T16:30:00Z",
				"nuit@2026-10-25":     "2026-10-25T00:30:00Z",
				"dimanche@2026-10-25": "2026-10-25T19:00:00Z",
				"lundi@2026-10-26":    "2026-10-26T09:00:00Z",
			},
		},
		{
			name: "paris, down over friday's slot, back within the grace period: posted late",
			zone: "Europe/Paris", checkIns: weekend, from: "2026-05-14T00:00:00Z", to: "2026-05-16T00:00:00Z",
			down: "2026-05-15T16:00:00Z", up: "2026-05-15T18:00:00Z",
			wantPosted: map[string]string{"vendredi@2026-05-15": "2026-05-15T18:00:00Z"},
		},
		{
			name: "paris, down from friday's slot until saturday: skipped, and sunday is posted",
			zone: "Europe/Paris", checkIns: weekend, from: "2026-05-14T00:00:00Z", to: "2026-05-17T20:00:00Z",
			down: "2026-05-15T16:00:00Z", up: "2026-05-16T10:00:00Z",
			wantPosted: map[string]string{
				"nuit@2026-05-17":     "2026-05-17T00:30:00Z",
				"dimanche@2026-05-17": "2026-05-17T18:00:00Z",
			},
			wantSkip: []string{"vendredi@2026-05-15"},
		},
		{
			name: "montreal fall back: 01:30 is posted once",
			zone: "America/Montreal", checkIns: []CheckIn{nuit130, nuit, minuit, dimanche},
			from: "2026-10-31T00:00:00Z", to: "2026-11-02T02:00:00Z",
			wantPosted: map[string]string{
				"minuit@2026-11-01":   "2026-11-01T04:00:00Z",
				"nuit130@2026-11-01":  "2026-11-01T05:30:00Z",
				"nuit@2026-11-01":     "2026-11-01T07:30:00Z",
				"dimanche@2026-11-01": "2026-11-02T01:00:00Z",
			},
		},
		{
			name: "kolkata, monday 02:00 posted on sunday evening UTC",
			zone: "Asia/Kolkata", checkIns: []CheckIn{tot, vendredi},
			from: "2026-04-30T00:00:00Z", to: "2026-05-04T00:00:00Z",
			wantPosted: map[string]string{
				"vendredi@2026-05-01": "2026-05-01T13:00:00Z",
				"tot@2026-05-04":      "2026-05-03T20:30:00Z",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			from, to := utc(tt.from), utc(tt.to)
			var down, up time.Time
			if tt.down != "" {
				down, up = utc(tt.down), utc(tt.up)
			}
			handled := map[string]bool{}
			posted := map[string]string{}
			var skipped []string
			// The occurrences before the window were handled by the bot
			// that ran before it.
			for _, c := range tt.checkIns {
				handled[Latest(c, from, loc).Key] = true
			}
			for now := from; now.Before(to); now = now.Add(time.Minute) {
				if !down.IsZero() && !now.Before(down) && now.Before(up) {
					continue
				}
				for _, c := range tt.checkIns {
					o := Latest(c, now, loc)
					switch Due(o, now, grace, handled[o.Key]) {
					case Post:
						if _, again := posted[o.Key]; again {
							t.Errorf("%s posted twice", o.Key)
						}
						posted[o.Key] = now.UTC().Format(time.RFC3339)
						handled[o.Key] = true
					case Skip:
						skipped = append(skipped, o.Key)
						handled[o.Key] = true
					}
				}
			}
			if !maps.Equal(posted, tt.wantPosted) {
				t.Errorf("posted %v, want %v", posted, tt.wantPosted)
			}
			if !slices.Equal(skipped, tt.wantSkip) {
				t.Errorf("skipped %v, want %v", skipped, tt.wantSkip)
			}
		})
	}
}

func TestVariant(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	t.Run("no repeat two weeks in a row for n = 3, every variant used", func(t *testing.T) {
		for _, c := range allCheckIns {
			now := utc("2025-01-01T00:00:00Z")
			prev := -1
			seen := map[int]int{}
			for week := 0; week < 150; week++ {
				o := Next(c, now, paris)
				v := Variant(o, 3)
				if v < 0 || v >= 3 {
					t.Fatalf("%s: variant %d out of range", o.Key, v)
				}
				if v == prev {
					t.Errorf("%s: variant %d two weeks in a row", o.Key, v)
				}
				seen[v]++
				prev = v
				now = o.At
			}
			for v := 0; v < 3; v++ {
				if seen[v] < 40 {
					t.Errorf("%s: variant %d used %d times in 150 weeks", c.Name, v, seen[v])
				}
			}
		}
	})
	t.Run("the same after a restart", func(t *testing.T) {
		o := Latest(vendredi, utc("2026-03-27T18:00:00Z"), paris)
		again := Occurrence{CheckIn: o.CheckIn, Key: o.Key} // rebuilt from storage, no At
		for n := 2; n <= 6; n++ {
			if Variant(o, n) != Variant(again, n) {
				t.Errorf("n=%d: variant depends on more than the key", n)
			}
		}
	})
	t.Run("alternates for n = 2", func(t *testing.T) {
		a := Latest(lundi, utc("2026-03-30T09:00:00Z"), paris)
		b := Next(lundi, a.At, paris)
		c := Next(lundi, b.At, paris)
		if Variant(a, 2) == Variant(b, 2) || Variant(a, 2) != Variant(c, 2) {
			t.Errorf("variants %d %d %d", Variant(a, 2), Variant(b, 2), Variant(c, 2))
		}
	})
	t.Run("0 for n <= 1", func(t *testing.T) {
		o := Latest(vendredi, utc("2026-03-27T18:00:00Z"), paris)
		for _, n := range []int{-1, 0, 1} {
			if v := Variant(o, n); v != 0 {
				t.Errorf("Variant(n=%d) = %d", n, v)
			}
		}
	})
	t.Run("a key not made by this package is still deterministic and in range", func(t *testing.T) {
		o := Occurrence{CheckIn: "x", Key: "garbage"}
		if v := Variant(o, 4); v < 0 || v >= 4 || v != Variant(o, 4) {
			t.Errorf("Variant = %d", v)
		}
	})
}

func TestTally(t *testing.T) {
	type step struct {
		member      string
		mood        Mood
		wantChanged bool
	}
	tests := []struct {
		name       string
		steps      []step
		forget     int // forget before this step (-1: never)
		wantCounts map[Mood]int
		wantTotal  int
	}{
		{"first answers count", []step{{"a", Good, true}, {"b", Hard, true}, {"c", Good, true}}, -1,
			map[Mood]int{Good: 2, Hard: 1}, 3},
		{"the same answer again changes nothing", []step{{"a", Good, true}, {"a", Good, false}}, -1,
			map[Mood]int{Good: 1}, 1},
		{"another answer moves the count", []step{{"a", Good, true}, {"b", Good, true}, {"a", NeedTalk, true}}, -1,
			map[Mood]int{Good: 1, NeedTalk: 1}, 2},
		{"moving back and forth keeps one answer", []step{{"a", Meh, true}, {"a", Hard, true}, {"a", Meh, true}}, -1,
			map[Mood]int{Meh: 1}, 1},
		{"an unknown mood changes nothing", []step{{"a", Mood("great"), false}}, -1,
			map[Mood]int{}, 0},
		{"forget keeps the counts", []step{{"a", Good, true}, {"b", Meh, true}}, 2,
			map[Mood]int{Good: 1, Meh: 1}, 2},
		{"after forget, answers still count but are not de-duplicated", []step{{"a", Good, true}, {"a", Good, true}, {"a", Hard, true}}, 1,
			map[Mood]int{Good: 2, Hard: 1}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tally Tally
			for i, s := range tt.steps {
				if i == tt.forget {
					tally.Forget()
				}
				if got := tally.Answer(s.member, s.mood); got != s.wantChanged {
					t.Errorf("step %d: Answer(%s, %s) changed = %v, want %v", i, s.member, s.mood, got, s.wantChanged)
				}
			}
			if tt.forget == len(tt.steps) {
				tally.Forget()
			}
			if fmt.Sprint(tally.Counts) != fmt.Sprint(tt.wantCounts) && !(len(tally.Counts) == 0 && len(tt.wantCounts) == 0) {
				t.Errorf("counts %v, want %v", tally.Counts, tt.wantCounts)
			}
			if got := tally.Total(); got != tt.wantTotal {
				t.Errorf("total %d, want %d", got, tt.wantTotal)
			}
			if tt.forget >= 0 && (len(tally.Answers) != 0 || !tally.Forgotten) {
				t.Errorf("after Forget: answers %v, forgotten %v", tally.Answers, tally.Forgotten)
			}
		})
	}
}

func TestTallyJSON(t *testing.T) {
	var tally Tally
	tally.Answer("k1", Good)
	tally.Answer("k2", Hard)
	data, err := json.Marshal(&tally)
	if err != nil {
		t.Fatal(err)
	}
	var back Tally
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	// A member's answer after a restart is still de-duplicated.
	if back.Answer("k1", Good) || back.Total() != 2 {
		t.Errorf("after a round trip through %s: total %d", data, back.Total())
	}
	back.Forget()
	data, _ = json.Marshal(&back)
	if strings.Contains(string(data), "k1") || !strings.Contains(string(data), `"forgotten":true`) {
		t.Errorf("forgotten tally stored as %s", data)
	}
}

func TestMoods(t *testing.T) {
	for _, m := range Moods {
		got, ok := ParseMood(string(m))
		if !ok || got != m {
			t.Errorf("ParseMood(%q) = %q, %v", m, got, ok)
		}
	}
	for _, s := range []string{"", "Good", "bad", "talk "} {
		if _, ok := ParseMood(s); ok {
			t.Errorf("ParseMood(%q) accepted", s)
		}
	}
	worrying := map[Mood]bool{Good: false, Meh: false, Hard: true, NeedTalk: true}
	for m, want := range worrying {
		if m.Worrying() != want {
			t.Errorf("%s.Worrying() = %v", m, !want)
		}
	}
}

func TestParseWeekday(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Weekday
		ok   bool
	}{
		{"english", "friday", time.Friday, true},
		{"french", "vendredi", time.Friday, true},
		{"english short", "fri", time.Friday, true},
		{"french short", "ven", time.Friday, true},
		{"any case and spaces", " Lundi ", time.Monday, true},
		{"upper case", "MONDAY", time.Monday, true},
		{"short with a dot", "dim.", time.Sunday, true},
		{"sunday", "dimanche", time.Sunday, true},
		{"thursday variants", "thurs", time.Thursday, true},
		{"empty", "", 0, false},
		{"unknown", "vendredis", 0, false},
		{"number", "5", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseWeekday(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseWeekday(%q) = %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		h, m   int
		wantOK bool
	}{
		{"colon", "18:30", 18, 30, true},
		{"one-digit hour", "9:05", 9, 5, true},
		{"french h", "18h30", 18, 30, true},
		{"french h without minutes", "18h", 18, 0, true},
		{"french typography with narrow no-break spaces", "18\u202fh\u202f30", 18, 30, true},
		{"upper-case H", "7H15", 7, 15, true},
		{"midnight", "0:00", 0, 0, true},
		{"last minute of the day", "23:59", 23, 59, true},
		{"hour out of range", "24:00", 0, 0, false},
		{"minute out of range", "18:60", 0, 0, false},
		{"one-digit minutes are ambiguous", "18:3", 0, 0, false},
		{"hour alone", "18", 0, 0, false},
		{"empty", "", 0, 0, false},
		{"am/pm not supported", "6:30pm", 0, 0, false},
		{"seconds not supported", "18:30:00", 0, 0, false},
		{"negative", "-1:30", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, m, ok := ParseClock(tt.in)
			if h != tt.h || m != tt.m || ok != tt.wantOK {
				t.Errorf("ParseClock(%q) = %d, %d, %v, want %d, %d, %v", tt.in, h, m, ok, tt.h, tt.m, tt.wantOK)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		list    []CheckIn
		wantErr string
	}{
		{"the defaults", []CheckIn{vendredi, lundi}, ""},
		{"no check-in at all", nil, ""},
		{"duplicate name", []CheckIn{vendredi, {Name: "vendredi", Weekday: time.Saturday, Hour: 12}}, "used twice"},
		{"bad name", []CheckIn{{Name: "Vendredi soir", Weekday: time.Friday, Hour: 18}}, "may only hold"},
		{"no name", []CheckIn{{Weekday: time.Friday}}, "no name"},
		{"bad hour", []CheckIn{{Name: "x", Weekday: time.Friday, Hour: 24}}, "out of range"},
		{"bad weekday", []CheckIn{{Name: "x", Weekday: 7}}, "weekday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.list)
			if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestTextPrefixAndGroups(t *testing.T) {
	if got := vendredi.TextPrefix(); got != "checkins.vendredi" {
		t.Errorf("default prefix %q", got)
	}
	custom := CheckIn{Name: "x", TextKey: "checkins.vendredi"}
	if got := custom.TextPrefix(); got != "checkins.vendredi" {
		t.Errorf("custom prefix %q", got)
	}
	if !vendredi.ForGroup(-100123) {
		t.Error("a check-in without groups is for every group")
	}
	some := CheckIn{Name: "x", Groups: []int64{-1001, -1002}}
	if !some.ForGroup(-1002) || some.ForGroup(-1003) {
		t.Error("ForGroup ignores the list")
	}
}

// fuzzZones are zones with ordinary, negative, half-hour and odd changes:
// Lord Howe shifts by 30 minutes, Santiago changes at midnight, Apia skipped
// a whole day (2011-12-30).
var fuzzZones = []string{
	"Europe/Paris", "America/Montreal", "Asia/Kolkata", "Australia/Lord_Howe",
	"America/Santiago", "Pacific/Apia", "UTC",
}

func FuzzLatest(f *testing.F) {
	for _, s := range []string{
		"2026-03-29T01:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-03-08T07:00:00Z",
		"2011-12-31T10:00:00Z", "2026-04-05T00:00:00Z", "1960-01-01T00:00:00Z",
	} {
		for z := range fuzzZones {
			f.Add(utc(s).UnixNano(), uint8(z))
		}
	}
	locs := make([]*time.Location, len(fuzzZones))
	for i, name := range fuzzZones {
		locs[i] = zone(f, name)
	}
	f.Fuzz(func(t *testing.T, ns int64, z uint8) {
		loc := locs[int(z)%len(locs)]
		now := time.Unix(0, ns)
		for _, c := range allCheckIns {
			l := Latest(c, now, loc)
			n := Next(c, now, loc)
			if l.At.After(now) {
				t.Fatalf("%s in %s: Latest(%s) = %s at %s, after now", c.Name, loc, now, l.Key, l.At)
			}
			if !n.At.After(now) {
				t.Fatalf("%s in %s: Next(%s) = %s at %s, not after now", c.Name, loc, now, n.Key, n.At)
			}
			if p := Next(c, l.At.Add(-time.Nanosecond), loc); p.Key != l.Key || !p.At.Equal(l.At) {
				t.Fatalf("%s in %s: Next(Latest(%s).At - 1ns) = %s at %s, want %s at %s", c.Name, loc, now, p.Key, p.At, l.Key, l.At)
			}
			if gap := n.At.Sub(l.At); gap < 6*24*time.Hour || gap > 8*24*time.Hour {
				t.Fatalf("%s in %s: %s and %s are %s apart", c.Name, loc, l.Key, n.Key, gap)
			}
			checkRules(t, c, l, loc)
		}
	})
}

// checkRules checks, independently of how Latest computes it, that o.At is
// the instant the rules name: the configured wall time on the occurrence's
// date, at its first happening, or the moment clocks jump over it.
func checkRules(t *testing.T, c CheckIn, o Occurrence, loc *time.Location) {
	t.Helper()
	y, m, d := date(o.Key)
	if y == 0 || time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday() != c.Weekday {
		t.Fatalf("key %s is not on a %s", o.Key, c.Weekday)
	}
	want := time.Date(y, m, d, c.Hour, c.Minute, 0, 0, time.UTC)
	at := o.At.In(loc)
	if wall(at).Equal(want) {
		for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour, 24 * time.Hour} {
			if wall(at.Add(-back)).Equal(want) {
				t.Fatalf("%s at %s: the same wall time happened %s earlier", o.Key, at, back)
			}
		}
		return
	}
	// The wall time does not exist: At must be where the clock jumps over it.
	if before := wall(at.Add(-time.Nanosecond)); !before.Before(want) || !wall(at).After(want) {
		t.Fatalf("%s at %s: wall time %s neither there nor jumped over (clock %s then %s)", o.Key, at, want, before, wall(at))
	}
}
