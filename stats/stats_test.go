package stats

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWeek(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		t    time.Time
		loc  *time.Location
		want string
	}{
		{"thursday", time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC), paris, "2026-W47"},
		{"monday midnight in paris is still sunday in utc", time.Date(2026, 11, 15, 23, 30, 0, 0, time.UTC), paris, "2026-W47"},
		{"same moment in utc", time.Date(2026, 11, 15, 23, 30, 0, 0, time.UTC), time.UTC, "2026-W46"},
		{"31 december in week 1", time.Date(2024, 12, 31, 12, 0, 0, 0, time.UTC), time.UTC, "2025-W01"},
		{"1 january in week 53", time.Date(2021, 1, 1, 12, 0, 0, 0, time.UTC), time.UTC, "2020-W53"},
		{"nil location is utc", time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), nil, "2026-W02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Week(tt.t, tt.loc); got != tt.want {
				t.Errorf("Week = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestStart(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	tests := []struct {
		name, week string
		want       time.Time
		bad        bool
	}{
		{"ordinary", "2026-W47", time.Date(2026, 11, 16, 0, 0, 0, 0, paris), false},
		{"week 1 starting in december", "2025-W01", time.Date(2024, 12, 30, 0, 0, 0, 0, paris), false},
		{"week 53", "2020-W53", time.Date(2020, 12, 28, 0, 0, 0, 0, paris), false},
		{"no week 53 that year", "2025-W53", time.Time{}, true},
		{"week 0", "2026-W00", time.Time{}, true},
		{"garbage", "2026-47", time.Time{}, true},
		{"sign", "2026-W+1", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Start(tt.week, paris)
			if tt.bad {
				if err == nil {
					t.Fatalf("Start(%q) = %v, want an error", tt.week, got)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("Start(%q) = %v, %v; want %v", tt.week, got, err, tt.want)
			}
		})
	}
}

func TestPreviousAndSpan(t *testing.T) {
	if got, err := Previous("2026-W01"); err != nil || got != "2025-W52" {
		t.Errorf("Previous(2026-W01) = %s, %v", got, err)
	}
	if got, err := Previous("2021-W01"); err != nil || got != "2020-W53" {
		t.Errorf("Previous(2021-W01) = %s, %v", got, err)
	}
	got, err := Span("2020-W52", "2021-W02")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2020-W52", "2020-W53", "2021-W01", "2021-W02"}; !slices.Equal(got, want) {
		t.Errorf("Span = %v, want %v", got, want)
	}
	if got, _ := Span("2026-W47", "2026-W46"); len(got) != 0 {
		t.Errorf("reversed span = %v", got)
	}
	if _, err := Span("2026-W47", "soon"); err == nil {
		t.Error("Span accepted a bad week")
	}
}

func TestNamesAreStableAndValid(t *testing.T) {
	names := Names()
	seen := map[string]bool{}
	for _, n := range names {
		if !ValidName(n) || seen[n] || strings.ToLower(n) != n {
			t.Errorf("bad or repeated counter name %q", n)
		}
		seen[n] = true
	}
	// These are columns of reports already sent to funders.
	for _, want := range []string{"join_requests", "approvals", "refusals", "flagged_screen", "decided_ban", "reports", "mood_talk", "emergency_views"} {
		if !seen[want] {
			t.Errorf("counter %q is gone", want)
		}
	}
	if c, ok := ResourceCategory(Resources("urgence")); !ok || c != "urgence" {
		t.Errorf("ResourceCategory = %q, %v", c, ok)
	}
	if _, ok := ResourceCategory(Reports); ok {
		t.Error("reports taken for a resources counter")
	}
}
