package app

import (
	"bytes"
	enc "encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/store"
	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// The data inventory: a full scenario (admission, flags, reports,
// check-ins, resources, /oubli), then the retention periods on the fake
// clock; after each step every bucket of the data file is walked, and a
// stored field that store.Inventory (the README's table) does not list, or
// a value kept past its stated time, fails the test. At the end, every
// period has passed: no user id of anyone is left in the file.
func TestDataInventory(t *testing.T) {
	h := newHarness(t)
	periods := store.Periods{Retention: 30 * day, HandledMemory: 48 * time.Hour, CheckInOpen: 7 * day, ExpireAfter: 48 * time.Hour, UndecidedAfter: 14 * day}
	audit := func(step string) {
		t.Helper()
		// What the bot owes is sent at Telegram's pace, in real time, while
		// the test moves the clock by days: let the outbox empty first, as
		// it does within seconds in real life.
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			if owed, err := h.m.Store.Outbox(0); err == nil && len(owed) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the outbox did not empty within a minute", step)
			}
		}
		findings, err := h.m.Store.Audit(h.clock.Now(), periods)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		for _, f := range findings {
			t.Errorf("%s: bucket %s, key %s: %s", step, f.Bucket, f.Key, f.Problem)
		}
	}
	jobs := 1
	// advance moves the clock and waits for the daily retention job, the
	// last step of the sweep: whatever was due has been done.
	advance := func(d time.Duration) {
		t.Helper()
		h.clock.Advance(d)
		jobs++
		h.loggedTimes("retention job done", jobs)
	}

	// Admission: approved, refused, never answered, never decided.
	lou, alex, sacha, robin := asker(8101, "Lou", "fr"), asker(8102, "Alex", "fr"), asker(8103, "Sacha", "en"), asker(8104, "Robin", "fr")
	h.press(requestAndAccept(h, lou), "Approuver", mod1)
	h.botMessage(modChat, "Approuvé par")
	h.press(requestAndAccept(h, alex), "Refuser", mod1)
	h.botMessage(modChat, "Refusé par")
	joinRequest(h, sacha)
	requestAndAccept(h, robin)
	// Flags: a screened offer banned, a report ignored, Lou warned.
	tonio, chris, bea := frenchUser(8105, "Tonio"), frenchUser(8106, "Chris"), frenchUser(8107, "Bea")
	_, fc := flagCard(h, tonio, offer)
	h.press(fc, "Bannir", mod1)
	h.botMessage(modChat, "Banni")
	target := h.post(group(), chris, "tu verras bien ce soir")
	report := h.api.UserMessage(group(), &bea, "/signaler")
	report.Message.ReplyTo = target
	h.push(report)
	rc := h.botMessage(modChat, "Signalé par un membre", "Bea")
	h.press(rc, "Ignorer", mod2)
	h.botMessage(modChat, "Ignoré par")
	_, lc := flagCard(h, lou, offer)
	h.press(lc, "Avertir", mod1)
	h.botMessage(modChat, "avertissement n° 1")
	// Resources: a region chosen; a short reply in the group.
	h.say(emulator.PrivateChat(lou), lou, "/ressources")
	h.press(h.botMessage(lou.ID, "Ressources", "France"), "Belgique", lou)
	h.botMessage(lou.ID, "Région : 🇧🇪 Belgique")
	h.say(group(), chris, "/ressources")
	h.botMessage(chris.ID, "Ressources")
	// Check-ins: answered, one with a request for a moderator.
	h.at(2026, 11, 20, 18, 0) // more than a day later: the daily job runs
	jobs++
	h.loggedTimes("retention job done", jobs)
	m := h.waitCheckIn(requestGroup)
	dom := frenchUser(8108, "Dom")
	h.press(m, "Difficile", dom)
	h.press(h.botMessage(dom.ID, "112"), "Prévenir", dom)
	alert := h.botMessage(modChat, "aimerait parler", "Dom")
	h.press(m, "Ça va", lou)
	for deadline := time.Now().Add(waitFor); ; time.Sleep(10 * time.Millisecond) {
		posts, _ := h.m.Store.CheckIns(func(p *store.CheckInPost) bool { return p.MessageID == m.ID && p.Group == requestGroup })
		if len(posts) == 1 && posts[0].Tally.Total() == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the check-in answers were not counted")
		}
	}
	// /oubli by Lou.
	h.say(emulator.PrivateChat(lou), lou, "/oubli")
	h.press(h.botMessage(lou.ID, "Effacer ce que je garde sur toi"), "Oui, effacer", lou)
	h.botMessage(lou.ID, "C'est fait")
	audit("after the scenario")
	if p, _ := h.m.Store.PrefsOf(lou.ID); p.Region != "" {
		t.Errorf("Lou's region survived /oubli")
	}

	// The periods pass: 48 h, the check-in's week, 14 days, retention.
	for _, step := range []struct {
		name string
		d    time.Duration
	}{{"day 2", 2 * day}, {"day 8", 6 * day}, {"day 15", 7 * day}, {"day 31", 16 * day}, {"day 46", 15 * day}} {
		advance(step.d)
		audit(step.name)
	}
	// The alert card, which the data file does not link to Dom, is down to
	// its date.
	if got, _ := h.api.Message(modChat, alert.ID); strings.Contains(got.Plain, "Dom") || !strings.Contains(got.Plain, "après un check-in") {
		t.Errorf("the alert card after retention:\n%s", got.Plain)
	}
	h.stop()
	people := []tele.User{lou, alex, sacha, robin, tonio, chris, bea, dom}
	for _, kv := range dataFileValues(t, h) {
		for _, u := range people {
			if bytes.Contains(kv, []byte(strconv.FormatInt(u.ID, 10))) || bytes.Contains(kv, enc.BigEndian.AppendUint64(nil, uint64(u.ID))) ||
				bytes.Contains(kv, []byte(u.FirstName)) {
				name, _, _ := strings.Cut(string(kv), "/")
				t.Errorf("%s (%d) still in bucket %s after every period: %q", u.FirstName, u.ID, name, kv)
			}
		}
	}
}
