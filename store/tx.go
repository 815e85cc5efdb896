package store

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/review"
)

// Tx is one read-write transaction of the data file, for a change that
// must be recorded together with the messages and actions it causes: a
// handler changes an admission or a flag and appends to the outbox what it
// owes (Owe) in one Write, so that a crash leaves both or neither.
//
// A Tx is valid only inside the function given to Write; values it
// returns are copies the caller may keep.
type Tx struct {
	tx *bolt.Tx
	s  *Store
}

// Write runs fn in one read-write transaction: everything fn wrote is on
// disk when Write returns nil, nothing of it when fn returns an error
// (returned as is, so that callers can test it with errors.Is).
func (s *Store) Write(fn func(*Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx, s: s}) })
}

// Owe appends entries to the outbox; they are sent once the transaction
// committed (see OutboxEntry).
func (t *Tx) Owe(entries ...OutboxEntry) error {
	return putOutbox(t.tx, entries)
}

// Admission returns the admission with this id, or ErrNotFound.
func (t *Tx) Admission(id string) (*admission.Admission, error) {
	v := t.tx.Bucket(bucketAdmissions).Get([]byte(id))
	if v == nil {
		return nil, ErrNotFound
	}
	return decodeAdmission(v)
}

// UpdateAdmission is Store.UpdateAdmission within t: an error from change
// is returned with the admission as it stands, and the caller's Write then
// writes nothing.
func (t *Tx) UpdateAdmission(id string, change func(*admission.Admission) error) (*admission.Admission, error) {
	a, err := t.Admission(id)
	if err != nil {
		return nil, err
	}
	if err := change(a); err != nil {
		return a, err
	}
	return a, putJSON(t.tx.Bucket(bucketAdmissions), []byte(id), a)
}

// OpenAdmission is Store.OpenAdmission within t.
func (t *Tx) OpenAdmission(a admission.Admission) (got *admission.Admission, created bool, err error) {
	adm, members := t.tx.Bucket(bucketAdmissions), t.tx.Bucket(bucketMembers)
	key := i64key(a.GroupID, a.UserID)
	if id := members.Get(key); id != nil {
		cur, err := decodeAdmission(adm.Get(id))
		if err == nil && cur.Open() {
			return cur, false, nil
		}
	}
	a.ID = newID()
	if err := putJSON(adm, []byte(a.ID), a); err != nil {
		return nil, false, err
	}
	if err := members.Put(key, []byte(a.ID)); err != nil {
		return nil, false, err
	}
	return &a, true, nil
}

// Flag returns the flag with this id, or ErrNotFound.
func (t *Tx) Flag(id string) (*review.Flag, error) {
	v := t.tx.Bucket(bucketFlags).Get([]byte(id))
	if v == nil {
		return nil, ErrNotFound
	}
	return decodeFlag(v)
}

// UpdateFlag is Store.UpdateFlag within t.
func (t *Tx) UpdateFlag(id string, change func(*review.Flag) error) (*review.Flag, error) {
	f, err := t.Flag(id)
	if err != nil {
		return nil, err
	}
	if err := change(f); err != nil {
		return f, err
	}
	return f, putJSON(t.tx.Bucket(bucketFlags), []byte(id), f)
}

// CreateDigest is Store.CreateDigest within t.
func (t *Tx) CreateDigest(d review.Digest) (*review.Digest, error) {
	d.ID = newID()
	flags := t.tx.Bucket(bucketFlags)
	for _, id := range d.FlagIDs {
		v := flags.Get([]byte(id))
		if v == nil {
			continue
		}
		f, err := decodeFlag(v)
		if err != nil {
			return nil, err
		}
		f.DigestID = d.ID
		if err := putJSON(flags, []byte(id), f); err != nil {
			return nil, err
		}
	}
	if err := putJSON(t.tx.Bucket(bucketDigests), []byte(d.ID), d); err != nil {
		return nil, err
	}
	return &d, nil
}

// UpdateDigest is Store.UpdateDigest within t.
func (t *Tx) UpdateDigest(id string, change func(*review.Digest) error) (*review.Digest, error) {
	b := t.tx.Bucket(bucketDigests)
	v := b.Get([]byte(id))
	if v == nil {
		return nil, ErrNotFound
	}
	var d review.Digest
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, err
	}
	if err := change(&d); err != nil {
		return &d, err
	}
	return &d, putJSON(b, []byte(id), d)
}

// Settle forgets an outbox entry (Telegram accepted it, or refused it for
// good) and, in the same transaction, records what follows from it (then
// may be nil): the message id of a card on its flag, say. Recording both
// at once keeps the window for a duplicate to one commit. An entry already
// forgotten is not an error; an error from then writes nothing and is
// returned (the caller may Settle again without it).
func (s *Store) Settle(seq uint64, then func(*Tx) error) error {
	err := s.Write(func(t *Tx) error {
		if b := t.tx.Bucket(bucketOutbox); b != nil {
			if err := b.Delete(u64(seq)); err != nil {
				return err
			}
		}
		if then == nil {
			return nil
		}
		return then(t)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("settle outbox entry %d: %w", seq, err)
	}
	return err
}
