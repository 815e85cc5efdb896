package app

import (
	"strings"
	"testing"
	"time"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/telegram/emulator"
)

func TestForgetErasesButSanctionsStay(t *testing.T) {
	h := newHarness(t)
	lou := asker(90, "Lou", "fr")
	card := requestAndAccept(h, lou)
	h.press(card, "Approuver", mod1)
	h.botMessage(modChat, "Approuvé par")
	// A flag about one of Lou's messages, warned and decided.
	_, fc := flagCard(h, lou, offer)
	h.press(fc, "Avertir", mod1)
	h.botMessage(modChat, "avertissement n° 1")

	h.say(emulator.PrivateChat(lou), lou, "/oubli")
	ask := h.botMessage(lou.ID, "Effacer ce que je garde sur toi", "avertissements", "la modération en a besoin", "nouveau·elle membre")
	h.press(ask, "Oui, effacer", lou)
	h.botMessage(lou.ID, "C'est fait")

	// Approved moments ago: the admission date stays for the new-member
	// window, without anything that says who Lou is.
	if a, err := h.m.Store.LatestAdmission(requestGroup, lou.ID); err != nil || a.Name != "" || a.Username != "" || a.Bio != "" || a.Language != "" {
		t.Errorf("the approval within the new-member window: %+v %v", a, err)
	}
	flags, _ := h.m.Store.Flags(func(f *review.Flag) bool { return f.UserID == lou.ID })
	if len(flags) != 0 {
		t.Errorf("%d decided flags kept", len(flags))
	}
	if x, _ := h.m.Store.SanctionsOf(lou.ID); x.Warnings != 1 {
		t.Errorf("warnings after /oubli: %d, want 1 (they stay)", x.Warnings)
	}
	// Cancel changes nothing; someone else's tap erases only their own data.
	h.say(emulator.PrivateChat(lou), lou, "/forget")
	h.press(h.botMessage(lou.ID, "Effacer ce que je garde sur toi"), "Non", lou)
	h.botMessage(lou.ID, "rien n'a été effacé")
}

func TestRetentionJobErasesOldDecisions(t *testing.T) {
	h := newHarness(t)
	lou := asker(91, "Lou", "fr")
	card := requestAndAccept(h, lou)
	h.press(card, "Refuser", mod1)
	h.botMessage(modChat, "Refusé par")
	_, fc := flagCard(h, frenchUser(92, "Tonio"), offer)
	h.press(fc, "Ignorer", mod1)
	h.botMessage(modChat, "Ignoré par")

	// Day 29: still there. Day 31 (and the daily job has run): gone.
	h.clock.Advance(29 * 24 * time.Hour)
	// The daily job has run on day 29 (it ran at start, then now): the
	// positive sign before asserting that nothing was erased yet.
	for deadline := time.Now().Add(waitFor); strings.Count(h.logs.String(), "retention job done") < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the retention job did not run on day 29")
		}
	}
	if n := countFlags(h); n != 1 {
		t.Fatalf("flag erased before the retention period (%d left)", n)
	}
	h.clock.Advance(2 * 24 * time.Hour)
	deadline := time.Now().Add(waitFor)
	// Daily job: it ran at start, on day 29 and now on day 31.
	for strings.Count(h.logs.String(), "retention job done") < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := countFlags(h); n != 0 {
		t.Errorf("%d flags (with their excerpt) kept past retention_days", n)
	}
	left, _ := h.m.Store.Admissions(func(a *admission.Admission) bool { return a.UserID == lou.ID })
	if len(left) != 0 {
		t.Errorf("a closed request kept past retention_days: %+v", left[0])
	}
}

func countFlags(h *harness) int {
	all, _ := h.m.Store.Flags(func(*review.Flag) bool { return true })
	return len(all)
}
