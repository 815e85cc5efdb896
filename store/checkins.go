package store

import (
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
}

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
	var p CheckInPost
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCheckIns)
		k := checkInKey(group, key)
		v := b.Get(k)
		if v == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode check-in: %w", err)
		}
		if err := change(&p); err != nil {
			return err
		}
		return putJSON(b, k, p)
	})
	if err != nil {
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

// MemberToken is an opaque, stable stand-in for a user id (a salted hash),
// for records that must tell members apart without knowing who they are.
func (s *Store) MemberToken(userID int64) string {
	return fmt.Sprintf("%x", s.memberKey(userID))
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
