package store

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/entrepairs/entrepairs/review"
)

// AddToDigest adds flags to a recorded digest and points each to it, in one
// transaction; flags already in a digest or gone are left out. It returns
// the digest as it now stands.
func (s *Store) AddToDigest(id string, flagIDs []string) (*review.Digest, error) {
	var d *review.Digest
	err := s.Write(func(t *Tx) error {
		var err error
		d, err = t.AddToDigest(id, flagIDs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("add to digest: %w", err)
	}
	return d, nil
}

// AddToDigest is Store.AddToDigest within t.
func (t *Tx) AddToDigest(id string, flagIDs []string) (*review.Digest, error) {
	var d review.Digest
	digests, flags := t.tx.Bucket(bucketDigests), t.tx.Bucket(bucketFlags)
	v := digests.Get([]byte(id))
	if v == nil {
		return nil, ErrNotFound
	}
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, err
	}
	for _, fid := range flagIDs {
		fv := flags.Get([]byte(fid))
		if fv == nil || slices.Contains(d.FlagIDs, fid) {
			continue
		}
		f, err := decodeFlag(fv)
		if err != nil {
			return nil, err
		}
		if f.DigestID != "" {
			continue
		}
		f.DigestID = d.ID
		if err := putJSON(flags, []byte(fid), f); err != nil {
			return nil, err
		}
		d.FlagIDs = append(d.FlagIDs, fid)
	}
	return &d, putJSON(digests, []byte(id), d)
}

// UpdateFlags applies change to each flag in ids in one transaction and
// returns the flags it changed; a flag change refuses (an error) is left as
// it stands, and a flag gone is skipped. Setting hundreds of flood notices
// aside is then one commit, not hundreds.
func (s *Store) UpdateFlags(ids []string, change func(*review.Flag) error) (out []*review.Flag, err error) {
	err = s.Write(func(t *Tx) error {
		out, err = t.UpdateFlags(ids, change)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update flags: %w", err)
	}
	return out, nil
}

// UpdateFlags is Store.UpdateFlags within t.
func (t *Tx) UpdateFlags(ids []string, change func(*review.Flag) error) ([]*review.Flag, error) {
	var out []*review.Flag
	b := t.tx.Bucket(bucketFlags)
	for _, id := range ids {
		v := b.Get([]byte(id))
		if v == nil {
			continue
		}
		f, err := decodeFlag(v)
		if err != nil {
			return nil, err
		}
		if change(f) != nil {
			continue
		}
		if err := putJSON(b, []byte(id), f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}
