package store

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/entrepairs/entrepairs/review"
)

// Owed messages recorded with an update's mark survive a reopen (the
// crash case), in order; Sent forgets one, Postpone records a retry.
func TestOutboxEntriesWithTheMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	msg := func(text string) json.RawMessage { b, _ := json.Marshal(text); return b }
	if err := s.MarkHandledWith(10, now, []OutboxEntry{
		{UpdateID: 10, Chat: -1, Payload: msg("a")},
		{UpdateID: 10, Chat: -1, Payload: msg("b")},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(OutboxEntry{Chat: 7, Payload: msg("c")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if seen, _ := s.Handled(10); !seen {
		t.Error("the mark is lost")
	}
	got, err := s.Outbox(0)
	if err != nil || len(got) != 3 {
		t.Fatalf("outbox %v %v, want 3 entries", got, err)
	}
	for i, want := range []string{`"a"`, `"b"`, `"c"`} {
		if string(got[i].Payload) != want {
			t.Errorf("entry %d: %s, want %s (in order)", i, got[i].Payload, want)
		}
	}
	if err := s.Sent(got[0].Seq); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Minute)
	if err := s.Postpone(got[1].Seq, 2, later); err != nil {
		t.Fatal(err)
	}
	rest, _ := s.Outbox(0)
	if len(rest) != 2 || rest[0].Attempts != 2 || !rest[0].NotBefore.Equal(later) {
		t.Errorf("after Sent and Postpone: %+v", rest)
	}
	if one, _ := s.Outbox(1); len(one) != 1 {
		t.Errorf("limit 1 gave %d entries", len(one))
	}
}

// A flood digest takes in new notices once; UpdateFlags changes many
// flags in one go and leaves the ones change refuses.
func TestAddToDigestAndUpdateFlags(t *testing.T) {
	s, _ := open(t)
	var ids []string
	for i := range 4 {
		f, _, err := s.CreateFlag(review.Flag{Source: review.Flooded, GroupID: -1, UserID: int64(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	d, err := s.CreateDigest(review.Digest{FlagIDs: ids[:2], Kind: review.FloodDigest})
	if err != nil {
		t.Fatal(err)
	}
	d, err = s.AddToDigest(d.ID, []string{ids[1], ids[2], ids[3], "gone"})
	if err != nil || len(d.FlagIDs) != 4 || d.Kind != review.FloodDigest {
		t.Fatalf("digest %+v %v, want the 4 flags once", d, err)
	}
	if f, _ := s.Flag(ids[3]); f.DigestID != d.ID {
		t.Errorf("flag not pointed to its digest: %+v", f)
	}
	changed, err := s.UpdateFlags(ids, func(f *review.Flag) error {
		if f.UserID == 2 {
			return review.ErrAlreadyDecided
		}
		return f.Decide(review.Ignore, 9, "Camille", time.Now())
	})
	if err != nil || len(changed) != 3 {
		t.Fatalf("changed %d %v, want 3", len(changed), err)
	}
	if f, _ := s.Flag(ids[1]); f.Decided() {
		t.Error("a refused change was written")
	}
}

// A dismissed flag is reopened by a new flag on the same message; an open
// one is not.
func TestFlagOnDismissedMessageReopens(t *testing.T) {
	s, _ := open(t)
	first, _, _ := s.CreateFlag(review.Flag{Source: review.Screened, GroupID: -1, MessageID: 5})
	if _, created, _ := s.CreateFlag(review.Flag{Source: review.Reported, GroupID: -1, MessageID: 5}); created {
		t.Fatal("a second flag while the first is open")
	}
	if _, err := s.UpdateFlag(first.ID, func(f *review.Flag) error { return f.Decide(review.Ignore, 9, "Camille", time.Now()) }); err != nil {
		t.Fatal(err)
	}
	again, created, err := s.CreateFlag(review.Flag{Source: review.Reported, GroupID: -1, MessageID: 5})
	if err != nil || !created || again.Reopens != first.ID || again.ReopensDecider != "Camille" {
		t.Fatalf("reopened %+v %v %v", again, created, err)
	}
	if _, created, _ := s.CreateFlag(review.Flag{Source: review.Screened, GroupID: -1, MessageID: 5}); created {
		t.Error("a third flag while the reopened one is open")
	}
}
