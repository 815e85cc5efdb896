package store

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestCounters(t *testing.T) {
	type add struct {
		week, name string
		n          int
	}
	tests := []struct {
		name  string
		adds  []add
		weeks []string
		want  map[string]map[string]uint64
	}{
		{
			name:  "nothing counted",
			weeks: nil,
			want:  map[string]map[string]uint64{"2026-W47": {}},
		},
		{
			name:  "adds up per week and name",
			adds:  []add{{"2026-W47", "join_requests", 1}, {"2026-W47", "join_requests", 2}, {"2026-W47", "approvals", 1}, {"2026-W46", "join_requests", 5}},
			weeks: []string{"2026-W46", "2026-W47"},
			want: map[string]map[string]uint64{
				"2026-W47": {"join_requests": 3, "approvals": 1},
				"2026-W46": {"join_requests": 5},
				"2026-W48": {},
			},
		},
		{
			name:  "a moved answer takes one away, never below zero",
			adds:  []add{{"2026-W47", "mood_good", 2}, {"2026-W47", "mood_good", -1}, {"2026-W47", "mood_meh", -1}},
			weeks: []string{"2026-W47"},
			want:  map[string]map[string]uint64{"2026-W47": {"mood_good": 1, "mood_meh": 0}},
		},
		{
			name:  "weeks sort in time order across years",
			adds:  []add{{"2027-W01", "reports", 1}, {"2026-W53", "reports", 1}, {"2026-W09", "reports", 1}, {"2026-W10", "reports", 1}},
			weeks: []string{"2026-W09", "2026-W10", "2026-W53", "2027-W01"},
			want:  map[string]map[string]uint64{"2026-W09": {"reports": 1}},
		},
		{
			name:  "a week is not the prefix of another",
			adds:  []add{{"2026-W4", "odd", 1}, {"2026-W47", "reports", 1}},
			weeks: []string{"2026-W4", "2026-W47"},
			want:  map[string]map[string]uint64{"2026-W4": {"odd": 1}, "2026-W47": {"reports": 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := open(t)
			for _, a := range tt.adds {
				if err := s.Count(a.week, a.name, a.n); err != nil {
					t.Fatal(err)
				}
			}
			weeks, err := s.Weeks()
			if err != nil || !slices.Equal(weeks, tt.weeks) {
				t.Errorf("Weeks = %v, %v; want %v", weeks, err, tt.weeks)
			}
			for week, want := range tt.want {
				got, err := s.Counters(week)
				if err != nil || !maps.Equal(got, want) {
					t.Errorf("Counters(%s) = %v, %v; want %v", week, got, err, want)
				}
			}
		})
	}
}

func TestCountRefusesNamesThatBreakTheKey(t *testing.T) {
	s, _ := open(t)
	for _, bad := range [][2]string{{"", "reports"}, {"2026-W47", ""}, {"2026-W47", "a|b"}, {"2026|W47", "reports"}} {
		if err := s.Count(bad[0], bad[1], 1); err == nil {
			t.Errorf("Count(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestCountIsAtomic(t *testing.T) {
	s, _ := open(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if err := s.Count("2026-W47", "reports", 1); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got, _ := s.Counters("2026-W47"); got["reports"] != 200 {
		t.Errorf("reports = %d, want 200", got["reports"])
	}
}

func TestCountersSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Count("2026-W47", "approvals", 4); err != nil {
		t.Fatal(err)
	}
	s.Close()
	again, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got, _ := again.Counters("2026-W47"); got["approvals"] != 4 {
		t.Errorf("approvals after reopen = %d", got["approvals"])
	}
}

func TestOpenReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Count("2026-W47", "reports", 2); err != nil {
		t.Fatal(err)
	}

	// While the bot holds the file, a reader is told so instead of waiting.
	if _, err := OpenReadOnly(path, Options{Timeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Fatalf("read-only open beside the bot: %v, want ErrLocked", err)
	}
	s.Close()

	r, err := OpenReadOnly(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Two readers at once are fine.
	r2, err := OpenReadOnly(path, Options{Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("second reader: %v", err)
	}
	r2.Close()
	if got, _ := r.Counters("2026-W47"); got["reports"] != 2 {
		t.Errorf("reports read-only = %d", got["reports"])
	}
	if err := r.Count("2026-W47", "reports", 1); err == nil {
		t.Error("a read-only store accepted a write")
	}
	r.Close()

	if _, err := OpenReadOnly(filepath.Join(t.TempDir(), "none.db"), Options{}); err == nil {
		t.Error("read-only open of a missing file succeeded")
	}
}
