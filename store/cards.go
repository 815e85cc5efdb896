package store

import (
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketCards remembers cards in the moderators' chat that name a member
// but have no record of their own (a member's request for a moderator
// after a check-in), so that the retention job can clear them. Only the
// message's place and dates are kept: nothing links a card to the member,
// so /oubli cannot find it, and neither can anyone holding the file.
var bucketCards = []byte("cards")

// DueCard is a card whose period is over.
type DueCard struct {
	ChatID    int64
	MessageID int
	Posted    time.Time
}

// RememberCard records a card to clear at clearAt.
func (s *Store) RememberCard(chatID int64, msgID int, posted, clearAt time.Time) error {
	return s.Write(func(t *Tx) error { return t.RememberCard(chatID, msgID, posted, clearAt) })
}

// RememberCard is Store.RememberCard within t.
func (t *Tx) RememberCard(chatID int64, msgID int, posted, clearAt time.Time) error {
	b, err := t.tx.CreateBucketIfNotExists(bucketCards)
	if err != nil {
		return err
	}
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v, uint64(posted.Unix()))
	binary.BigEndian.PutUint64(v[8:], uint64(clearAt.Unix()))
	return b.Put(i64key(chatID, int64(msgID)), v)
}

// DueCards returns the cards to clear at now.
func (s *Store) DueCards(now time.Time) ([]DueCard, error) {
	var out []DueCard
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCards)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != 16 || len(v) != 16 || int64(binary.BigEndian.Uint64(v[8:])) > now.Unix() {
				return nil
			}
			out = append(out, DueCard{
				ChatID: int64(binary.BigEndian.Uint64(k)), MessageID: int(int64(binary.BigEndian.Uint64(k[8:]))),
				Posted: time.Unix(int64(binary.BigEndian.Uint64(v)), 0),
			})
			return nil
		})
	})
	return out, err
}

// DropCard forgets a card once cleared.
func (s *Store) DropCard(chatID int64, msgID int) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCards)
		if b == nil {
			return nil
		}
		return b.Delete(i64key(chatID, int64(msgID)))
	})
}

// DropCard is Store.DropCard within t (with the card's edit owed).
func (t *Tx) DropCard(chatID int64, msgID int) error {
	b := t.tx.Bucket(bucketCards)
	if b == nil {
		return nil
	}
	return b.Delete(i64key(chatID, int64(msgID)))
}
