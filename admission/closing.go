package admission

import "time"

// Expired: the request closed without a decision, because the person did
// not accept the charter in time or no moderator decided in time.
const Expired State = "expired"

// Closing says why an open request must close now.
type Closing int

const (
	// StaysOpen: the request may still wait.
	StaysOpen Closing = iota
	// Unanswered: the charter was not accepted within expireAfter; the
	// request is declined kindly and its record erased.
	Unanswered
	// Undecided: accepted, but no moderator decided within undecidedAfter;
	// the request is closed kindly and its personal fields erased.
	Undecided
)

// ClosingAt tells whether an open request must close at now. In both
// modes: a restrict-mode newcomer waits muted in the group, and leaving them
// there for ever would keep their profile for ever. A zero duration never
// closes.
func (a *Admission) ClosingAt(now time.Time, expireAfter, undecidedAfter time.Duration) Closing {
	switch {
	case a.State == Pending && expireAfter > 0 && !now.Before(a.RequestedAt.Add(expireAfter)):
		return Unanswered
	case a.State == Accepted && undecidedAfter > 0 && !now.Before(a.AnsweredAt.Add(undecidedAfter)):
		return Undecided
	}
	return StaysOpen
}

// Expire closes an accepted request nobody decided on: it counts as closed
// from now (for retention), and only what the flow needs stays.
func (a *Admission) Expire(now time.Time) {
	a.State = Expired
	a.DecidedAt = now
	a.Applied = true
	a.Closed = true
	a.Forget()
}

// Record is what the bot keeps about a person's earlier sanctions and
// refusals, across groups, for the gate of a new request.
type Record struct {
	Banned      bool      // banned from a group
	Dealer      bool      // refused as a dealer
	Refusals    int       // refusals by a moderator, dealer or not
	LastRefusal time.Time // the latest of them
}

// Gate is what happens to a new request given the person's record.
type Gate int

const (
	// Welcome: an ordinary request.
	Welcome Gate = iota
	// WelcomeWarned: a sanctioned person whose request the moderators
	// decide anyway (sanctions do not stick): the card says so prominently.
	WelcomeWarned
	// Sanctioned: declined automatically, with a one-line note to the
	// moderators.
	Sanctioned
	// TooSoon: refused less than retryAfter ago: declined with a kind
	// message and help contacts, no new card.
	TooSoon
)

// GateFor decides what a new request of a person with record r gets.
// Sanctions come first: a banned dealer is not told to try again later.
func GateFor(r Record, now time.Time, retryAfter time.Duration, stick bool) Gate {
	switch {
	case (r.Banned || r.Dealer) && stick:
		return Sanctioned
	case r.Refusals > 0 && retryAfter > 0 && now.Before(r.LastRefusal.Add(retryAfter)):
		return TooSoon
	case r.Banned || r.Dealer:
		return WelcomeWarned
	}
	return Welcome
}

// ClosedAt tells when the request closed (declined, decided and carried
// out, or expired), from which its retention period runs; false while it
// is open or its decision not carried out.
func (a *Admission) ClosedAt() (time.Time, bool) {
	switch {
	case a.State == Declined:
		return a.AnsweredAt, true
	case (a.Decided() || a.State == Expired) && a.Closed:
		return a.DecidedAt, true
	}
	return time.Time{}, false
}

// lastCallBefore is how long before an undecided request closes the
// moderators get a last reminder about it.
const lastCallBefore = 24 * time.Hour

// NeedsLastCall reports whether the moderators should get the last
// reminder about an undecided request: it closes within a day and was not
// reminded since that day began. Together with NeedsReminder, that makes
// two reminders at most.
func (a *Admission) NeedsLastCall(now time.Time, undecidedAfter time.Duration) bool {
	if a.State != Accepted || a.CardMessageID == 0 || undecidedAfter <= lastCallBefore {
		return false
	}
	from := a.AnsweredAt.Add(undecidedAfter - lastCallBefore)
	return !now.Before(from) && a.RemindedAt.Before(from)
}
