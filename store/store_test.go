package store

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/entrepairs/entrepairs/admission"
)

// open opens a store on a real file and checks the file's consistency when
// the test ends.
func open(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "bot.db")
	s, err := Open(path, Options{})
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
