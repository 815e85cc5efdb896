package store

import (
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/admission"
)

// OpenAdmission returns the open admission of user in group, or creates a
// new one from a when there is none. created tells which. It is atomic, so a
// join request delivered twice (or a newcomer seen both as a new chat member
// and as a chat member update) yields one admission.
func (s *Store) OpenAdmission(a admission.Admission) (got *admission.Admission, created bool, err error) {
	err = s.Write(func(t *Tx) error {
		got, created, err = t.OpenAdmission(a)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("open admission: %w", err)
	}
	return got, created, nil
}

// Admission returns the admission with this id, or ErrNotFound.
func (s *Store) Admission(id string) (*admission.Admission, error) {
	var a *admission.Admission
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAdmissions).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		var err error
		a, err = decodeAdmission(v)
		return err
	})
	return a, err
}

// LatestAdmission returns the most recent admission of user in group, or
// ErrNotFound.
func (s *Store) LatestAdmission(groupID, userID int64) (*admission.Admission, error) {
	var a *admission.Admission
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketMembers).Get(i64key(groupID, userID))
		if id == nil {
			return ErrNotFound
		}
		v := tx.Bucket(bucketAdmissions).Get(id)
		if v == nil {
			return ErrNotFound
		}
		var err error
		a, err = decodeAdmission(v)
		return err
	})
	return a, err
}

// UpdateAdmission applies change to the admission atomically and returns the
// result. When change returns an error nothing is written and the error is
// returned together with the admission as it stands, so the caller can tell
// the person what happened (for example who decided first).
func (s *Store) UpdateAdmission(id string, change func(*admission.Admission) error) (a *admission.Admission, err error) {
	err = s.Write(func(t *Tx) error {
		a, err = t.UpdateAdmission(id, change)
		return err
	})
	return a, err
}

// Admissions returns the admissions for which keep returns true, oldest
// request first.
func (s *Store) Admissions(keep func(*admission.Admission) bool) ([]*admission.Admission, error) {
	var out []*admission.Admission
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAdmissions).ForEach(func(_, v []byte) error {
			a, err := decodeAdmission(v)
			if err != nil {
				return err
			}
			if keep(a) {
				out = append(out, a)
			}
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].RequestedAt.Before(out[j].RequestedAt) })
	return out, err
}

func decodeAdmission(v []byte) (*admission.Admission, error) {
	var a admission.Admission
	if err := json.Unmarshal(v, &a); err != nil {
		return nil, fmt.Errorf("decode admission: %w", err)
	}
	return &a, nil
}

// DeleteAdmission erases an admission at once (a request that closed
// without the charter being accepted: nothing of it is needed any more).
func (s *Store) DeleteAdmission(id string) error {
	return s.Write(func(t *Tx) error { return t.DeleteAdmission(id) })
}

// DeleteAdmission is Store.DeleteAdmission within t.
func (t *Tx) DeleteAdmission(id string) error {
	adm, members := t.tx.Bucket(bucketAdmissions), t.tx.Bucket(bucketMembers)
	v := adm.Get([]byte(id))
	if v == nil {
		return ErrNotFound
	}
	a, err := decodeAdmission(v)
	if err != nil {
		return err
	}
	if cur := members.Get(i64key(a.GroupID, a.UserID)); string(cur) == id {
		if err := members.Delete(i64key(a.GroupID, a.UserID)); err != nil {
			return err
		}
	}
	return adm.Delete([]byte(id))
}
