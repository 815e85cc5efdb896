package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/checkin"
)

// CheckInState is where one occurrence of a check-in stands in one group.
type CheckInState string

const (
	// Claimed: the bot decided to post and wrote it down before posting.
	// A crash right after leaves it claimed, and a claimed occurrence is
	// never posted again: a check-in missing once is better than twice.
	Claimed CheckInState = "claimed"
	Posted  CheckInState = "posted"
	Skipped CheckInState = "skipped"
)

// CheckInPost is the record of one occurrence in one group.
type CheckInPost struct {
	Group     int64         `json:"group"`
	Key       string        `json:"key"`
	CheckIn   string        `json:"checkin"`
	State     CheckInState  `json:"state"`
	At        time.Time     `json:"at"`
	MessageID int           `json:"message_id,omitempty"`
	Variant   int           `json:"variant"`
	Tally     checkin.Tally `json:"tally"`
	// TallyShown is the total last written under the message, so the
	// aggregate is edited only when it changed.
	TallyShown int `json:"tally_shown"`
	// TallyOwed: an edit of the message to show the tally is in the
	// outbox. One at a time per message: it shows the tally as it is
	// when it is sent, so answers meanwhile owe nothing more.
	TallyOwed bool `json:"tally_owed,omitempty"`
	// AnswerKey is this occurrence's own random key, sealed with the
	// deployment key (outside the data file): the tally tells members
	// apart by an HMAC of their user id under it, so that each counts
	// once. It exists only while the occurrence is open; CloseCheckIn
	// deletes it with the hashes, and the counts alone stay.
	AnswerKey []byte `json:"answer_key,omitempty"`
}

// Open reports whether the occurrence still tells its members apart.
func (p *CheckInPost) Open() bool { return !p.Tally.Forgotten }

func checkInKey(group int64, key string) []byte {
	return []byte(strconv.FormatInt(group, 10) + "|" + key)
}

// ClaimCheckIn records that the occurrence is about to be posted (or
// skipped) in the group. It returns false when the occurrence was already
// claimed, posted or skipped: the caller must then do nothing.
func (s *Store) ClaimCheckIn(p CheckInPost) (bool, error) {
	claimed := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCheckIns)
		k := checkInKey(p.Group, p.Key)
		if b.Get(k) != nil {
			return nil
		}
		claimed = true
		return putJSON(b, k, p)
	})
	return claimed, err
}

// CheckInHandled reports whether the occurrence was claimed in the group.
func (s *Store) CheckInHandled(group int64, key string) (bool, error) {
	var seen bool
	err := s.db.View(func(tx *bolt.Tx) error {
		seen = tx.Bucket(bucketCheckIns).Get(checkInKey(group, key)) != nil
		return nil
	})
	return seen, err
}

// CheckIn returns the record of an occurrence in a group, or ErrNotFound.
func (s *Store) CheckIn(group int64, key string) (*CheckInPost, error) {
	var p CheckInPost
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCheckIns).Get(checkInKey(group, key))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &p)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateCheckIn applies change atomically.
func (s *Store) UpdateCheckIn(group int64, key string, change func(*CheckInPost) error) (*CheckInPost, error) {
	var p *CheckInPost
	err := s.Write(func(t *Tx) error {
		var err error
		p, err = t.UpdateCheckIn(group, key, change)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CheckIn is Store.CheckIn within t.
func (t *Tx) CheckIn(group int64, key string) (*CheckInPost, error) {
	v := t.tx.Bucket(bucketCheckIns).Get(checkInKey(group, key))
	if v == nil {
		return nil, ErrNotFound
	}
	var p CheckInPost
	if err := json.Unmarshal(v, &p); err != nil {
		return nil, fmt.Errorf("decode check-in: %w", err)
	}
	return &p, nil
}

// UpdateCheckIn is Store.UpdateCheckIn within t.
func (t *Tx) UpdateCheckIn(group int64, key string, change func(*CheckInPost) error) (*CheckInPost, error) {
	var p CheckInPost
	b := t.tx.Bucket(bucketCheckIns)
	k := checkInKey(group, key)
	v := b.Get(k)
	if v == nil {
		return nil, ErrNotFound
	}
	if err := json.Unmarshal(v, &p); err != nil {
		return nil, fmt.Errorf("decode check-in: %w", err)
	}
	if err := change(&p); err != nil {
		return nil, err
	}
	if err := putJSON(b, k, p); err != nil {
		return nil, err
	}
	return &p, nil
}

// CheckIns returns every check-in record for which keep is true.
func (s *Store) CheckIns(keep func(*CheckInPost) bool) ([]*CheckInPost, error) {
	var out []*CheckInPost
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCheckIns).ForEach(func(_, v []byte) error {
			var p CheckInPost
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			if keep(&p) {
				out = append(out, &p)
			}
			return nil
		})
	})
	return out, err
}

// answerToken is the member's stand-in in one occurrence's tally: an HMAC
// of the user id under the occurrence's own key, which differs from one
// occurrence to the next, so tallies cannot be joined with each other nor
// with sanctions.
func answerToken(key []byte, userID int64) string {
	m := hmac.New(sha256.New, key)
	m.Write(u64(uint64(userID)))
	return fmt.Sprintf("%x", m.Sum(nil)[:16])
}

// CheckInAnswer is what AnswerCheckIn did: the record after the answer,
// and the member's previous answer in it (had false for a first answer).
type CheckInAnswer struct {
	Post *CheckInPost
	Old  checkin.Mood
	Had  bool
}

// AnswerCheckIn counts the member's answer to an open or closed
// occurrence (a skipped one is ErrNotFound: it was never shown).
func (s *Store) AnswerCheckIn(group int64, key string, userID int64, m checkin.Mood) (CheckInAnswer, error) {
	var out CheckInAnswer
	err := s.Write(func(t *Tx) error {
		var err error
		out, err = t.AnswerCheckIn(group, key, userID, m)
		return err
	})
	return out, err
}

// AnswerCheckIn is Store.AnswerCheckIn within t: the answer and what it
// causes (the tally's edit, help in private) in one transaction.
func (t *Tx) AnswerCheckIn(group int64, key string, userID int64, m checkin.Mood) (CheckInAnswer, error) {
	var out CheckInAnswer
	p, err := t.UpdateCheckIn(group, key, func(x *CheckInPost) error {
		// Claimed counts too: the message is visible as soon as Telegram
		// accepted it, a moment before the record says posted.
		if x.State == Skipped {
			return ErrNotFound
		}
		token := ""
		if x.Open() {
			key, err := t.s.answerKey(x)
			if err != nil {
				return err
			}
			token = answerToken(key, userID)
		}
		out.Old, out.Had = x.Tally.Answers[token]
		x.Tally.Answer(token, m)
		return nil
	})
	out.Post = p
	return out, err
}

// answerKey returns the occurrence's key, creating it (sealed) at the
// first answer. Without a deployment key (tools, tests) it is kept as is.
func (s *Store) answerKey(p *CheckInPost) ([]byte, error) {
	if len(p.AnswerKey) != 0 {
		if len(s.key) == 0 {
			return p.AnswerKey, nil
		}
		return unseal(s.key, p.AnswerKey, "checkin")
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	p.AnswerKey = key
	if len(s.key) != 0 {
		sealed, err := seal(s.key, key, "checkin")
		if err != nil {
			return nil, err
		}
		p.AnswerKey = sealed
	}
	return key, nil
}

// CloseCheckIn keeps only the counts of an occurrence: its key and who
// answered are deleted, after which nothing links an answer to anyone.
func (s *Store) CloseCheckIn(group int64, key string) error {
	_, err := s.UpdateCheckIn(group, key, func(x *CheckInPost) error {
		x.Tally.Forget()
		x.AnswerKey = nil
		return nil
	})
	return err
}

// Prefs are a member's choices that the bot remembers.
type Prefs struct {
	Region string `json:"region,omitempty"`
}

// PrefsOf returns the member's preferences (zero when none).
func (s *Store) PrefsOf(userID int64) (Prefs, error) {
	var p Prefs
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketPrefs).Get(u64(uint64(userID))); v != nil {
			return json.Unmarshal(v, &p)
		}
		return nil
	})
	return p, err
}

// SetPrefs stores the member's preferences.
func (s *Store) SetPrefs(userID int64, p Prefs) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketPrefs), u64(uint64(userID)), p)
	})
}

// Ephemeral remembers a bot message to delete at a given time (short group
// replies that only point to the private chat), so that a restart does not
// leave them in the group.
func (s *Store) Ephemeral(chatID int64, msgID int, deleteAt time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEphemeral).Put(i64key(chatID, int64(msgID)), u64(uint64(deleteAt.Unix())))
	})
}

// Ephemeral is Store.Ephemeral within t (the note's message id recorded
// in the transaction that forgets its owed entry).
func (t *Tx) Ephemeral(chatID int64, msgID int, deleteAt time.Time) error {
	return t.tx.Bucket(bucketEphemeral).Put(i64key(chatID, int64(msgID)), u64(uint64(deleteAt.Unix())))
}

// DropEphemeral is Store.DropEphemeral within t (with the deletion owed).
func (t *Tx) DropEphemeral(chatID int64, msgID int) error {
	return t.tx.Bucket(bucketEphemeral).Delete(i64key(chatID, int64(msgID)))
}

// DueEphemeral returns the messages whose time is up, as (chat, message).
func (s *Store) DueEphemeral(now time.Time) ([][2]int64, error) {
	var out [][2]int64
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEphemeral).ForEach(func(k, v []byte) error {
			if int64(binary.BigEndian.Uint64(v)) <= now.Unix() {
				out = append(out, [2]int64{int64(binary.BigEndian.Uint64(k)), int64(binary.BigEndian.Uint64(k[8:]))})
			}
			return nil
		})
	})
	return out, err
}

// DropEphemeral forgets a message once deleted.
func (s *Store) DropEphemeral(chatID int64, msgID int) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEphemeral).Delete(i64key(chatID, int64(msgID)))
	})
}
