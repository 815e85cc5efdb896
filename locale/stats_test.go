package locale

import (
	"fmt"
	"strings"
	"testing"

	"github.com/entrepairs/entrepairs/stats"
)

// TestStatsReportShowsEveryCounter renders /stats in every language with a
// distinct number per counter: each must appear, none may be missing.
func TestStatsReportShowsEveryCounter(t *testing.T) {
	texts := MustLoad()
	this, last := map[string]uint64{}, map[string]uint64{}
	for i, name := range stats.Names() {
		this[name], last[name] = uint64(1000+i), uint64(2000+i)
	}
	data := map[string]any{
		"Week": "2026-W48", "From": "23/11", "To": "29/11", "This": this, "Last": last,
		"Waiting": 3001, "Pending": 3002,
		"Resources": []struct {
			Label      string
			This, Last uint64
		}{{"☎️ Antipoison", 4001, 4002}},
	}
	for _, lang := range texts.Languages() {
		got := texts.T(lang, "stats.report", data)
		if strings.Contains(got, "no value") || got == "stats.report" {
			t.Fatalf("%s: report does not render:\n%s", lang, got)
		}
		for _, want := range []string{"2026-W48", "3001", "3002", "Antipoison : 4001 (4002)"} {
			if lang != "fr" {
				want = strings.Replace(want, " : ", ": ", 1)
			}
			if !strings.Contains(got, want) {
				t.Errorf("%s: report lacks %q", lang, want)
			}
		}
		for _, name := range stats.Names() {
			if name == stats.Flagged("report") {
				continue // reports tells the same story, shown once
			}
			if !strings.Contains(got, fmt.Sprint(this[name])) || !strings.Contains(got, fmt.Sprint(last[name])) {
				t.Errorf("%s: report does not show %s", lang, name)
			}
		}
	}
}
