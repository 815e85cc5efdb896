package admission

import (
	"testing"
	"time"
)

func TestClosingAt(t *testing.T) {
	t0 := time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name string
		a    Admission
		at   time.Duration
		want Closing
	}{
		{"pending within 48 h", Admission{Mode: ByRequest, State: Pending, RequestedAt: t0}, 47 * time.Hour, StaysOpen},
		{"pending at 48 h", Admission{Mode: ByRequest, State: Pending, RequestedAt: t0}, 48 * time.Hour, Unanswered},
		{"accepted within 14 days", Admission{Mode: ByRequest, State: Accepted, RequestedAt: t0, AnsweredAt: t0}, 13 * day, StaysOpen},
		{"accepted at 14 days", Admission{Mode: ByRequest, State: Accepted, RequestedAt: t0, AnsweredAt: t0}, 14 * day, Undecided},
		{"accepted late counts from the answer", Admission{Mode: ByRequest, State: Accepted, RequestedAt: t0, AnsweredAt: t0.Add(day)}, 14 * day, StaysOpen},
		{"decided never closes here", Admission{Mode: ByRequest, State: Approved, RequestedAt: t0, AnsweredAt: t0}, 100 * day, StaysOpen},
		{"restrict mode, unanswered", Admission{Mode: ByRestriction, State: Pending, RequestedAt: t0}, 48 * time.Hour, Unanswered},
		{"restrict mode, declined stays (closed already)", Admission{Mode: ByRestriction, State: Declined, RequestedAt: t0, AnsweredAt: t0}, 100 * day, StaysOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.ClosingAt(t0.Add(tt.at), 48*time.Hour, 14*day); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestExpireKeepsNoProfile(t *testing.T) {
	a := Admission{Mode: ByRequest, State: Accepted, Name: "Lou", Username: "lou", Bio: "bio", Language: "fr", Signals: []string{"x|y"}}
	now := time.Now()
	a.Expire(now)
	if a.Open() || !a.Closed || a.Name != "" || a.Username != "" || a.Bio != "" || a.Language != "" || a.Signals != nil || !a.DecidedAt.Equal(now) {
		t.Errorf("after Expire: %+v", a)
	}
}

func TestGateFor(t *testing.T) {
	t0 := time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	tests := []struct {
		name  string
		r     Record
		at    time.Duration
		stick bool
		want  Gate
	}{
		{"nobody", Record{}, 0, true, Welcome},
		{"banned, sticking", Record{Banned: true}, 0, true, Sanctioned},
		{"dealer, sticking, long ago", Record{Dealer: true, Refusals: 1, LastRefusal: t0}, 100 * week, true, Sanctioned},
		{"banned, not sticking", Record{Banned: true}, 0, false, WelcomeWarned},
		{"refused yesterday", Record{Refusals: 1, LastRefusal: t0}, 24 * time.Hour, true, TooSoon},
		{"refused a week ago", Record{Refusals: 1, LastRefusal: t0}, week, true, Welcome},
		{"dealer refused yesterday, not sticking", Record{Dealer: true, Refusals: 1, LastRefusal: t0}, 24 * time.Hour, false, TooSoon},
		{"dealer refused long ago, not sticking", Record{Dealer: true, Refusals: 1, LastRefusal: t0}, 2 * week, false, WelcomeWarned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GateFor(tt.r, t0.Add(tt.at), week, tt.stick); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNeedsLastCall(t *testing.T) {
	t0 := time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	a := Admission{State: Accepted, CardMessageID: 5, AnsweredAt: t0, RemindedAt: t0.Add(day)}
	if a.NeedsLastCall(t0.Add(12*day), 14*day) {
		t.Error("last call two days early")
	}
	if !a.NeedsLastCall(t0.Add(13*day), 14*day) {
		t.Error("no last call the day before closing")
	}
	a.RemindedAt = t0.Add(13 * day)
	if a.NeedsLastCall(t0.Add(13*day+time.Hour), 14*day) {
		t.Error("a second last call")
	}
}
