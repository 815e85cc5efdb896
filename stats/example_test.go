package stats_test

import (
	"fmt"
	"time"

	"github.com/entrepairs/entrepairs/stats"
)

func ExampleWeek() {
	paris, _ := time.LoadLocation("Europe/Paris")
	// Sunday 23:30 in UTC is already Monday in Paris: a new week there.
	t := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC)
	fmt.Println(stats.Week(t, time.UTC), stats.Week(t, paris))
	weeks, _ := stats.Span("2026-W52", "2027-W02")
	fmt.Println(weeks)
	// Output:
	// 2026-W47 2026-W48
	// [2026-W52 2026-W53 2027-W01 2027-W02]
}
