package store

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/moderation"
)

// What the bot learns from moderators' decisions (see moderation/learn.go)
// is kept per cell of the screening model's hashed feature table: a small
// correction and a count, never a word. The cell number itself is stored
// only encrypted with the deployment's key (AES on one block), which lives
// in its own file (storage.key_file), so the data file alone does not even
// tell which cells were corrected. Someone holding both files learns which
// cells moved, and, since the hashing is public, which common words fall in
// those cells: no message, no author, no date.

var (
	bucketLearning  = []byte("learning")
	keyLearnedCount = []byte("learned_decisions")
)

// ErrNoKey is returned by the learning methods of a store opened without
// the deployment's key (Options.Key): learning is then off.
var ErrNoKey = errors.New("no deployment key: learning from decisions is off")

// cellCipher returns the block cipher that hides cell numbers.
func (s *Store) cellCipher() (cipher.Block, error) {
	if len(s.key) != KeySize {
		return nil, ErrNoKey
	}
	return aes.NewCipher(s.key[:16])
}

func cellKey(c cipher.Block, cell uint32) []byte {
	var plain, out [aes.BlockSize]byte
	copy(plain[:], "cell")
	binary.BigEndian.PutUint32(plain[12:], cell)
	c.Encrypt(out[:], plain[:])
	return out[:]
}

func keyCell(c cipher.Block, key []byte) (uint32, bool) {
	if len(key) != aes.BlockSize {
		return 0, false
	}
	var plain [aes.BlockSize]byte
	c.Decrypt(plain[:], key)
	if string(plain[:4]) != "cell" {
		return 0, false // written with another key
	}
	return binary.BigEndian.Uint32(plain[12:]), true
}

func encodeCell(st moderation.CellStat) []byte {
	v := make([]byte, 8)
	binary.BigEndian.PutUint32(v, math.Float32bits(st.Delta))
	binary.BigEndian.PutUint32(v[4:], st.Count)
	return v
}

func decodeCell(v []byte) (moderation.CellStat, bool) {
	if len(v) != 8 {
		return moderation.CellStat{}, false
	}
	return moderation.CellStat{Delta: math.Float32frombits(binary.BigEndian.Uint32(v)), Count: binary.BigEndian.Uint32(v[4:])}, true
}

// Learn records one moderator decision's lesson and returns the number of
// decisions learned so far.
func (s *Store) Learn(l moderation.Lesson) (int, error) {
	c, err := s.cellCipher()
	if err != nil {
		return 0, err
	}
	var n uint64
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketLearning)
		if err != nil {
			return err
		}
		cur := make(map[uint32]moderation.CellStat, len(l))
		for cell := range l {
			if st, ok := decodeCell(b.Get(cellKey(c, cell))); ok {
				cur[cell] = st
			}
		}
		for _, cell := range l.Apply(cur) {
			if err := b.Put(cellKey(c, cell), encodeCell(cur[cell])); err != nil {
				return err
			}
		}
		if v := b.Get(keyLearnedCount); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		n++
		return b.Put(keyLearnedCount, u64(n))
	})
	return int(n), err
}

// Learned returns every corrected cell and the number of decisions
// learned. Entries written under another key are skipped.
func (s *Store) Learned() (map[uint32]moderation.CellStat, int, error) {
	c, err := s.cellCipher()
	if err != nil {
		return nil, 0, err
	}
	out := map[uint32]moderation.CellStat{}
	var n uint64
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLearning)
		if b == nil {
			return nil
		}
		if v := b.Get(keyLearnedCount); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		return b.ForEach(func(k, v []byte) error {
			cell, ok := keyCell(c, k)
			st, ok2 := decodeCell(v)
			if ok && ok2 {
				out[cell] = st
			}
			return nil
		})
	})
	return out, int(n), err
}

// ResetLearning forgets everything learned from moderators' decisions.
func (s *Store) ResetLearning() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketLearning) == nil {
			return nil
		}
		return tx.DeleteBucket(bucketLearning)
	})
}
