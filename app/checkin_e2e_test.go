package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/entrepairs/entrepairs/store"
	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// paris is the harness's time zone.
var paris, _ = time.LoadLocation("Europe/Paris")

// at sets the fake clock to a wall time in Paris.
func (h *harness) at(year int, month time.Month, day, hour, min int) {
	target := time.Date(year, month, day, hour, min, 0, 0, paris)
	h.clock.Advance(target.Sub(h.clock.Now()))
}

// checkIns returns the check-in messages the bot posted in a group.
func (h *harness) checkIns(chatID int64) []emulator.Message {
	var out []emulator.Message
	for _, m := range h.api.BotMessages(chatID) {
		if _, ok := m.Button("Ça va"); ok {
			out = append(out, m)
		}
	}
	return out
}

func (h *harness) waitCheckIn(chatID int64) emulator.Message {
	h.t.Helper()
	return h.api.WaitBotMessage(h.t, waitFor, chatID, func(m emulator.Message) bool {
		_, ok := m.Button("Ça va")
		return ok
	})
}

// settledTally waits until the aggregate under a check-in shows the total
// the store holds (no edit is pending, whatever the throttle), and returns
// the message as members see it then.
func (h *harness) settledTally(chatID int64, msgID int) emulator.Message {
	h.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		posts, err := h.m.Store.CheckIns(func(p *store.CheckInPost) bool { return p.Group == chatID && p.MessageID == msgID })
		if err != nil {
			h.t.Fatal(err)
		}
		if len(posts) == 1 && posts[0].TallyShown == posts[0].Tally.Total() {
			break
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the aggregate under check-in %d was not brought up to date within %v", msgID, waitFor)
		}
		time.Sleep(5 * time.Millisecond)
	}
	m, ok := h.api.Message(chatID, msgID)
	if !ok {
		h.t.Fatalf("check-in %d gone", msgID)
	}
	return m
}

func TestCheckInPostedOnceInEveryGroup(t *testing.T) {
	h := newHarness(t)
	h.at(2026, 11, 20, 17, 59)
	h.swept()
	if n := len(h.checkIns(requestGroup)); n != 0 {
		t.Fatalf("posted before its time")
	}
	h.at(2026, 11, 20, 18, 0)
	for _, g := range []int64{requestGroup, restrictGrp} {
		m := h.waitCheckIn(g)
		if !m.Protected {
			t.Errorf("check-in in %d not protected from forwarding", g)
		}
		for _, b := range []string{"Ça va", "Bof", "Difficile", "parler"} {
			if _, ok := m.Button(b); !ok {
				t.Errorf("no %q button", b)
			}
		}
		if !strings.Contains(m.Plain, "seul le total") {
			t.Errorf("no aggregate line: %s", m.Plain)
		}
	}
	h.restart()
	h.clock.Advance(30 * time.Minute)
	h.swept()
	for _, g := range []int64{requestGroup, restrictGrp} {
		if n := len(h.checkIns(g)); n != 1 {
			t.Errorf("group %d: %d check-ins after a restart, want 1", g, n)
		}
	}
}

func TestCheckInLateWithinGraceAndSkippedAfter(t *testing.T) {
	h := newHarness(t)
	h.stop()
	h.at(2026, 11, 20, 19, 30) // down at 18:00, back 1h30 later
	h.start()
	h.waitCheckIn(requestGroup)

	h.stop()
	h.at(2026, 11, 23, 12, 30) // Monday's 10:00 missed by 2h30
	h.start()
	h.swept()
	if n := len(h.checkIns(requestGroup)); n != 1 {
		t.Errorf("%d check-ins, want only Friday's", n)
	}
	if !strings.Contains(h.logs.String(), "check-in skipped") {
		t.Error("the skipped check-in was not logged")
	}
	// Next Monday's is posted on time.
	h.at(2026, 11, 30, 10, 0)
	deadline := time.Now().Add(waitFor)
	for len(h.checkIns(requestGroup)) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(h.checkIns(requestGroup)); n != 2 {
		t.Errorf("%d check-ins after next Monday", n)
	}
}

func TestMoodTapCountsOnceAndShowsOnlyTheTotal(t *testing.T) {
	h := newHarness(t)
	h.at(2026, 11, 20, 18, 0)
	m := h.waitCheckIn(requestGroup)
	lou, sam := frenchUser(70, "Lou"), frenchUser(71, "Sam")
	h.press(m, "Ça va", lou)
	if got := h.lastToast(); got == "" || strings.Contains(got, "@") {
		t.Errorf("toast %q", got)
	}
	h.press(m, "Bof", lou) // changes their answer: still one
	h.clock.Advance(5 * time.Second)
	h.press(m, "Ça va", sam)
	// The aggregate is edited at most every 3 s of the bot's clock; past
	// them, the sweep catches up with whatever a tap left unshown.
	h.clock.Advance(4 * time.Second)
	got := h.settledTally(requestGroup, m.ID)
	if !strings.Contains(got.Plain, "2 réponses") {
		t.Errorf("aggregate after three taps by two members: %s", got.Plain)
	}
	if strings.Contains(got.Plain, "Lou") || strings.Contains(got.Plain, "Sam") {
		t.Errorf("the check-in shows who answered: %s", got.Plain)
	}
}

func TestNeedToTalkLeadsToAModeratorOnlyWithConsent(t *testing.T) {
	h := newHarness(t)
	h.at(2026, 11, 23, 10, 0)
	m := h.waitCheckIn(requestGroup)
	lou := frenchUser(72, "Lou")
	h.press(m, "parler", lou)
	help := h.botMessage(lou.ID, "112")
	if len(h.api.BotMessages(modChat)) != 0 {
		t.Fatal("the moderators were told before the member agreed")
	}
	h.press(help, "Prévenir", lou)
	card := h.botMessage(modChat, "aimerait parler", "Lou", "Entraide Paris")
	if !strings.Contains(card.Text, "tg://user?id=72") && !strings.Contains(card.Text, "https://t.me/lou") {
		t.Errorf("no way to contact the member: %s", card.Text)
	}
	// A member who never opened the private chat is told how.
	sam := frenchUser(73, "Sam")
	h.api.Block(sam.ID)
	h.press(m, "Difficile", sam)
	if got := h.lastToast(); !strings.Contains(got, emulator.BotUsername) {
		t.Errorf("toast for a member without private chat: %q", got)
	}
}

func TestResourcesNavigation(t *testing.T) {
	h := newHarness(t)
	lou := frenchUser(74, "Lou")
	h.say(emulator.PrivateChat(lou), lou, "/ressources")
	menu := h.botMessage(lou.ID, "Ressources", "France")
	h.press(menu, "Antipoison", lou)
	list := h.botMessage(lou.ID, "Antipoison", "01 40 05 48 48")
	if list.ID != menu.ID {
		t.Errorf("navigation sent a new message instead of editing")
	}
	h.press(list, "Belgique", lou)
	h.botMessage(lou.ID, "Antipoison", "070 245 245")
	// The region is remembered.
	h.say(emulator.PrivateChat(lou), lou, "/resources")
	h.press(h.botMessage(lou.ID, "Ressources", "Région : 🇧🇪 Belgique"), "Urgence", lou)
	h.botMessage(lou.ID, "112")
}

func TestResourcesInAGroup(t *testing.T) {
	h := newHarness(t)
	lou, sam := frenchUser(75, "Lou"), frenchUser(76, "Sam")
	h.say(group(), lou, "/ressources")
	h.botMessage(lou.ID, "Ressources")
	h.botMessage(requestGroup, "répondu en privé")

	h.api.Block(sam.ID)
	h.say(group(), sam, "/ressources")
	note := h.botMessage(requestGroup, "en privé", "bouton")
	if p := h.startPayload(note, "Ouvrir"); p != "res" {
		t.Errorf("payload %q", p)
	}
	// The note is recorded for removal once Telegram accepted it (owed,
	// like the reply it follows), a moment after it appears.
	for deadline := time.Now().Add(waitFor); !ephemeralRecorded(t, h, requestGroup, note.ID); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the note was never recorded for removal")
		}
	}
	h.clock.Advance(4 * time.Minute)
	h.api.WaitCall(t, waitFor, "deleteMessage", func(c emulator.Call) bool { return c.Int("message_id") == int64(note.ID) })
}

// ephemeralRecorded reports whether a group note is recorded for removal.
func ephemeralRecorded(t *testing.T, h *harness, chat int64, id int) bool {
	t.Helper()
	due, err := h.m.Store.DueEphemeral(h.clock.Now().Add(24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range due {
		if m[0] == chat && int(m[1]) == id {
			return true
		}
	}
	return false
}

func TestEmergencyGAndHelpEverywhere(t *testing.T) {
	h := newHarness(t)
	lou := frenchUser(77, "Lou")
	for _, where := range []struct {
		name string
		say  func(string)
		chat int64
	}{
		{"private", func(s string) { h.say(emulator.PrivateChat(lou), lou, s) }, lou.ID},
		{"group", func(s string) { h.say(group(), lou, s) }, requestGroup},
	} {
		t.Run(where.name, func(t *testing.T) {
			where.say("/urgence")
			h.botMessage(where.chat, "112", "15", "144", "911", "PLS")
			where.say("/g")
			h.botMessage(where.chat, "alcool", "seringue")
			where.say("/aide")
			h.botMessage(where.chat, "/ressources", "/urgence", "/signaler", "/charte")
		})
	}
	en := emulator.User(78, "Kim")
	h.say(emulator.PrivateChat(en), en, "/emergency")
	h.botMessage(en.ID, "112", "999")
}

// TestChangedAnswerMovesTheTally: a member who answers "Ça va", then
// changes to "Bof", is counted once, under "Bof".
func TestChangedAnswerMovesTheTally(t *testing.T) {
	h := newHarness(t)
	h.at(2026, 11, 20, 18, 0)
	m := h.waitCheckIn(requestGroup)
	lou := frenchUser(72, "Lou")
	h.press(m, "Ça va", lou)
	h.press(m, "Bof", lou)
	if got := h.lastToast(); got == "" {
		t.Error("the changed answer was not acknowledged")
	}
	h.say(modChatRoom(), mod1, "/stats")
	got := h.botMessage(modChat, "semaine 2026-W47")
	for _, want := range []string{"😊 Ça va : 0 (0)", "😐 Bof : 1 (0)", "😣 Difficile : 0 (0)"} {
		if !strings.Contains(got.Plain, want) {
			t.Errorf("/stats lacks %q after a changed answer:\n%s", want, got.Plain)
		}
	}
}

// TestCheckInTallyAndHelpSurviveFailedSends: the tally's edit and the
// private help after "Difficile" are owed with the answer; Telegram
// failing for a while delays them, loses neither, and a wave of taps owes
// one edit of the check-in message, not one per tap.
func TestCheckInTallyAndHelpSurviveFailedSends(t *testing.T) {
	h := newHarness(t)
	h.at(2026, 11, 23, 10, 0)
	m := h.waitCheckIn(requestGroup)
	h.api.FailNext("editMessageText", 5, emulator.Fault{Status: 502, Body: badGateway})
	h.api.FailNext("sendMessage", 5, emulator.Fault{Status: 502, Body: badGateway})
	lou := frenchUser(181, "Lou")
	h.press(m, "Difficile", lou)
	if got := h.lastToast(); !strings.Contains(got, "en privé") || !strings.Contains(got, emulator.BotUsername) {
		t.Errorf("toast after Difficile: %q", got)
	}
	for i := range 5 {
		h.press(m, "Bof", frenchUser(int64(182+i), fmt.Sprintf("Membre%d", i)))
		if n := owedTallies(t, h); n > 1 {
			t.Fatalf("%d edits of one check-in message owed at once", n)
		}
	}
	if _, ok := h.api.AwaitBotMessage(recovery, lou.ID, func(m emulator.Message) bool { return strings.Contains(m.Plain, "112") }); !ok {
		t.Fatalf("the help never reached the member\n%s", h.api.DumpCalls(20))
	}
	for deadline := time.Now().Add(2 * recovery); ; time.Sleep(20 * time.Millisecond) {
		if got, _ := h.api.Message(requestGroup, m.ID); strings.Contains(got.Plain, "6 réponses") {
			break
		}
		if time.Now().After(deadline) {
			got, _ := h.api.Message(requestGroup, m.ID)
			t.Fatalf("the tally never showed the 6 answers:\n%s\n%s", got.Plain, h.api.DumpCalls(20))
		}
	}
	h.swept()
	if n := countMessages(h.api.BotMessages(lou.ID), "112"); n != 1 {
		t.Errorf("the help was sent %d times", n)
	}
	// The bot records the shown tally once Telegram has answered the edit,
	// a moment after the emulator shows it.
	key := checkInKeyOf(t, h, requestGroup)
	for deadline := time.Now().Add(recovery); ; time.Sleep(20 * time.Millisecond) {
		p, err := h.m.Store.CheckIn(requestGroup, key)
		if err == nil && !p.TallyOwed && p.TallyShown == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the check-in after its tally was shown: %+v %v", p, err)
		}
	}
	h.noPanic()
}

// owedTallies counts the tally edits waiting in the outbox.
func owedTallies(t *testing.T, h *harness) int {
	t.Helper()
	entries, err := h.m.Store.Outbox(0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.Contains(string(e.Payload), `"kind":"tally"`) {
			n++
		}
	}
	return n
}

// checkInKeyOf is the key of the one check-in posted in group.
func checkInKeyOf(t *testing.T, h *harness, group int64) string {
	t.Helper()
	posts, err := h.m.Store.CheckIns(func(p *store.CheckInPost) bool { return p.Group == group && p.MessageID != 0 })
	if err != nil || len(posts) != 1 {
		t.Fatalf("check-ins posted in %d: %d %v", group, len(posts), err)
	}
	return posts[0].Key
}
