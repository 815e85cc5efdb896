package store

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/entrepairs/entrepairs/admission"
)

// A state change and what it owes are written together or not at all, and
// settling an entry records its follow-up in the same transaction.
func TestWriteOwesWithTheChange(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "bot.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, _, err := s.OpenAdmission(admission.Admission{GroupID: -100, UserID: 7, State: admission.Pending, RequestedAt: time.Unix(1_800_000_000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	card := OutboxEntry{Chat: -5, Payload: json.RawMessage(`{"text":"card"}`)}
	refused := errors.New("refused")
	err = s.Write(func(tx *Tx) error {
		if _, err := tx.UpdateAdmission(a.ID, func(x *admission.Admission) error { return x.Accept(time.Now()) }); err != nil {
			return err
		}
		if err := tx.Owe(card); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("Write returned %v", err)
	}
	if got, _ := s.Admission(a.ID); got.State != admission.Pending {
		t.Error("a failed Write changed the admission")
	}
	if out, _ := s.Outbox(0); len(out) != 0 {
		t.Errorf("a failed Write left %d outbox entries", len(out))
	}
	if err := s.Write(func(tx *Tx) error {
		if _, err := tx.UpdateAdmission(a.ID, func(x *admission.Admission) error { return x.Accept(time.Now()) }); err != nil {
			return err
		}
		return tx.Owe(card)
	}); err != nil {
		t.Fatal(err)
	}
	out, _ := s.Outbox(0)
	if len(out) != 1 {
		t.Fatalf("%d outbox entries, want the card", len(out))
	}
	if err := s.Settle(out[0].Seq, func(tx *Tx) error {
		_, err := tx.UpdateAdmission(a.ID, func(x *admission.Admission) error { x.CardChatID, x.CardMessageID = -5, 42; return nil })
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Admission(a.ID); got.State != admission.Accepted || got.CardMessageID != 42 {
		t.Errorf("admission %s card %d, want accepted with card 42", got.State, got.CardMessageID)
	}
	if out, _ := s.Outbox(0); len(out) != 0 {
		t.Errorf("%d outbox entries after Settle", len(out))
	}
	// A follow-up on what is gone: the entry is still forgotten.
	if err := s.Enqueue(card); err != nil {
		t.Fatal(err)
	}
	out, _ = s.Outbox(0)
	err = s.Settle(out[0].Seq, func(tx *Tx) error {
		_, err := tx.UpdateAdmission("gone", func(*admission.Admission) error { return nil })
		return err
	})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Settle with a lost follow-up: %v", err)
	}
	if err := s.Settle(out[0].Seq, nil); err != nil {
		t.Fatal(err)
	}
	if out, _ := s.Outbox(0); len(out) != 0 {
		t.Errorf("%d outbox entries after Settle", len(out))
	}
}
