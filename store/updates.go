package store

import (
	"encoding/binary"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Handled reports whether the update with this id was already handled.
// Telegram redelivers updates whose receipt was not confirmed before a crash;
// their side effects must happen once.
func (s *Store) Handled(updateID int) (bool, error) {
	var seen bool
	err := s.db.View(func(tx *bolt.Tx) error {
		seen = tx.Bucket(bucketUpdates).Get(u64(uint64(updateID))) != nil
		return nil
	})
	return seen, err
}

// MarkHandled remembers that the update was handled, at now. It returns
// once the mark is on disk.
//
// Every update is marked, and a bbolt commit costs two fsyncs, which made
// the ledger the bot's bottleneck (about 1,200 updates a second). Calls made
// while a commit is under way are therefore written together by the next
// one: a group commit, with no added delay when the bot is idle, and the
// same guarantee for each caller as a transaction of its own.
func (s *Store) MarkHandled(updateID int, now time.Time) error {
	return s.MarkHandledWith(updateID, now, nil)
}

// MarkHandledWith is MarkHandled that also records, in the same
// transaction, the messages the update's handling owes (see OutboxEntry):
// once it returns, the update may be confirmed to Telegram, and a crash
// loses neither the mark nor the messages.
func (s *Store) MarkHandledWith(updateID int, now time.Time, out []OutboxEntry) error {
	q := &s.ledger
	q.mu.Lock()
	if q.next == nil {
		q.next = &ledgerRound{done: make(chan struct{})}
	}
	mine := q.next
	mine.marks = append(mine.marks, [2]uint64{uint64(updateID), uint64(now.Unix())})
	mine.out = append(mine.out, out...)
	if q.writing {
		// The caller writing now will write this round next.
		q.mu.Unlock()
		<-mine.done
		return mine.err
	}
	q.writing = true
	for q.next != nil {
		r := q.next
		q.next = nil
		q.mu.Unlock()
		r.err = s.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketUpdates)
			for _, m := range r.marks {
				if err := b.Put(u64(m[0]), u64(m[1])); err != nil {
					return err
				}
			}
			return putOutbox(tx, r.out)
		})
		close(r.done)
		q.mu.Lock()
	}
	q.writing = false
	q.mu.Unlock()
	return mine.err
}

// ledgerQueue is the group commit of MarkHandled: marks wait in next while
// one caller writes.
type ledgerQueue struct {
	mu      sync.Mutex
	writing bool
	next    *ledgerRound
}

// ledgerRound is the marks written by one transaction.
type ledgerRound struct {
	marks [][2]uint64 // update id, unix time
	out   []OutboxEntry
	err   error
	done  chan struct{} // closed once written (or failed: err)
}

// PruneHandled forgets updates handled before the given time. Telegram keeps
// unconfirmed updates for 24 hours, so older ids can never come back.
func (s *Store) PruneHandled(before time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		// Collect first: deleting under a moving cursor skips keys.
		b := tx.Bucket(bucketUpdates)
		var old [][]byte
		err := b.ForEach(func(k, v []byte) error {
			if int64(binary.BigEndian.Uint64(v)) < before.Unix() {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	return n, err
}
