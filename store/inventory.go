package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/admission"
)

// The data inventory: every kind of value the data file holds, why, and for
// how long. The README's table "What the bot stores" is generated from it
// (go test ./store -run TestReadmeInventory -update), and the end-to-end
// data-inventory test walks a data file after a full scenario and fails on
// any stored field missing here or kept past its time.

// Periods are the settings that bound how long values are kept.
type Periods struct {
	Retention      time.Duration // retention_days
	HandledMemory  time.Duration // the handled-update ledger
	CheckInOpen    time.Duration // how long a check-in tells its members apart
	ExpireAfter    time.Duration // admission.expire_after
	UndecidedAfter time.Duration // admission.undecided_after
}

// Kept is one kind of value in one bucket of the data file.
type Kept struct {
	Bucket string
	// What, Why and HowLong are the README's columns.
	What, Why, HowLong string
	// Fields are the JSON fields a value may hold ("tally.counts" for a
	// field of an object); empty when the value is not a JSON object.
	Fields []string
	// Overdue tells whether a stored value is past its stated time at now;
	// nil when it is kept as long as the file.
	Overdue func(key, value []byte, now time.Time, p Periods) bool
}

// Inventory lists everything the data file may hold.
var Inventory = []Kept{
	{
		Bucket: "meta", What: "the file's schema version; in files written before the key file existed, their old sanctions salt sealed with the deployment key",
		Why: "to refuse a file from a newer version; to keep old warnings and bans meaningful", HowLong: "as long as the file",
		Overdue: func(k, _ []byte, _ time.Time, _ Periods) bool {
			return string(k) == string(keySalt) // a clear salt is migrated out at open
		},
	},
	{
		Bucket: "admissions",
		What:   "for each request to join: Telegram user id, group, dates (asked, charter sent and answered, decided), charter version shown and accepted, the moderators' decision and the moderator's id and name, ids of the bot's own messages (card, notice)",
		Why:    "to run the admission flow, to show \"already handled by …\", and so that a restart loses nothing",
		HowLong: "`retention_days` (default 30) after the request closed (declined, decided and carried out, or closed without a decision); " +
			"a request whose charter is not accepted within `admission.expire_after` (48 h) is declined and erased at once",
		Fields: []string{"id", "group_id", "group_title", "user_id", "mode", "name", "username", "language", "bio", "signals",
			"requested_at", "state", "charter_sent_at", "charter_shown", "charter_version", "answered_at", "card_chat_id",
			"card_message_id", "card_owed", "decided_by", "decided_by_name", "decided_at", "dealer", "applied", "closed", "apply_error",
			"reminded_at", "notice_message_id", "notice_delete_at"},
		Overdue: func(_, v []byte, now time.Time, p Periods) bool {
			var a admission.Admission
			if json.Unmarshal(v, &a) != nil {
				return true
			}
			if at, closed := a.ClosedAt(); closed {
				return !now.Before(at.Add(p.Retention + 24*time.Hour)) // the job runs daily
			}
			return a.ClosingAt(now.Add(-time.Hour), p.ExpireAfter, p.UndecidedAfter) != admission.StaysOpen
		},
	},
	{
		Bucket: "admissions", What: "the person's pseudonym, @username, language, Telegram bio and what screening found in them",
		Why: "shown on the moderators' card", HowLong: "erased as soon as the decision is applied, or the request closes",
		Overdue: func(_, v []byte, _ time.Time, _ Periods) bool {
			var a admission.Admission
			if json.Unmarshal(v, &a) != nil {
				return true
			}
			_, closed := a.ClosedAt()
			return closed && a.State != admission.Declined && (a.Name != "" || a.Username != "" || a.Bio != "" || len(a.Signals) != 0)
		},
	},
	{
		Bucket: "members", What: "group and user id → the person's latest request", Why: "to find a request again (one per person and group)",
		HowLong: "erased with the request",
	},
	{
		Bucket: "flags",
		What: "for each flagged or reported message: group, message id and date, author's user id, pseudonym and language, an excerpt of at most " +
			"300 characters, the names of the reasons (not the matched words), who reported it, the moderators' decision",
		Why: "so moderators can review and decide", HowLong: "until decided, then `retention_days` (default 30)",
		Fields: []string{"id", "source", "group_id", "message_id", "message_date", "user_id", "author_name", "author_language",
			"excerpt", "score", "reasons", "reasons.code", "reporter_id", "reporter_name", "flood_count", "created_at", "auto_deleted",
			"card_chat_id", "card_message_id", "digest_id", "card_owed", "action", "decided_by", "decided_by_name", "decided_at", "applied",
			"note", "warnings", "reopens", "reopens_decider"},
		Overdue: func(_, v []byte, now time.Time, p Periods) bool {
			f, err := decodeFlag(v)
			if err != nil {
				return true
			}
			for _, r := range f.Reasons {
				if r.Evidence != "" {
					return true // fragments are never kept
				}
			}
			return f.Expired(now.Add(-24*time.Hour), p.Retention)
		},
	},
	{
		Bucket: "flag_by_message", What: "group and message id → the flag", Why: "so that a message flagged twice reaches the moderators once",
		HowLong: "erased with the flag",
	},
	{
		Bucket: "digests", What: "the flags gathered into one card during a burst (offers, or members posting in a flood), and that card's message id",
		Why: "to show a raid or a flood in a few cards", HowLong: "erased with its flags",
		Fields: []string{"id", "flag_ids", "kind", "card_chat_id", "card_message_id", "card_owed", "created_at"},
	},
	{
		Bucket: "outbox",
		What: "messages and actions the bot owes and has not carried out yet: the chat, the priority, the bot's own text " +
			"(an answer to a command, a charter, a notice; it may name members, as /attente and the closing notes do for moderators, " +
			"and an admission card's last edit shows what the moderators reviewed), or what to do and the ids it needs " +
			"(a message to delete, a person to decline or mute, the admission, flag or digest whose card to send, " +
			"rendered when it is sent, or whose decision to carry out), the attempts and dates",
		Why:     "so that what a change causes is recorded with it, survives a crash, and no handler waits for Telegram's pace",
		HowLong: "until Telegram accepted it (seconds), or refused it for good; passing failures are retried for a day at most",
		Fields:  []string{"update_id", "chat", "priority", "payload", "attempts", "not_before", "created_at"},
		Overdue: func(_, v []byte, now time.Time, _ Periods) bool {
			var e OutboxEntry
			return json.Unmarshal(v, &e) != nil || e.CreatedAt.Before(now.Add(-49*time.Hour))
		},
	},
	{
		Bucket:  "sanctions",
		What:    "warnings, bans, refusals to join (and whether as a dealer), with dates, keyed by an HMAC of the user id under a key derived from the key file (not the id itself)",
		Why:     "so that warnings add up, a banned dealer stays out of every group the bot serves, and a refused person gets at most one new card per `admission.retry_after`",
		HowLong: "kept (not erased by `/oubli`)",
		Fields:  []string{"warnings", "banned", "last", "dealer", "refusals", "last_refusal"},
	},
	{
		Bucket:  "checkins",
		What:    "for each check-in and group: when it was due, the message id, the variant, the answers counted by mood; while it is open, its own random key (sealed with the key file) and an HMAC of each member who answered under that key",
		Why:     "the aggregate under the message, each member counting once",
		HowLong: "key and member hashes: deleted one week after the check-in (claimed but never posted ones too); counts: kept",
		Fields: []string{"group", "key", "checkin", "state", "at", "message_id", "variant", "tally", "tally.counts", "tally.answers",
			"tally.forgotten", "tally_shown", "tally_owed", "answer_key"},
		Overdue: func(_, v []byte, now time.Time, p Periods) bool {
			var c CheckInPost
			if json.Unmarshal(v, &c) != nil {
				return true
			}
			return !now.Before(c.At.Add(p.CheckInOpen+time.Hour)) && (len(c.AnswerKey) != 0 || len(c.Tally.Answers) != 0)
		},
	},
	{
		Bucket: "prefs", What: "a member's chosen region for `/ressources`, under their user id", Why: "to show their region's resources",
		HowLong: "until `/oubli`", Fields: []string{"region"},
	},
	{
		Bucket: "ephemeral", What: "short group replies to delete later (chat and message ids, time)", Why: "tidy groups", HowLong: "minutes",
		Overdue: func(_, v []byte, now time.Time, _ Periods) bool {
			return len(v) != 8 || int64(binary.BigEndian.Uint64(v)) < now.Add(-time.Hour).Unix()
		},
	},
	{
		Bucket: "cards", What: "the place (chat and message id) and dates of each card a member asked for after a check-in; nothing that says whose",
		Why: "so that the retention job can clear the card in the moderators' chat", HowLong: "`retention_days` (default 30), then the card is cleared and the entry erased",
		Overdue: func(_, v []byte, now time.Time, _ Periods) bool {
			return len(v) != 16 || int64(binary.BigEndian.Uint64(v[8:])) < now.Add(-25*time.Hour).Unix()
		},
	},
	{
		Bucket: "updates", What: "ids of the Telegram updates already handled, with the time", Why: "so that an update Telegram sends again after a crash has no second effect",
		HowLong: "48 hours",
		Overdue: func(_, v []byte, now time.Time, p Periods) bool {
			return len(v) != 8 || int64(binary.BigEndian.Uint64(v)) < now.Add(-p.HandledMemory-25*time.Hour).Unix()
		},
	},
	{
		Bucket: "stats", What: "activity counts per ISO week and event kind (numbers only: no user id, no name, no text)",
		Why: "`/stats` and the reports to funders (`entrepairs stats --csv`)", HowLong: "as long as the file",
	},
	{
		Bucket: "learning",
		What:   "what the filter learned from moderators' decisions: per cell of the model's table a correction and a count, the cell's number encrypted with the deployment key; the number of decisions learned (no text, no user id, no date)",
		Why:    "so the filter makes fewer of the same mistakes in this group", HowLong: "until `entrepairs learning --reset`",
	},
}

// Elsewhere is what the bot leaves outside the data file, for the README.
var Elsewhere = []Kept{
	{
		Bucket: "key file", What: "`storage.key_file`: the deployment's secret key (32 random bytes, 0600)",
		Why: "keys the sanctions' hashes (and what screening learned), so that a copy of the data file alone links nothing to anyone", HowLong: "as long as the deployment",
	},
	{
		Bucket: "moderators' chat", What: "the cards: admission cards (pseudonym, @username, bio), flag cards (author, excerpt, reasons, reporter), alert cards after a check-in (pseudonym, mood, a contact link), notes and reminders (pseudonyms)",
		Why: "so moderators can decide and reach out",
		HowLong: "admission and flag cards are edited down to their outcome and date when the record's retention ends, and at once by `/oubli`; " +
			"alert cards are edited down to their date after `retention_days` (the data file does not link them to the member, so `/oubli` cannot find them); " +
			"one-line notes and reminders stay as Telegram keeps them: moderators may delete them",
	},
	{
		Bucket: "logs", What: "update ids, group ids, record ids (admission, flag, check-in), decisions with the moderator's user id, counts, errors; " +
			"a member's user id in a few cases (a tap on a stale or moderators-only button, the flood rule, a report over the limit, a private message Telegram refused)",
		Why: "to run and repair the bot", HowLong: "as your log system keeps them (set it to a few weeks); message text, names, @usernames, bios and moods are never logged, the token is masked",
	},
	{
		Bucket: "memory", What: "rate limits for reports and the flood rule, who already asked for a moderator after a check-in",
		Why: "to apply those rules", HowLong: "while the bot runs (at most a week)",
	},
}

// InventoryMarkdown renders the inventory as the README's table.
func InventoryMarkdown() string {
	var sb strings.Builder
	sb.WriteString("| Where | Data | Why | How long |\n|---|---|---|---|\n")
	for _, list := range [][]Kept{Inventory, Elsewhere} {
		for _, k := range list {
			where := "`" + k.Bucket + "`"
			if list[0].Bucket == Elsewhere[0].Bucket {
				where = k.Bucket
			}
			fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", where, k.What, k.Why, k.HowLong)
		}
	}
	return sb.String()
}

// Finding is a stored value that the inventory does not allow.
type Finding struct {
	Bucket, Key, Problem string
}

// Audit walks every bucket of the data file and reports each stored field
// that the inventory does not list, and each value kept past its time at
// now. A healthy file gives no finding.
func (s *Store) Audit(now time.Time, p Periods) ([]Finding, error) {
	var out []Finding
	byBucket := map[string][]Kept{}
	for _, k := range Inventory {
		byBucket[k.Bucket] = append(byBucket[k.Bucket], k)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			kinds, ok := byBucket[string(name)]
			if !ok {
				out = append(out, Finding{string(name), "", "bucket not in the inventory"})
				return nil
			}
			allowed := map[string]bool{}
			for _, k := range kinds {
				for _, f := range k.Fields {
					allowed[f] = true
				}
			}
			return b.ForEach(func(k, v []byte) error {
				key := fmt.Sprintf("%x", k)
				if v == nil {
					out = append(out, Finding{string(name), key, "nested bucket not in the inventory"})
					return nil
				}
				if len(allowed) > 0 {
					for _, f := range unknownFields(v, "", allowed) {
						out = append(out, Finding{string(name), key, "field " + f + " not in the inventory"})
					}
				}
				for _, kind := range kinds {
					if kind.Overdue != nil && kind.Overdue(k, v, now, p) {
						out = append(out, Finding{string(name), key, "kept past its time: " + kind.What})
					}
				}
				return nil
			})
		})
	})
	return out, err
}

// unknownFields lists the fields of a JSON object (and of the objects in
// it that the inventory names) that allowed does not hold.
func unknownFields(v []byte, prefix string, allowed map[string]bool) []string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) != nil {
		var list []json.RawMessage
		if json.Unmarshal(v, &list) == nil {
			var out []string
			for _, item := range list {
				out = append(out, unknownFields(item, prefix, allowed)...)
			}
			return out
		}
		if prefix == "" {
			return []string{"(not a JSON object)"}
		}
		return nil
	}
	var out []string
	for name, raw := range obj {
		full := name
		if prefix != "" {
			full = prefix + "." + name
		}
		if !allowed[full] {
			out = append(out, full)
			continue
		}
		if hasChildren(full, allowed) {
			out = append(out, unknownFields(raw, full, allowed)...)
		}
	}
	return out
}

// mapOfValues: these objects are maps whose keys are data (moods, member
// hashes), not field names.
func mapOfValues(field string) bool {
	return field == "tally.counts" || field == "tally.answers"
}

func hasChildren(field string, allowed map[string]bool) bool {
	if mapOfValues(field) {
		return false
	}
	for f := range allowed {
		if strings.HasPrefix(f, field+".") {
			return true
		}
	}
	return false
}
