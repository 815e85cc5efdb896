package store

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A file written before the deployment key held its sanctions salt in
// clear. Opening it with a key seals the salt with it: the warnings already
// counted keep their meaning, and the file alone no longer holds the salt.
func TestClearSaltMigratesOutOfTheDataFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.db")
	// The old layout: a clear salt in meta, sanctions keyed by it.
	old, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	salt := bytes.Repeat([]byte{3}, 32)
	old.salt = salt
	if err := old.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySalt, salt) }); err != nil {
		t.Fatal(err)
	}
	if _, err := old.AddWarning(4242, time.Now()); err != nil {
		t.Fatal(err)
	}
	old.Close()

	s, err := Open(path, Options{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if x, _ := s.SanctionsOf(4242); x.Warnings != 1 {
		t.Errorf("warnings after the migration: %d, want 1", x.Warnings)
	}
	_ = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta).Get(keySalt) != nil {
			t.Error("the clear salt is still in the data file")
		}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if bytes.Contains(v, salt) || bytes.Contains(k, salt) {
					t.Errorf("bucket %s still holds the salt", name)
				}
				return nil
			})
		})
	})
	s.Close()
	// Reopened: still the same sanctions; with another key, a clear error.
	s, err = Open(path, Options{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if x, _ := s.SanctionsOf(4242); x.Warnings != 1 {
		t.Errorf("warnings after a second open: %d", x.Warnings)
	}
	s.Close()
	if _, err := Open(path, Options{Key: bytes.Repeat([]byte{8}, KeySize)}); err == nil {
		t.Error("a wrong key file opened the migrated file")
	}
}

// A new file derives its sanctions key from the deployment key and stores
// no salt at all.
func TestNewFileHoldsNoSanctionsKey(t *testing.T) {
	s, _ := open(t)
	if _, err := s.AddWarning(4242, time.Now()); err != nil {
		t.Fatal(err)
	}
	_ = s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta.Get(keySalt) != nil || meta.Get(keySanctionsSealed) != nil {
			t.Error("a new data file holds a sanctions salt")
		}
		return nil
	})
	if bytes.Equal(s.salt, testKey) {
		t.Error("sanctions keyed by the deployment key itself, not a key derived for them")
	}
}

// Once a check-in is closed, the data file holds neither its key nor any
// value per member, and a late tap still counts.
func TestClosedCheckInKeepsCountsOnly(t *testing.T) {
	s, _ := open(t)
	p := CheckInPost{Group: -1, Key: "vendredi@2026-11-20", CheckIn: "vendredi", State: Posted}
	if _, err := s.ClaimCheckIn(p); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{42, 43, 44} {
		if _, err := s.AnswerCheckIn(-1, p.Key, id, "hard"); err != nil {
			t.Fatal(err)
		}
	}
	open, _ := s.CheckIn(-1, p.Key)
	if len(open.AnswerKey) == 0 || len(open.Tally.Answers) != 3 {
		t.Fatalf("open occurrence: %+v", open)
	}
	// While it is open, the key in the file is sealed: the file alone
	// cannot test a user id against the answers.
	if _, ok := open.Tally.Answers[answerToken(open.AnswerKey, 42)]; ok {
		t.Error("the data file alone links an answer to user 42")
	}
	if err := s.CloseCheckIn(-1, p.Key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AnswerCheckIn(-1, p.Key, 45, "good"); err != nil {
		t.Fatal(err)
	}
	_ = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCheckIns).Get(checkInKey(-1, p.Key))
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(v, &raw); err != nil {
			t.Fatal(err)
		}
		if _, ok := raw["answer_key"]; ok {
			t.Errorf("the occurrence's key outlived it: %s", v)
		}
		var tally map[string]json.RawMessage
		_ = json.Unmarshal(raw["tally"], &tally)
		if _, ok := tally["answers"]; ok {
			t.Errorf("per-member answers outlived the occurrence: %s", v)
		}
		for _, id := range []int64{42, 43, 44, 45} {
			if bytes.Contains(v, []byte(strconv.FormatInt(id, 10))) {
				t.Errorf("user id %d in the record: %s", id, v)
			}
		}
		return nil
	})
	got, _ := s.CheckIn(-1, p.Key)
	if got.Tally.Counts["hard"] != 3 || got.Tally.Counts["good"] != 1 {
		t.Errorf("counts after closing: %v", got.Tally.Counts)
	}
}
