// Package admission holds the rules of charter-gated admission: a person asks to
// join a group, accepts its charter, and a moderator approves or refuses them.
//
// It knows nothing of Telegram or of storage: the bot package drives these
// rules, the store package persists Admission values.
package admission

import (
	"errors"
	"time"
)

// State is where an admission stands.
type State string

// The states of an admission. Pending and Accepted are open: the person is
// waiting for themselves or for a moderator. The others are closed.
const (
	// Pending: the charter was offered and the person has not answered yet.
	Pending State = "pending"
	// Accepted: the person accepted the charter; a moderator has to decide.
	Accepted State = "accepted"
	// Declined: the person said they did not want to accept the charter.
	Declined State = "declined"
	// Approved: a moderator let the person in.
	Approved State = "approved"
	// Refused: a moderator did not let the person in.
	Refused State = "refused"
)

// Mode says how the group lets people in.
type Mode string

const (
	// ByRequest uses Telegram join requests: nobody is in the group before approval.
	ByRequest Mode = "request"
	// ByRestriction is for groups without join requests: newcomers are muted
	// until approval.
	ByRestriction Mode = "restrict"
)

// Errors returned by the rules. They describe a situation a person can meet
// (a second tap, an old button), not a fault.
var (
	// ErrNotPending means the charter can no longer be accepted or declined
	// for this admission (it was already answered or decided).
	ErrNotPending = errors.New("admission is not waiting for the charter")
	// ErrAlreadyDecided means a moderator already approved or refused.
	ErrAlreadyDecided = errors.New("admission already decided")
	// ErrNotAccepted means a moderator tried to decide before the charter
	// was accepted.
	ErrNotAccepted = errors.New("charter not accepted yet")
)

// Admission is one person's way into one group. It keeps the least the flow
// needs: who asked (pseudonym, @username, language, bio for the moderators'
// card), which charter version they accepted, and who decided. Personal
// details that only served the card are cleared once the decision is applied
// (see Forget).
type Admission struct {
	ID      string `json:"id"`
	GroupID int64  `json:"group_id"`
	// GroupTitle is the group's title as Telegram gave it, for cards when
	// the configuration names no group.
	GroupTitle string `json:"group_title,omitempty"`
	UserID     int64  `json:"user_id"`
	Mode       Mode   `json:"mode"`
	Name       string `json:"name,omitempty"`
	Username   string `json:"username,omitempty"`
	Language   string `json:"language,omitempty"`
	Bio        string `json:"bio,omitempty"`

	// Signals are what screening found in the name or bio ("code|evidence"),
	// shown as a warning on the card.
	Signals []string `json:"signals,omitempty"`

	RequestedAt time.Time `json:"requested_at"`
	State       State     `json:"state"`

	// CharterSentAt is when the charter was recorded as owed to the person
	// (the outbox sends it; zero until then): a redelivered request must
	// not send it twice.
	CharterSentAt time.Time `json:"charter_sent_at,omitzero"`
	// CharterShown is the version of the charter the person was shown.
	CharterShown string `json:"charter_shown,omitempty"`
	// CharterVersion is the version the person accepted.
	CharterVersion string    `json:"charter_version,omitempty"`
	AnsweredAt     time.Time `json:"answered_at,omitzero"`

	// The moderators' card, once posted.
	CardChatID    int64 `json:"card_chat_id,omitempty"`
	CardMessageID int   `json:"card_message_id,omitempty"`
	// CardOwed: the card is in the outbox, not sent yet (its message id is
	// recorded when it is).
	CardOwed bool `json:"card_owed,omitempty"`

	DecidedBy     int64     `json:"decided_by,omitempty"`
	DecidedByName string    `json:"decided_by_name,omitempty"`
	DecidedAt     time.Time `json:"decided_at,omitzero"`
	// Dealer: refused as a dealer, a sanction that follows the person to
	// every group the bot serves.
	Dealer bool `json:"dealer,omitempty"`
	// Applied is true once Telegram carried out the decision (approval,
	// refusal, lifted restriction), or refused to for good (ApplyError).
	Applied bool `json:"applied,omitempty"`
	// Closed is true once the person was told and the card shows the
	// outcome. A decision recorded but not applied or not closed (a crash in
	// between) is finished by the bot's sweep, step by step.
	Closed bool `json:"closed,omitempty"`
	// ApplyError keeps Telegram's refusal when the decision could not be
	// carried out (for example the request was handled outside the bot).
	ApplyError string `json:"apply_error,omitempty"`

	RemindedAt time.Time `json:"reminded_at,omitzero"`

	// Restrict mode: the notice posted in the group, deleted after a while.
	NoticeMessageID int       `json:"notice_message_id,omitempty"`
	NoticeDeleteAt  time.Time `json:"notice_delete_at,omitzero"`
}

// Open reports whether the admission still waits for the person or a moderator.
func (a *Admission) Open() bool {
	return a.State == Pending || a.State == Accepted
}

// Decided reports whether a moderator approved or refused.
func (a *Admission) Decided() bool {
	return a.State == Approved || a.State == Refused
}

// Accept records that the person accepted the charter version they were shown.
// In restrict mode a person who first declined may still change their mind:
// they are in the group, muted, and the door stays open.
func (a *Admission) Accept(now time.Time) error {
	switch {
	case a.State == Pending:
	case a.State == Declined && a.Mode == ByRestriction:
	default:
		return ErrNotPending
	}
	a.State = Accepted
	a.CharterVersion = a.CharterShown
	a.AnsweredAt = now
	return nil
}

// Decline records that the person did not accept the charter.
func (a *Admission) Decline(now time.Time) error {
	if a.State != Pending {
		return ErrNotPending
	}
	a.State = Declined
	a.AnsweredAt = now
	return nil
}

// Decide records a moderator's decision. The first decision wins: any later
// one gets ErrAlreadyDecided, so two moderators tapping at once cannot both
// act.
func (a *Admission) Decide(approve bool, moderatorID int64, moderatorName string, now time.Time) error {
	if a.Decided() {
		return ErrAlreadyDecided
	}
	if a.State != Accepted {
		return ErrNotAccepted
	}
	if approve {
		a.State = Approved
	} else {
		a.State = Refused
	}
	a.DecidedBy = moderatorID
	a.DecidedByName = moderatorName
	a.DecidedAt = now
	return nil
}

// NeedsCard reports whether the moderators still have to be shown this
// admission (the charter was accepted but no card was posted yet).
func (a *Admission) NeedsCard() bool {
	return a.State == Accepted && a.CardMessageID == 0 && !a.CardOwed
}

// NeedsApply reports whether a decision is recorded but not yet carried out
// to the end.
func (a *Admission) NeedsApply() bool {
	return a.Decided() && !a.Closed
}

// NeedsReminder reports whether the admission has waited for a moderator
// longer than after and has not been reminded yet. One reminder only: the
// moderators are volunteers and the bot must not add noise.
func (a *Admission) NeedsReminder(now time.Time, after time.Duration) bool {
	return a.State == Accepted && a.CardMessageID != 0 && a.RemindedAt.IsZero() &&
		!now.Before(a.AnsweredAt.Add(after))
}

// Forget clears what only served the moderators' card (bio, pseudonym,
// @username, language) once the decision is applied: the bot keeps who was
// decided about, when and by whom, not a profile.
func (a *Admission) Forget() {
	a.Name = ""
	a.Username = ""
	a.Bio = ""
	a.Language = ""
	a.Signals = nil
}
