package stats

import (
	"encoding/csv"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Counts is where the weekly counters are kept: the store, read by the
// stats command and by the bot's /stats csv.
type Counts interface {
	// Weeks lists the weeks that have counters, oldest first.
	Weeks() ([]string, error)
	// Counters returns one week's counters by name.
	Counters(week string) (map[string]uint64, error)
}

// Weekly reads every week from the first counted to the last, the weeks
// without any count included as zeros. names are the known counters in
// their documented order, then the resources categories and any name a
// newer version wrote, sorted: the columns of the CSV for funders.
func Weekly(src Counts) (weeks, names []string, counts []map[string]uint64, err error) {
	stored, err := src.Weeks()
	if err != nil {
		return nil, nil, nil, err
	}
	// Ignore a key that is not a week rather than refuse the whole report.
	stored = slices.DeleteFunc(stored, func(w string) bool {
		_, err := Start(w, time.UTC)
		return err != nil
	})
	names = Names()
	if len(stored) == 0 {
		return nil, names, nil, nil
	}
	weeks, err = Span(stored[0], stored[len(stored)-1])
	if err != nil {
		return nil, nil, nil, err
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	var extra []string
	for _, w := range weeks {
		c, err := src.Counters(w)
		if err != nil {
			return nil, nil, nil, err
		}
		for n := range c {
			if !known[n] && ValidName(n) {
				known[n] = true
				extra = append(extra, n)
			}
		}
		counts = append(counts, c)
	}
	sort.Strings(extra)
	return weeks, append(names, extra...), counts, nil
}

// WriteCSV writes a header week,<names> and one line per week.
func WriteCSV(w io.Writer, weeks, names []string, counts []map[string]uint64) error {
	out := csv.NewWriter(w)
	if err := out.Write(append([]string{"week"}, names...)); err != nil {
		return err
	}
	for i, week := range weeks {
		row := []string{week}
		for _, n := range names {
			row = append(row, strconv.FormatUint(counts[i][n], 10))
		}
		if err := out.Write(row); err != nil {
			return err
		}
	}
	out.Flush()
	return out.Error()
}
