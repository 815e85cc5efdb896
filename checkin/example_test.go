package checkin_test

import (
	"fmt"
	"time"

	"github.com/entrepairs/entrepairs/checkin"
)

// The bot's scheduling tick, for one group: find the latest occurrence, ask
// whether it is due, post it (or log the skip), record it as handled.
func Example() {
	paris, _ := time.LoadLocation("Europe/Paris")
	vendredi := checkin.CheckIn{Name: "vendredi", Weekday: time.Friday, Hour: 18, Minute: 30}
	handled := map[string]bool{} // the store, per group

	for _, now := range []time.Time{
		time.Date(2026, 3, 27, 18, 0, 0, 0, paris),  // first start: last week's slot is logged as missed
		time.Date(2026, 3, 27, 18, 31, 0, 0, paris), // at the slot
		time.Date(2026, 3, 27, 18, 32, 0, 0, paris), // after a restart
	} {
		o := checkin.Latest(vendredi, now, paris)
		d := checkin.Due(o, now, 2*time.Hour, handled[o.Key])
		fmt.Println(now.Format("15:04"), o.Key, d)
		if d != checkin.Wait { // posted or skipped: never again
			handled[o.Key] = true
		}
	}
	fmt.Println("next:", checkin.Next(vendredi, time.Date(2026, 3, 27, 18, 32, 0, 0, paris), paris).At)
	// Output:
	// 18:00 vendredi@2026-03-20 skip
	// 18:31 vendredi@2026-03-27 post
	// 18:32 vendredi@2026-03-27 wait
	// next: 2026-04-03 18:30:00 +0200 CEST
}
