package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/review"
)

// Erased counts what Forget removed, for the member's confirmation and the log.
type Erased struct {
	Admissions int // requests to join
	Flags      int // decided flags about their messages
	Reports    int // reports they made, made anonymous
	Answers    int // check-in answers de-identified
	Prefs      bool
}

// Forget erases what the bot keeps about a member, at their request:
// requests to join, preferences, decided flags about their messages, their
// name on reports they made, and the link between them and their check-in
// answers (the counts stay). Sanctions stay, keyed by a salted hash of the
// user id, so that a banned dealer cannot erase their way back in; and a
// flag still waiting for a moderator stays until it is decided, since the
// moderators must be able to review it.
func (s *Store) Forget(userID int64) (Erased, error) {
	var e Erased
	err := s.db.Update(func(tx *bolt.Tx) error {
		adm, members := tx.Bucket(bucketAdmissions), tx.Bucket(bucketMembers)
		var admKeys [][]byte
		err := adm.ForEach(func(k, v []byte) error {
			var a admission.Admission
			if err := json.Unmarshal(v, &a); err == nil && a.UserID == userID {
				admKeys = append(admKeys, append([]byte(nil), k...))
				if err := members.Delete(i64key(a.GroupID, a.UserID)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range admKeys {
			if err := adm.Delete(k); err != nil {
				return err
			}
		}
		e.Admissions = len(admKeys)

		flags, index := tx.Bucket(bucketFlags), tx.Bucket(bucketFlagIndex)
		var drop []*review.Flag
		var rewrite []*review.Flag
		err = flags.ForEach(func(_, v []byte) error {
			f, err := decodeFlag(v)
			if err != nil {
				return nil
			}
			switch {
			case f.UserID == userID && f.Decided():
				drop = append(drop, f)
			case f.ReporterID == userID:
				f.ReporterID, f.ReporterName = 0, ""
				rewrite = append(rewrite, f)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, f := range drop {
			if err := flags.Delete([]byte(f.ID)); err != nil {
				return err
			}
			if f.MessageID != 0 {
				if err := index.Delete(i64key(f.GroupID, int64(f.MessageID))); err != nil {
					return err
				}
			}
		}
		for _, f := range rewrite {
			if err := putJSON(flags, []byte(f.ID), f); err != nil {
				return err
			}
		}
		e.Flags, e.Reports = len(drop), len(rewrite)

		ci := tx.Bucket(bucketCheckIns)
		type change struct {
			k []byte
			p CheckInPost
		}
		var changes []change
		err = ci.ForEach(func(k, v []byte) error {
			var p CheckInPost
			if json.Unmarshal(v, &p) != nil {
				return nil
			}
			if !p.Open() || len(p.AnswerKey) == 0 {
				return nil
			}
			token := answerToken(p.AnswerKey, userID)
			if _, ok := p.Tally.Answers[token]; ok {
				delete(p.Tally.Answers, token)
				changes = append(changes, change{append([]byte(nil), k...), p})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, c := range changes {
			if err := putJSON(ci, c.k, c.p); err != nil {
				return err
			}
		}
		e.Answers = len(changes)

		prefs := tx.Bucket(bucketPrefs)
		if prefs.Get(u64(uint64(userID))) != nil {
			e.Prefs = true
			return prefs.Delete(u64(uint64(userID)))
		}
		return nil
	})
	return e, err
}

// PurgeAdmissions erases closed admissions (declined, or decided and
// carried out) older than the given time: the bot no longer needs to know
// who asked to join once the decision is applied and its period is over.
func (s *Store) PurgeAdmissions(before time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		adm, members := tx.Bucket(bucketAdmissions), tx.Bucket(bucketMembers)
		var old []admission.Admission
		err := adm.ForEach(func(_, v []byte) error {
			var a admission.Admission
			if json.Unmarshal(v, &a) != nil {
				return nil
			}
			closedAt := a.DecidedAt
			if a.State == admission.Declined {
				closedAt = a.AnsweredAt
			}
			closed := a.State == admission.Declined || (a.Decided() && a.Closed)
			if closed && closedAt.Before(before) {
				old = append(old, a)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, a := range old {
			if err := adm.Delete([]byte(a.ID)); err != nil {
				return err
			}
			if id := members.Get(i64key(a.GroupID, a.UserID)); string(id) == a.ID {
				if err := members.Delete(i64key(a.GroupID, a.UserID)); err != nil {
					return err
				}
			}
		}
		n = len(old)
		return nil
	})
	return n, err
}
