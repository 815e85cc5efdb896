package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Activity counters: per ISO week and name (see package stats), a number.
// Nothing else: no user id, no text. The key is week|name so that a week's
// counters are one prefix scan and weeks sort in time order.

// Count adds n (which may be negative) to the counter name of week. A
// counter never goes below zero: a member who moves an answer counted in a
// week that the bot no longer has (a data file restored from a backup) must
// not wrap it round.
func (s *Store) Count(week, name string, n int) error {
	if week == "" || strings.Contains(week, "|") || name == "" || strings.Contains(name, "|") {
		return fmt.Errorf("count %q in week %q: invalid name", name, week)
	}
	// Batch: counts from handlers running together share one commit (the
	// function may run twice if another in its batch fails; it only
	// touches tx, so the count stays single).
	err := s.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStats)
		key := []byte(week + "|" + name)
		var cur uint64
		if v := b.Get(key); len(v) == 8 {
			cur = binary.BigEndian.Uint64(v)
		}
		switch {
		case n >= 0:
			cur += uint64(n)
		case uint64(-n) > cur:
			cur = 0
		default:
			cur -= uint64(-n)
		}
		return b.Put(key, u64(cur))
	})
	if err != nil {
		return fmt.Errorf("count %s: %w", name, err)
	}
	return nil
}

// Weeks returns the weeks that have at least one counter, oldest first.
func (s *Store) Weeks() ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStats)
		if b == nil {
			return nil // a file from before the counters, opened read-only
		}
		c := b.Cursor()
		for k, _ := c.First(); k != nil; {
			week, _, ok := bytes.Cut(k, []byte("|"))
			if !ok {
				k, _ = c.Next()
				continue
			}
			out = append(out, string(week))
			// Jump past this week's counters: '|'+1 is '}'.
			k, _ = c.Seek(append(append([]byte(nil), week...), '}'))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// Counters returns the counters of week by name; an empty map when the week
// has none.
func (s *Store) Counters(week string) (map[string]uint64, error) {
	out := map[string]uint64{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStats)
		if b == nil {
			return nil
		}
		prefix := []byte(week + "|")
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(v) == 8 {
				out[string(k[len(prefix):])] = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	return out, err
}
