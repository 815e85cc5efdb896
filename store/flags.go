package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/review"
)

// CreateFlag stores a new flag, unless the same message is already flagged:
// then the existing flag is returned with created false (a message both
// screened and reported, or edited, reaches the moderators once). A
// message whose flag the moderators set aside is flagged again
// (review.Reopened): the new flag points to the earlier one.
func (s *Store) CreateFlag(f review.Flag) (got *review.Flag, created bool, err error) {
	// Batch: a raid or a flood raises flags from many handlers at once,
	// and they share commits. The function may run again if another in its
	// batch fails: it sets got and created afresh each time.
	err = s.db.Batch(func(tx *bolt.Tx) error {
		got, created = nil, false
		flags, index := tx.Bucket(bucketFlags), tx.Bucket(bucketFlagIndex)
		var key []byte
		if f.MessageID != 0 {
			key = i64key(f.GroupID, int64(f.MessageID))
			if id := index.Get(key); id != nil {
				if v := flags.Get(id); v != nil {
					cur, err := decodeFlag(v)
					if err != nil {
						return err
					}
					if !review.Reopened(cur) {
						got = cur
						return nil
					}
					f.Reopens, f.ReopensDecider = cur.ID, cur.DecidedByName
				}
			}
		}
		f.ID = newID()
		if err := putJSON(flags, []byte(f.ID), f); err != nil {
			return err
		}
		if key != nil {
			if err := index.Put(key, []byte(f.ID)); err != nil {
				return err
			}
		}
		got, created = &f, true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("create flag: %w", err)
	}
	return got, created, nil
}

// Flag returns the flag with this id, or ErrNotFound.
func (s *Store) Flag(id string) (*review.Flag, error) {
	var f *review.Flag
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketFlags).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		var err error
		f, err = decodeFlag(v)
		return err
	})
	return f, err
}

// UpdateFlag applies change atomically; an error from change writes nothing
// and is returned with the flag as it stands.
func (s *Store) UpdateFlag(id string, change func(*review.Flag) error) (*review.Flag, error) {
	var f *review.Flag
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFlags)
		v := b.Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		var err error
		if f, err = decodeFlag(v); err != nil {
			return err
		}
		if err := change(f); err != nil {
			return err
		}
		return putJSON(b, []byte(id), f)
	})
	return f, err
}

// Flags returns the flags for which keep returns true, oldest first.
func (s *Store) Flags(keep func(*review.Flag) bool) ([]*review.Flag, error) {
	var out []*review.Flag
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFlags).ForEach(func(_, v []byte) error {
			f, err := decodeFlag(v)
			if err != nil {
				return err
			}
			if keep(f) {
				out = append(out, f)
			}
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}

// PurgeFlags erases the flags for which expired returns true (decided and
// kept long enough), excerpt included, and the digests left empty.
func (s *Store) PurgeFlags(expired func(*review.Flag) bool) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		flags, index, digests := tx.Bucket(bucketFlags), tx.Bucket(bucketFlagIndex), tx.Bucket(bucketDigests)
		var gone []*review.Flag
		err := flags.ForEach(func(_, v []byte) error {
			f, err := decodeFlag(v)
			if err != nil {
				return err
			}
			if expired(f) {
				gone = append(gone, f)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, f := range gone {
			if err := flags.Delete([]byte(f.ID)); err != nil {
				return err
			}
			if f.MessageID != 0 {
				if err := index.Delete(i64key(f.GroupID, int64(f.MessageID))); err != nil {
					return err
				}
			}
			if f.DigestID != "" {
				if err := digests.Delete([]byte(f.DigestID)); err != nil {
					return err
				}
			}
		}
		n = len(gone)
		return nil
	})
	return n, err
}

// CreateDigest stores a digest of flags and points each flag to it.
func (s *Store) CreateDigest(d review.Digest) (*review.Digest, error) {
	var got *review.Digest
	err := s.Write(func(t *Tx) error {
		var err error
		got, err = t.CreateDigest(d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create digest: %w", err)
	}
	return got, nil
}

// Digest returns the digest with this id, or ErrNotFound.
func (s *Store) Digest(id string) (*review.Digest, error) {
	var d review.Digest
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketDigests).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &d)
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// UpdateDigest applies change atomically.
func (s *Store) UpdateDigest(id string, change func(*review.Digest) error) (*review.Digest, error) {
	var d review.Digest
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDigests)
		v := b.Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		if err := change(&d); err != nil {
			return err
		}
		return putJSON(b, []byte(id), d)
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// Sanctions are what stays about a member after they ask to be forgotten:
// warnings and bans, keyed by a salted hash of the user id, so that a
// banned dealer cannot erase their way back in.
type Sanctions struct {
	Warnings int       `json:"warnings"`
	Banned   bool      `json:"banned,omitempty"`
	Last     time.Time `json:"last"`
	// Dealer: refused as a dealer by a moderator.
	Dealer bool `json:"dealer,omitempty"`
	// Refusals counts the requests to join a moderator refused, so that a
	// refused person puts at most one card per admission.retry_after in
	// front of the moderators and the next card shows the earlier ones.
	Refusals    int       `json:"refusals,omitempty"`
	LastRefusal time.Time `json:"last_refusal,omitzero"`
}

// Record is what the admission gate needs of the sanctions.
func (x Sanctions) Record() admission.Record {
	return admission.Record{Banned: x.Banned, Dealer: x.Dealer, Refusals: x.Refusals, LastRefusal: x.LastRefusal}
}

// AddRefusal records that a moderator refused the person's request to
// join, as a dealer or not.
func (s *Store) AddRefusal(userID int64, dealer bool, now time.Time) error {
	_, err := s.updateSanctions(userID, func(x *Sanctions) {
		x.Refusals++
		x.LastRefusal = now
		x.Dealer = x.Dealer || dealer
		x.Last = now
	})
	return err
}

func (s *Store) memberKey(userID int64) []byte {
	m := hmac.New(sha256.New, s.salt)
	m.Write(u64(uint64(userID)))
	return m.Sum(nil)[:16]
}

// AddWarning counts a warning for the member and returns the new count.
func (s *Store) AddWarning(userID int64, now time.Time) (int, error) {
	var n int
	_, err := s.updateSanctions(userID, func(x *Sanctions) {
		x.Warnings++
		x.Last = now
		n = x.Warnings
	})
	return n, err
}

// AddBan records that the member was banned.
func (s *Store) AddBan(userID int64, now time.Time) error {
	_, err := s.updateSanctions(userID, func(x *Sanctions) {
		x.Banned = true
		x.Last = now
	})
	return err
}

// SanctionsOf returns the member's warnings and ban (zero when none).
func (s *Store) SanctionsOf(userID int64) (Sanctions, error) {
	var x Sanctions
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketSanctions).Get(s.memberKey(userID)); v != nil {
			return json.Unmarshal(v, &x)
		}
		return nil
	})
	return x, err
}

func (s *Store) updateSanctions(userID int64, change func(*Sanctions)) (Sanctions, error) {
	var x Sanctions
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSanctions)
		key := s.memberKey(userID)
		if v := b.Get(key); v != nil {
			if err := json.Unmarshal(v, &x); err != nil {
				return err
			}
		}
		change(&x)
		return putJSON(b, key, x)
	})
	return x, err
}

func decodeFlag(v []byte) (*review.Flag, error) {
	var f review.Flag
	if err := json.Unmarshal(v, &f); err != nil {
		return nil, fmt.Errorf("decode flag: %w", err)
	}
	return &f, nil
}
