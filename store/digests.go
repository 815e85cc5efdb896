package store

import (
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/review"
)

// AddToDigest adds flags to a recorded digest and points each to it, in one
// transaction; flags already in a digest or gone are left out. It returns
// the digest as it now stands.
func (s *Store) AddToDigest(id string, flagIDs []string) (*review.Digest, error) {
	var d review.Digest
	err := s.db.Update(func(tx *bolt.Tx) error {
		digests, flags := tx.Bucket(bucketDigests), tx.Bucket(bucketFlags)
		v := digests.Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		for _, fid := range flagIDs {
			fv := flags.Get([]byte(fid))
			if fv == nil || slices.Contains(d.FlagIDs, fid) {
				continue
			}
			f, err := decodeFlag(fv)
			if err != nil {
				return err
			}
			if f.DigestID != "" {
				continue
			}
			f.DigestID = d.ID
			if err := putJSON(flags, []byte(fid), f); err != nil {
				return err
			}
			d.FlagIDs = append(d.FlagIDs, fid)
		}
		return putJSON(digests, []byte(id), d)
	})
	if err != nil {
		return nil, fmt.Errorf("add to digest: %w", err)
	}
	return &d, nil
}

// UpdateFlags applies change to each flag in ids in one transaction and
// returns the flags it changed; a flag change refuses (an error) is left as
// it stands, and a flag gone is skipped. Setting hundreds of flood notices
// aside is then one commit, not hundreds.
func (s *Store) UpdateFlags(ids []string, change func(*review.Flag) error) ([]*review.Flag, error) {
	var out []*review.Flag
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFlags)
		for _, id := range ids {
			v := b.Get([]byte(id))
			if v == nil {
				continue
			}
			f, err := decodeFlag(v)
			if err != nil {
				return err
			}
			if change(f) != nil {
				continue
			}
			if err := putJSON(b, []byte(id), f); err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update flags: %w", err)
	}
	return out, nil
}
