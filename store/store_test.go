package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/review"
)

// testKey stands for the deployment key file.
var testKey = bytes.Repeat([]byte{7}, KeySize)

// open opens a store on a real file and checks the file's consistency when
// the test ends.
func open(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "bot.db")
	s, err := Open(path, Options{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Errorf("consistency: %v", err)
		}
		s.Close()
	})
	return s, path
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	_, path := open(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	di, _ := os.Stat(filepath.Dir(path))
	if di.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", di.Mode().Perm())
	}
}

func TestSecondInstanceGetsLocked(t *testing.T) {
	_, path := open(t)
	_, err := Open(path, Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestSchemaRecorded(t *testing.T) {
	s, _ := open(t)
	if v, err := s.Schema(); err != nil || v != SchemaVersion {
		t.Fatalf("schema %d, %v", v, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s, path := open(t)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, u64(SchemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrSchema) {
		t.Fatalf("open newer schema: %v", err)
	}
	s2, err := bolt.Open(path, 0o600, nil) // reopen so cleanup can check
	if err != nil {
		t.Fatal(err)
	}
	s.db = s2
}

func TestOpenAdmissionIsOncePerPerson(t *testing.T) {
	s, _ := open(t)
	base := admission.Admission{GroupID: -100, UserID: 7, State: admission.Pending, RequestedAt: time.Now()}
	var wg sync.WaitGroup
	ids := make(chan string, 10)
	created := make(chan bool, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, c, err := s.OpenAdmission(base)
			if err != nil {
				t.Error(err)
				return
			}
			ids <- a.ID
			created <- c
		}()
	}
	wg.Wait()
	close(ids)
	close(created)
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		} else if id != first {
			t.Errorf("two admissions for one person: %s and %s", first, id)
		}
	}
	n := 0
	for c := range created {
		if c {
			n++
		}
	}
	if n != 1 {
		t.Errorf("created %d times, want 1", n)
	}
}

func TestClosedAdmissionMakesRoomForANewOne(t *testing.T) {
	s, _ := open(t)
	a, _, _ := s.OpenAdmission(admission.Admission{GroupID: -100, UserID: 7, State: admission.Pending})
	if _, err := s.UpdateAdmission(a.ID, func(x *admission.Admission) error { return x.Decline(time.Now()) }); err != nil {
		t.Fatal(err)
	}
	b, created, err := s.OpenAdmission(admission.Admission{GroupID: -100, UserID: 7, State: admission.Pending})
	if err != nil || !created || b.ID == a.ID {
		t.Fatalf("new request after a closed one: %v %v %v", b, created, err)
	}
	latest, err := s.LatestAdmission(-100, 7)
	if err != nil || latest.ID != b.ID {
		t.Fatalf("latest = %v, %v", latest, err)
	}
}

func TestUpdateAdmissionRollsBackOnError(t *testing.T) {
	s, _ := open(t)
	a, _, _ := s.OpenAdmission(admission.Admission{GroupID: -100, UserID: 7, State: admission.Accepted})
	if _, err := s.UpdateAdmission(a.ID, func(x *admission.Admission) error { return x.Decide(true, 1, "A", time.Now()) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.UpdateAdmission(a.ID, func(x *admission.Admission) error { return x.Decide(false, 2, "B", time.Now()) })
	if !errors.Is(err, admission.ErrAlreadyDecided) || got.DecidedByName != "A" {
		t.Fatalf("second decision: %v, by %q", err, got.DecidedByName)
	}
	again, _ := s.Admission(a.ID)
	if again.State != admission.Approved || again.DecidedBy != 1 {
		t.Errorf("stored %+v", again)
	}
	if _, err := s.Admission("NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestAdmissionsOldestFirst(t *testing.T) {
	s, _ := open(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, u := range []int64{3, 1, 2} {
		_, _, err := s.OpenAdmission(admission.Admission{GroupID: -1, UserID: u, State: admission.Pending, RequestedAt: t0.Add(time.Duration(u) * time.Hour)})
		if err != nil {
			t.Fatal(i, err)
		}
	}
	all, err := s.Admissions(func(*admission.Admission) bool { return true })
	if err != nil || len(all) != 3 {
		t.Fatal(all, err)
	}
	for i, a := range all {
		if a.UserID != int64(i+1) {
			t.Errorf("position %d: user %d", i, a.UserID)
		}
	}
}

func TestHandledUpdates(t *testing.T) {
	s, _ := open(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for id := 1; id <= 5; id++ {
		if err := s.MarkHandled(id, t0.Add(time.Duration(id)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if seen, _ := s.Handled(3); !seen {
		t.Error("update 3 not remembered")
	}
	if seen, _ := s.Handled(9); seen {
		t.Error("update 9 remembered without being handled")
	}
	n, err := s.PruneHandled(t0.Add(3*time.Hour + time.Minute))
	if err != nil || n != 3 {
		t.Fatalf("pruned %d, %v; want 3", n, err)
	}
	for id, want := range map[int]bool{1: false, 3: false, 4: true, 5: true} {
		if seen, _ := s.Handled(id); seen != want {
			t.Errorf("update %d seen=%v want %v", id, seen, want)
		}
	}
}

func TestFlagOncePerMessage(t *testing.T) {
	s, _ := open(t)
	f := review.Flag{Source: review.Screened, GroupID: -100, MessageID: 9, UserID: 7, Excerpt: "dispo"}
	a, created, err := s.CreateFlag(f)
	if err != nil || !created {
		t.Fatal(err, created)
	}
	f.Source = review.Reported
	b, created, err := s.CreateFlag(f)
	if err != nil || created || b.ID != a.ID || b.Source != review.Screened {
		t.Fatalf("second flag for the same message: %+v %v %v", b, created, err)
	}
	// A flood flag has no message: each is its own.
	c, created, _ := s.CreateFlag(review.Flag{Source: review.Flooded, GroupID: -100, UserID: 7})
	d, created2, _ := s.CreateFlag(review.Flag{Source: review.Flooded, GroupID: -100, UserID: 7})
	if !created || !created2 || c.ID == d.ID {
		t.Error("flood flags merged")
	}
}

func TestPurgeFlagsErasesExcerpts(t *testing.T) {
	s, _ := open(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old, _, _ := s.CreateFlag(review.Flag{GroupID: -1, MessageID: 1, Excerpt: "ancien"})
	kept, _, _ := s.CreateFlag(review.Flag{GroupID: -1, MessageID: 2, Excerpt: "récent"})
	open, _, _ := s.CreateFlag(review.Flag{GroupID: -1, MessageID: 3, Excerpt: "en attente"})
	_, _ = s.UpdateFlag(old.ID, func(f *review.Flag) error { return f.Decide(review.Ignore, 1, "A", t0) })
	_, _ = s.UpdateFlag(kept.ID, func(f *review.Flag) error { return f.Decide(review.Ignore, 1, "A", t0.Add(20*24*time.Hour)) })
	now := t0.Add(31 * 24 * time.Hour)
	n, err := s.PurgeFlags(func(f *review.Flag) bool { return f.Expired(now, 30*24*time.Hour) })
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v", n, err)
	}
	if _, err := s.Flag(old.ID); !errors.Is(err, ErrNotFound) {
		t.Error("expired flag kept")
	}
	for _, id := range []string{kept.ID, open.ID} {
		if _, err := s.Flag(id); err != nil {
			t.Errorf("flag %s purged too early: %v", id, err)
		}
	}
	// The message may be flagged again once its old flag is gone.
	if _, created, _ := s.CreateFlag(review.Flag{GroupID: -1, MessageID: 1}); !created {
		t.Error("index entry of a purged flag kept")
	}
}

func TestSanctionsSurviveAndAreHashed(t *testing.T) {
	s, path := open(t)
	now := time.Now()
	for i := 1; i <= 3; i++ {
		n, err := s.AddWarning(4242, now)
		if err != nil || n != i {
			t.Fatalf("warning %d: %d %v", i, n, err)
		}
	}
	if err := s.AddBan(4242, now); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path, Options{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	s.db = s2.db
	x, err := s2.SanctionsOf(4242)
	if err != nil || x.Warnings != 3 || !x.Banned {
		t.Fatalf("after reopening: %+v %v", x, err)
	}
	if y, _ := s2.SanctionsOf(4243); y.Warnings != 0 || y.Banned {
		t.Errorf("another member has sanctions: %+v", y)
	}
	// The user id itself is not a key of the file.
	_ = s2.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSanctions).ForEach(func(k, _ []byte) error {
			if string(k) == string(u64(4242)) {
				t.Error("sanctions keyed by the plain user id")
			}
			return nil
		})
	})
}

func TestCheckInClaimedOnce(t *testing.T) {
	s, path := open(t)
	p := CheckInPost{Group: -1, Key: "vendredi@2026-11-20", CheckIn: "vendredi", State: Claimed}
	if ok, err := s.ClaimCheckIn(p); !ok || err != nil {
		t.Fatal(ok, err)
	}
	s.Close()
	s2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.db = s2.db
	if ok, _ := s2.ClaimCheckIn(p); ok {
		t.Fatal("claimed twice across a restart")
	}
	if ok, _ := s2.ClaimCheckIn(CheckInPost{Group: -2, Key: p.Key}); !ok {
		t.Error("another group could not claim the same occurrence")
	}
	if _, err := s2.UpdateCheckIn(-1, p.Key, func(x *CheckInPost) error {
		x.State, x.MessageID = Posted, 9
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s2.AnswerCheckIn(-1, p.Key, 42, "good")
	if err != nil || got.Post.State != Posted || got.Post.Tally.Total() != 1 || got.Had {
		t.Fatalf("%+v %v", got, err)
	}
	if again, _ := s2.AnswerCheckIn(-1, p.Key, 42, "meh"); !again.Had || again.Old != "good" || again.Post.Tally.Total() != 1 {
		t.Errorf("a changed answer: %+v", again)
	}
}

func TestEphemeralAndPrefs(t *testing.T) {
	s, _ := open(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_ = s.Ephemeral(-5, 10, t0.Add(time.Minute))
	_ = s.Ephemeral(-5, 11, t0.Add(time.Hour))
	due, err := s.DueEphemeral(t0.Add(2 * time.Minute))
	if err != nil || len(due) != 1 || due[0] != [2]int64{-5, 10} {
		t.Fatalf("due %v %v", due, err)
	}
	_ = s.DropEphemeral(-5, 10)
	if due, _ := s.DueEphemeral(t0.Add(2 * time.Hour)); len(due) != 1 || due[0][1] != 11 {
		t.Errorf("after drop: %v", due)
	}
	if err := s.SetPrefs(7, Prefs{Region: "BE"}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.PrefsOf(7); p.Region != "BE" {
		t.Errorf("prefs %+v", p)
	}
}
