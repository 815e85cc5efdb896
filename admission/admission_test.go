package admission

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)

func TestAccept(t *testing.T) {
	tests := []struct {
		name  string
		state State
		mode  Mode
		want  error
	}{
		{"pending request accepts", Pending, ByRequest, nil},
		{"second acceptance refused", Accepted, ByRequest, ErrNotPending},
		{"declined request stays closed", Declined, ByRequest, ErrNotPending},
		{"declined newcomer may change their mind", Declined, ByRestriction, nil},
		{"approved cannot accept again", Approved, ByRequest, ErrNotPending},
		{"refused cannot accept again", Refused, ByRestriction, ErrNotPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Admission{State: tt.state, Mode: tt.mode, CharterShown: "abcd1234"}
			err := a.Accept(t0)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Accept() = %v, want %v", err, tt.want)
			}
			if err == nil && (a.State != Accepted || a.CharterVersion != "abcd1234" || !a.AnsweredAt.Equal(t0)) {
				t.Errorf("after Accept: %+v", a)
			}
			if err != nil && a.State != tt.state {
				t.Errorf("state changed on refusal: %s", a.State)
			}
		})
	}
}

func TestDecideFirstWins(t *testing.T) {
	a := &Admission{State: Accepted}
	if err := a.Decide(true, 1, "Alex", t0); err != nil {
		t.Fatal(err)
	}
	if err := a.Decide(false, 2, "Sam", t0.Add(time.Second)); !errors.Is(err, ErrAlreadyDecided) {
		t.Fatalf("second decision: %v", err)
	}
	if a.State != Approved || a.DecidedBy != 1 || a.DecidedByName != "Alex" {
		t.Errorf("second decision overwrote the first: %+v", a)
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name    string
		state   State
		approve bool
		want    error
		after   State
	}{
		{"approve", Accepted, true, nil, Approved},
		{"refuse", Accepted, false, nil, Refused},
		{"before the charter", Pending, true, ErrNotAccepted, Pending},
		{"declined charter", Declined, true, ErrNotAccepted, Declined},
		{"already refused", Refused, true, ErrAlreadyDecided, Refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Admission{State: tt.state}
			if err := a.Decide(tt.approve, 7, "Mod", t0); !errors.Is(err, tt.want) {
				t.Fatalf("Decide() = %v, want %v", err, tt.want)
			}
			if a.State != tt.after {
				t.Errorf("state %s, want %s", a.State, tt.after)
			}
		})
	}
}

func TestNeedsReminder(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name string
		a    Admission
		now  time.Time
		want bool
	}{
		{"waiting 25h", Admission{State: Accepted, CardMessageID: 5, AnsweredAt: t0}, t0.Add(25 * time.Hour), true},
		{"waiting exactly 24h", Admission{State: Accepted, CardMessageID: 5, AnsweredAt: t0}, t0.Add(day), true},
		{"waiting 23h", Admission{State: Accepted, CardMessageID: 5, AnsweredAt: t0}, t0.Add(23 * time.Hour), false},
		{"already reminded", Admission{State: Accepted, CardMessageID: 5, AnsweredAt: t0, RemindedAt: t0.Add(day)}, t0.Add(3 * day), false},
		{"decided", Admission{State: Approved, CardMessageID: 5, AnsweredAt: t0}, t0.Add(3 * day), false},
		{"no card yet", Admission{State: Accepted, AnsweredAt: t0}, t0.Add(3 * day), false},
		{"charter not accepted", Admission{State: Pending, RequestedAt: t0}, t0.Add(3 * day), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.NeedsReminder(tt.now, day); got != tt.want {
				t.Errorf("NeedsReminder = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestForgetKeepsTheDecision(t *testing.T) {
	a := &Admission{ID: "X", UserID: 9, State: Approved, Name: "Kiki", Username: "kiki", Bio: "hello", Language: "fr", DecidedByName: "Mod", CharterVersion: "v1"}
	a.Forget()
	if a.Name != "" || a.Username != "" || a.Bio != "" || a.Language != "" {
		t.Errorf("personal details kept: %+v", a)
	}
	if a.UserID != 9 || a.State != Approved || a.DecidedByName != "Mod" || a.CharterVersion != "v1" {
		t.Errorf("decision lost: %+v", a)
	}
}
