// Package review holds the rules of moderator review: a message flagged by
// screening, a member's report or the flood rule becomes a Flag that
// moderators decide on (ignore, delete, warn, ban).
//
// The decisions around it live here too: when a member floods
// (FloodWatch), how many reports a member may make (ReportLimit), how a
// burst of flags is shown (Arrange) and what a crash left unfinished
// (Flag.Unfinished). They take the time as an argument.
//
// It knows nothing of Telegram or storage, like package admission, imports
// nothing that reads files or logs, and starts no goroutine: the bot feeds
// it and acts on its answers.
package review

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Source says why a message reached the moderators.
type Source string

const (
	// Screened: the screening rules scored the message above the threshold.
	Screened Source = "screen"
	// Reported: a member used /signaler on it.
	Reported Source = "report"
	// Flooded: the member posted faster than the flood rule allows.
	Flooded Source = "flood"
)

// Action is a moderator's decision.
type Action string

const (
	// Ignore: nothing wrong; the message stays.
	Ignore Action = "ignore"
	// Delete removes the message.
	Delete Action = "delete"
	// Warn removes the message and counts a warning against its author,
	// who is told in private.
	Warn Action = "warn"
	// Ban removes the author from the group, and the message.
	Ban Action = "ban"
)

// ParseAction reads the one-letter action carried by a button.
func ParseAction(s string) (Action, bool) {
	switch s {
	case "i":
		return Ignore, true
	case "d":
		return Delete, true
	case "w":
		return Warn, true
	case "b":
		return Ban, true
	}
	return "", false
}

// Letter is the one-letter form of the action, for button data.
func (a Action) Letter() string {
	switch a {
	case Ignore:
		return "i"
	case Delete:
		return "d"
	case Warn:
		return "w"
	case Ban:
		return "b"
	}
	return ""
}

// ExcerptLen is the most message text kept for moderators, in characters.
const ExcerptLen = 300

// DeleteWindow is how long Telegram lets a bot delete a message in a group.
const DeleteWindow = 48 * time.Hour

// ErrAlreadyDecided means another moderator was first.
var ErrAlreadyDecided = errors.New("flag already decided")

// Reason is one signal that made the message reach the moderators, as
// screening reported it.
type Reason struct {
	Code     string `json:"code"`
	Evidence string `json:"evidence,omitempty"`
}

// Flag is one message (or burst of messages) waiting for a moderator. The
// excerpt is the only message text the bot ever stores, and only until the
// flag is decided plus the retention period.
type Flag struct {
	ID          string    `json:"id"`
	Source      Source    `json:"source"`
	GroupID     int64     `json:"group_id"`
	MessageID   int       `json:"message_id,omitempty"`
	MessageDate time.Time `json:"message_date"`
	UserID      int64     `json:"user_id"`
	AuthorName  string    `json:"author_name,omitempty"`
	// AuthorLanguage is kept to write a warning in the member's language.
	AuthorLanguage string    `json:"author_language,omitempty"`
	Excerpt        string    `json:"excerpt,omitempty"`
	Score          float64   `json:"score"`
	Reasons        []Reason  `json:"reasons,omitempty"`
	ReporterID     int64     `json:"reporter_id,omitempty"`
	ReporterName   string    `json:"reporter_name,omitempty"`
	FloodCount     int       `json:"flood_count,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	// AutoDeleted: the message scored above moderation.auto_delete_above
	// and was deleted at once; moderators still decide about the member.
	AutoDeleted bool `json:"auto_deleted,omitempty"`

	// Where moderators see it: its own card, or a line of a digest.
	CardChatID    int64  `json:"card_chat_id,omitempty"`
	CardMessageID int    `json:"card_message_id,omitempty"`
	DigestID      string `json:"digest_id,omitempty"`
	// CardOwed: the card is in the bot's outbox, not sent yet (its message
	// id is recorded when it is).
	CardOwed bool `json:"card_owed,omitempty"`

	Action        Action    `json:"action,omitempty"`
	DecidedBy     int64     `json:"decided_by,omitempty"`
	DecidedByName string    `json:"decided_by_name,omitempty"`
	DecidedAt     time.Time `json:"decided_at,omitzero"`
	// Applied: Telegram carried the action out (or could not, see Note).
	Applied bool `json:"applied,omitempty"`
	// Note explains an action Telegram could not carry out.
	Note string `json:"note,omitempty"`
	// Warnings is the member's warning count after this decision.
	Warnings int `json:"warnings,omitempty"`
	// Reopens is the flag, set aside (Ignore) earlier, that this one takes
	// up again: the same message reported or edited since. The card says
	// so. See Reopened.
	Reopens        string `json:"reopens,omitempty"`
	ReopensDecider string `json:"reopens_decider,omitempty"`
}

// Reopened reports whether a new flag on a message already flagged
// (earlier) must reach the moderators again: only when they set it aside
// (Ignore), since a member's report or an edit then brings something they
// have not seen. An undecided flag is already in front of them; a deleted
// message or a sanctioned author needs nothing more.
func Reopened(earlier *Flag) bool {
	return earlier != nil && earlier.Action == Ignore
}

// Shown reports whether moderators have the flag in front of them, or
// will have once the bot's outbox sent its card.
func (f *Flag) Shown() bool { return f.CardMessageID != 0 || f.CardOwed || f.DigestID != "" }

// Decided reports whether a moderator acted.
func (f *Flag) Decided() bool { return f.Action != "" }

// Decide records a moderator's action. The first decision wins, with one
// exception: a warned member may still be banned from the same card, which
// is what the card suggests when warnings reach the limit.
func (f *Flag) Decide(a Action, moderatorID int64, moderatorName string, now time.Time) error {
	if f.Decided() && !(f.Action == Warn && a == Ban) {
		return ErrAlreadyDecided
	}
	f.Action = a
	f.DecidedBy = moderatorID
	f.DecidedByName = moderatorName
	f.DecidedAt = now
	f.Applied = false
	f.Note = ""
	return nil
}

// Deletable reports whether Telegram still lets the bot delete the message.
func (f *Flag) Deletable(now time.Time) bool {
	return f.MessageID != 0 && now.Sub(f.MessageDate) < DeleteWindow
}

// Expired reports whether a decided flag has been kept as long as the
// retention period allows.
func (f *Flag) Expired(now time.Time, retention time.Duration) bool {
	return f.Decided() && !now.Before(f.DecidedAt.Add(retention))
}

// Excerpt cuts text to at most n characters, on a word boundary when one is
// near, marking the cut.
func Excerpt(text string, n int) string {
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	cut := 0
	for i := range text {
		if utf8.RuneCountInString(text[:i]) >= n-1 {
			cut = i
			break
		}
	}
	if sp := strings.LastIndexAny(text[:cut], " \n"); sp > cut-40 && sp > 0 {
		cut = sp
	}
	return strings.TrimSpace(text[:cut]) + "…"
}

// Digest gathers flags that came in a burst into one message for the
// moderators, so a raid does not trip Telegram's limit of about 20 messages
// per minute in a chat.
type Digest struct {
	ID      string   `json:"id"`
	FlagIDs []string `json:"flag_ids"`
	// Kind is FloodDigest for a summary of flood notices; "" for a digest
	// that lists each flag with its buttons.
	Kind          DigestKind `json:"kind,omitempty"`
	CardChatID    int64      `json:"card_chat_id,omitempty"`
	CardMessageID int        `json:"card_message_id,omitempty"`
	// CardOwed: the digest is in the bot's outbox, not sent yet.
	CardOwed  bool      `json:"card_owed,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}
