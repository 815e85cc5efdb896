package store

import (
	"bytes"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/moderation"
)

func TestLearningIsKeptUnderTheDeploymentKey(t *testing.T) {
	dir := t.TempDir()
	key, err := LoadOrCreateKey(filepath.Join(dir, "entrepairs.key"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "bot.db")
	s, err := Open(path, Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	lesson := moderation.Lesson{7: {Delta: 0.25, Count: 1}, 123456: {Delta: -0.5, Count: 1}}
	for range 2 {
		if _, err := s.Learn(lesson); err != nil {
			t.Fatal(err)
		}
	}
	cells, n, err := s.Learned()
	if err != nil || n != 2 {
		t.Fatalf("learned %d decisions (%v), want 2", n, err)
	}
	if got := cells[7]; got.Count != 2 || got.Delta != 0.5 {
		t.Errorf("cell 7: %+v", got)
	}
	if got := cells[123456]; got.Count != 2 || got.Delta != -1 {
		t.Errorf("cell 123456: %+v", got)
	}
	// What the file holds: encrypted cell numbers and two numbers each.
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLearning).ForEach(func(k, v []byte) error {
			if bytes.Equal(k, keyLearnedCount) {
				return nil
			}
			if len(k) != 16 || len(v) != 8 || bytes.Contains(k, []byte("cell")) {
				t.Errorf("entry %x = %x is not an encrypted cell and its correction", k, v)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Without the key, or with another one, nothing links to a cell.
	other, err := LoadOrCreateKey(filepath.Join(dir, "other.key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{Key: other})
	if err != nil {
		t.Fatal(err)
	}
	if cells, _, err := s.Learned(); err != nil || len(cells) != 0 {
		t.Errorf("another key reads %d cells (%v)", len(cells), err)
	}
	if err := s.ResetLearning(); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := s.Learned(); n != 0 {
		t.Errorf("after reset: %d decisions", n)
	}
	s.Close()
	s, _ = Open(path, Options{})
	defer s.Close()
	if _, _, err := s.Learned(); err != ErrNoKey {
		t.Errorf("without a key: %v, want ErrNoKey", err)
	}
}
