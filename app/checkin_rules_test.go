package app

import (
	"slices"
	"testing"
	"time"

	"github.com/entrepairs/entrepairs/checkin"
	"github.com/entrepairs/entrepairs/config"
)

func TestCheckInRules(t *testing.T) {
	cfg := &config.Config{CheckIns: []config.CheckIn{
		{Name: "vendredi", Weekday: "Vendredi", Time: "18h30"},
		{Name: "lundi", Weekday: "monday", Time: "10:00", Groups: []int64{-100}, Text: "checkins.descente"},
		{Name: "bad-day", Weekday: "someday", Time: "10:00"},
		{Name: "bad-time", Weekday: "monday", Time: "25:00"},
		{Name: "", Weekday: "monday", Time: "10:00"},
	}}
	want := []checkin.CheckIn{
		{Name: "vendredi", Weekday: time.Friday, Hour: 18, Minute: 30, TextKey: "checkins.vendredi"},
		{Name: "lundi", Weekday: time.Monday, Hour: 10, Minute: 0, Groups: []int64{-100}, TextKey: "checkins.descente"},
	}
	got := checkInRules(cfg, nil)
	// Entries that do not parse are left out: Load reports them.
	if !slices.EqualFunc(got, want, func(a, b checkin.CheckIn) bool {
		return a.Name == b.Name && a.Weekday == b.Weekday && a.Hour == b.Hour && a.Minute == b.Minute &&
			slices.Equal(a.Groups, b.Groups) && a.TextKey == b.TextKey
	}) {
		t.Errorf("checkInRules\n got %+v\nwant %+v", got, want)
	}
}
