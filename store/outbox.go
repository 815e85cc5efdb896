package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketOutbox holds the messages the bot owes someone and has not sent
// yet, keyed by a sequence number (big-endian, so in order). It is created
// by the first write: a data file from before it reads as an empty outbox.
var bucketOutbox = []byte("outbox")

// OutboxEntry is one message the bot owes: recorded in the transaction that
// records the change it comes from, deleted once Telegram accepted it (or
// refused it for good). What it says is the bot's own text (a charter, an
// answer to a command): Payload is opaque here, the bot's encoding.
type OutboxEntry struct {
	// Seq orders entries and names one; set by the store.
	Seq uint64 `json:"-"`
	// UpdateID is the update that caused the message (0: the sweep), for
	// the logs.
	UpdateID int   `json:"update_id,omitempty"`
	Chat     int64 `json:"chat"`
	// Priority is the outbox.Priority to send it with.
	Priority int             `json:"priority"`
	Payload  json.RawMessage `json:"payload"`
	// Attempts counts the times sending it failed for a passing reason;
	// NotBefore is when to try again.
	Attempts  int       `json:"attempts,omitempty"`
	NotBefore time.Time `json:"not_before,omitzero"`
	CreatedAt time.Time `json:"created_at"`
}

// putOutbox appends entries to the outbox within tx.
func putOutbox(tx *bolt.Tx, entries []OutboxEntry) error {
	if len(entries) == 0 {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketOutbox)
	if err != nil {
		return err
	}
	for _, e := range entries {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := putJSON(b, u64(seq), e); err != nil {
			return err
		}
	}
	return nil
}

// Enqueue records messages owed outside an update (the sweep, a file
// reload): they are on disk when it returns.
func (s *Store) Enqueue(entries ...OutboxEntry) error {
	if err := s.db.Update(func(tx *bolt.Tx) error { return putOutbox(tx, entries) }); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

// Outbox returns the entries waiting, oldest first, at most limit of them
// (0: all).
func (s *Store) Outbox(limit int) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var e OutboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("outbox entry %x: %w", k, err)
			}
			e.Seq = beUint64(k)
			out = append(out, e)
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// Sent forgets an entry: Telegram accepted it, or refused it for good.
func (s *Store) Sent(seq uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketOutbox); b != nil {
			return b.Delete(u64(seq))
		}
		return nil
	})
}

// Postpone records a failed attempt and when to try the entry again.
func (s *Store) Postpone(seq uint64, attempts int, notBefore time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get(u64(seq))
		if v == nil {
			return ErrNotFound
		}
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		e.Attempts, e.NotBefore = attempts, notBefore
		return putJSON(b, u64(seq), e)
	})
}

func beUint64(k []byte) uint64 {
	var n uint64
	for _, c := range k {
		n = n<<8 | uint64(c)
	}
	return n
}
