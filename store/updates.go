package store

import (
	"encoding/binary"
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

// MarkHandled remembers that the update was handled, at now.
func (s *Store) MarkHandled(updateID int, now time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUpdates).Put(u64(uint64(updateID)), u64(uint64(now.Unix())))
	})
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
