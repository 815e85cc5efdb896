package store

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/review"
)

var update = flag.Bool("update", false, "rewrite the README's data inventory from Inventory")

const (
	inventoryBegin = "<!-- inventory: generated from store/inventory.go by go test ./store -run TestReadmeInventory -update -->\n"
	inventoryEnd   = "<!-- end of inventory -->"
)

// The README's table of what the bot stores is the inventory the
// data-inventory test enforces, word for word.
func TestReadmeInventory(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	i, j := strings.Index(readme, inventoryBegin), strings.Index(readme, inventoryEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the inventory markers %q … %q", inventoryBegin, inventoryEnd)
	}
	want := InventoryMarkdown()
	if got := readme[i+len(inventoryBegin) : j]; got != want {
		if *update {
			readme = readme[:i+len(inventoryBegin)] + want + readme[j:]
			if err := os.WriteFile("../README.md", []byte(readme), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's inventory differs from store.Inventory; run go test ./store -run TestReadmeInventory -update\ngot:\n%s\nwant:\n%s", got, want)
	}
	for _, b := range [][]byte{bucketMeta, bucketAdmissions, bucketMembers, bucketUpdates, bucketFlags, bucketFlagIndex, bucketDigests, bucketSanctions, bucketCheckIns, bucketPrefs, bucketEphemeral, bucketStats} {
		found := false
		for _, k := range Inventory {
			found = found || k.Bucket == string(b)
		}
		if !found {
			t.Errorf("bucket %s is not in the inventory", b)
		}
	}
}

// Audit finds a field the inventory does not list, fragments in a flag,
// and values kept past their time; a fresh file gives nothing.
func TestAuditFindsWhatIsNotAllowed(t *testing.T) {
	s, _ := open(t)
	now := time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC)
	p := Periods{Retention: 30 * 24 * time.Hour, HandledMemory: 48 * time.Hour, CheckInOpen: 7 * 24 * time.Hour, ExpireAfter: 48 * time.Hour, UndecidedAfter: 14 * 24 * time.Hour}
	if got, err := s.Audit(now, p); err != nil || len(got) != 0 {
		t.Fatalf("a fresh file: %v %v", got, err)
	}
	_, _, _ = s.CreateFlag(review.Flag{GroupID: -1, MessageID: 5, UserID: 9, Excerpt: "x", Reasons: []review.Reason{{Code: "offer", Evidence: "dispo"}}, CreatedAt: now})
	_, _, _ = s.OpenAdmission(admission.Admission{GroupID: -1, UserID: 9, Mode: admission.ByRequest, State: admission.Pending, RequestedAt: now.Add(-72 * time.Hour)})
	_, _ = s.ClaimCheckIn(CheckInPost{Group: -1, Key: "k", State: Claimed, At: now.Add(-8 * 24 * time.Hour)})
	_, _ = s.AnswerCheckIn(-1, "k", 9, "good")
	_ = s.SetPrefs(9, Prefs{Region: "FR"})
	got, err := s.Audit(now, p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"flags: field reasons.evidence": false, "flags: kept past": false, "admissions: kept past": false, "checkins: kept past": false}
	for _, f := range got {
		for w := range want {
			b, problem, _ := strings.Cut(w, ": ")
			if f.Bucket == b && strings.HasPrefix(f.Problem, problem) {
				want[w] = true
			}
		}
	}
	for w, ok := range want {
		if !ok {
			t.Errorf("Audit missed %q; found %v", w, got)
		}
	}
}
