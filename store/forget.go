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
	// Kept counts the requests kept because moderation needs them (a
	// decision not yet carried out, a request a moderator has in front of
	// them, an approval within the new-member window), stripped of the
	// person's name, @username, bio and language.
	Kept    int
	Flags   int // decided flags about their messages
	Reports int // reports they made, made anonymous
	Answers int // check-in answers de-identified
	Prefs   bool
}

// Forget erases what the bot keeps about a member, at their request:
// requests to join, preferences, decided flags about their messages, their
// name on reports they made, and the link between them and their check-in
// answers (the counts stay). What moderation needs stays: sanctions and
// refusals, keyed by a hash of the user id, so that a banned dealer cannot
// erase their way back in; a flag still waiting for a moderator, until it
// is decided; and a request whose decision is not carried out yet, that
// waits for a moderator, or that was approved after newSince (the
// new-member window, in which screening weighs messages more), stripped of
// name, @username, bio and language.
func (s *Store) Forget(userID int64, newSince time.Time) (Erased, error) {
	return s.ForgetWith(userID, newSince, nil)
}

// ForgetWith is Forget that runs then (nil: nothing) in the same
// transaction, once everything is erased: the edits of the cards about
// the member are owed with the erasure.
func (s *Store) ForgetWith(userID int64, newSince time.Time, then func(*Tx) error) (Erased, error) {
	var e Erased
	err := s.db.Update(func(tx *bolt.Tx) error {
		adm, members := tx.Bucket(bucketAdmissions), tx.Bucket(bucketMembers)
		var admKeys [][]byte
		var kept []admission.Admission
		err := adm.ForEach(func(k, v []byte) error {
			var a admission.Admission
			if err := json.Unmarshal(v, &a); err == nil && a.UserID == userID {
				if a.NeedsApply() || a.State == admission.Accepted || (a.State == admission.Approved && a.DecidedAt.After(newSince)) {
					a.Forget()
					kept = append(kept, a)
					return nil
				}
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
		for _, a := range kept {
			if err := putJSON(adm, []byte(a.ID), a); err != nil {
				return err
			}
		}
		e.Admissions, e.Kept = len(admKeys), len(kept)

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
			key, err := s.answerKey(&p)
			if err != nil {
				return nil // a key this deployment cannot open: nothing to match
			}
			token := answerToken(key, userID)
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
			if err := prefs.Delete(u64(uint64(userID))); err != nil {
				return err
			}
		}
		if then != nil {
			return then(&Tx{tx: tx, s: s})
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
			if closedAt, closed := a.ClosedAt(); closed && closedAt.Before(before) {
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
