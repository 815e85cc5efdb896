package app

import (
	"bytes"
	enc "encoding/binary"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/store"
	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// End-to-end tests of issue 13: every privacy promise of the README holds,
// and a sanction sticks.

const day = 24 * time.Hour

// edited waits until the message id in chat reads as want says (the bot
// edits cards in place).
func (h *harness) edited(chatID int64, id int, want func(plain string) bool) emulator.Message {
	h.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		m, ok := h.api.Message(chatID, id)
		if ok && want(m.Plain) {
			return m
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("message %d in %d never became as expected; now:\n%s", id, chatID, m.Plain)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// loggedTimes waits until the bot's log holds fragment at least n times.
func (h *harness) loggedTimes(fragment string, n int) {
	h.t.Helper()
	for deadline := time.Now().Add(waitFor); strings.Count(h.logs.String(), fragment) < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			h.t.Fatalf("the bot never logged %q %d times", fragment, n)
		}
	}
}

// joinRequest sends a join request to the request-mode group and waits for
// the charter's last part (the one with the buttons).
func joinRequest(h *harness, who tele.User) emulator.Message {
	h.t.Helper()
	req := h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide Paris"), who)
	req.ChatJoinRequest.Bio = "Je veux arrêter, un jour à la fois"
	req.ChatJoinRequest.Unixtime = h.clock.Now().Unix()
	h.push(req)
	return h.api.WaitBotMessage(h.t, waitFor, who.ID, func(m emulator.Message) bool { return len(m.Buttons) > 0 })
}

// requestAgain runs a new join request up to the moderators' card, in
// either language, when who may have asked before: it uses only messages
// newer than those already there.
func requestAgain(h *harness, who tele.User) emulator.Message {
	h.t.Helper()
	last := func(chat int64) int {
		if m, ok := h.api.LastBotMessage(chat); ok {
			return m.ID
		}
		return 0
	}
	mine, mods := last(who.ID), last(modChat)
	req := h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide Paris"), who)
	req.ChatJoinRequest.Unixtime = h.clock.Now().Unix()
	h.push(req)
	charter := h.api.WaitBotMessage(h.t, waitFor, who.ID, func(m emulator.Message) bool { return m.ID > mine && len(m.Buttons) > 0 })
	h.say(emulator.PrivateChat(who), who, "/start "+h.startPayload(charter, "ccept"))
	return h.api.WaitBotMessage(h.t, waitFor, modChat, func(m emulator.Message) bool {
		return m.ID > mods && strings.Contains(m.Plain, who.FirstName) && strings.Contains(m.Plain, "Charte acceptée ✓")
	})
}

// declined waits for Telegram to be asked to decline who's request.
func declined(h *harness, who tele.User) {
	h.t.Helper()
	h.api.WaitCall(h.t, waitFor, "declineChatJoinRequest", func(c emulator.Call) bool {
		return c.String("user_id") == strconv.FormatInt(who.ID, 10)
	})
}

// dataFileValues walks every bucket of a stopped bot's data file and
// returns its keys and values.
func dataFileValues(t *testing.T, h *harness) [][]byte {
	t.Helper()
	db, err := bolt.Open(filepath.Join(h.dir, "data", "bot.db"), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out [][]byte
	_ = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				out = append(out, append(append([]byte(string(name)+"/"), k...), append([]byte{'='}, v...)...))
				return nil
			})
		})
	})
	return out
}

// A check-in's answers, once it closed, leave nothing in the data file
// that links them to anyone: no user id, no key, no per-member value. A
// check-in claimed but never posted (a crash between the two) is closed the
// same way.
func TestCheckInClosedLeavesNoTraceInTheDataFile(t *testing.T) {
	h := newHarness(t)
	h.at(2026, 11, 20, 18, 0)
	m := h.waitCheckIn(requestGroup)
	hard, good := frenchUser(7301234567, "Dom"), frenchUser(7301234568, "Eli")
	h.press(m, "Difficile", hard)
	h.press(m, "Ça va", good)
	// A tap recorded under a check-in that was claimed, never marked posted.
	orphan := store.CheckInPost{Group: restrictGrp, Key: "vendredi@orphan", CheckIn: "vendredi", State: store.Claimed, At: h.clock.Now()}
	if _, err := h.m.Store.ClaimCheckIn(orphan); err != nil {
		t.Fatal(err)
	}
	third := frenchUser(7301234569, "Fa")
	if _, err := h.m.Store.AnswerCheckIn(restrictGrp, orphan.Key, third.ID, "talk"); err != nil {
		t.Fatal(err)
	}
	open := func() int {
		posts, _ := h.m.Store.CheckIns(func(p *store.CheckInPost) bool { return len(p.Tally.Answers) > 0 })
		n := 0
		for _, p := range posts {
			n += len(p.Tally.Answers)
		}
		return n
	}
	for deadline := time.Now().Add(waitFor); open() < 3; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the answers were not recorded while the check-ins were open: %d", open())
		}
	}

	h.clock.Advance(7*day + time.Minute)
	// The two posted check-ins and the claimed one.
	h.loggedTimes("check-in closed", 3)
	posts, _ := h.m.Store.CheckIns(func(p *store.CheckInPost) bool { return p.Group == requestGroup && p.MessageID == m.ID })
	if len(posts) != 1 || posts[0].Tally.Counts["hard"] != 1 || posts[0].Tally.Counts["good"] != 1 {
		t.Fatalf("the counts did not survive the close: %+v", posts)
	}
	h.stop()
	for _, kv := range dataFileValues(t, h) {
		for _, u := range []tele.User{hard, good, third} {
			be := enc.BigEndian.AppendUint64(nil, uint64(u.ID))
			if bytes.Contains(kv, []byte(strconv.FormatInt(u.ID, 10))) || bytes.Contains(kv, be) {
				t.Errorf("user id %d in the data file: %q", u.ID, kv)
			}
		}
		if bytes.HasPrefix(kv, []byte("checkins/")) && (bytes.Contains(kv, []byte(`"answer_key"`)) || bytes.Contains(kv, []byte(`"answers"`))) {
			t.Errorf("a closed check-in keeps a per-member value: %s", kv)
		}
	}
}

// Requests to join close on their own: unanswered within 48 h, declined
// kindly and erased; accepted but undecided, a reminder, then after 14 days
// closed with a kind message and a line to the moderators.
func TestRequestsCloseOnTheirOwn(t *testing.T) {
	h := newHarness(t)
	quiet := asker(7401, "Sacha", "en")
	joinRequest(h, quiet)
	waiting := asker(7402, "Robin", "fr")
	card := requestAndAccept(h, waiting)

	// Day 1: the reminder about Robin is the sign the sweep ran; Sacha's
	// request is still open.
	h.clock.Advance(day + time.Minute)
	h.botMessage(modChat, "attendent depuis plus de")
	if a, err := h.m.Store.LatestAdmission(requestGroup, quiet.ID); err != nil || !a.Open() {
		t.Fatalf("closed before expire_after: %+v %v", a, err)
	}
	// Day 2: Sacha's request is declined, kindly, in English, and erased.
	h.clock.Advance(day)
	declined(h, quiet)
	h.botMessage(quiet.ID, "has closed", "ask again whenever you like")
	for deadline := time.Now().Add(waitFor); ; time.Sleep(10 * time.Millisecond) {
		if _, err := h.m.Store.LatestAdmission(requestGroup, quiet.ID); errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the unanswered request was not erased")
		}
	}
	if a, _ := h.m.Store.LatestAdmission(requestGroup, waiting.ID); a == nil || !a.Open() {
		t.Fatalf("Robin's request closed before undecided_after: %+v", a)
	}

	// Day 13: the last reminder; day 14 after Robin accepted: closed, Robin
	// told, the moderators told in one line, the card down to its outcome.
	h.clock.Advance(11 * day)
	h.botMessage(modChat, "sera fermée dans 24 h", "Robin")
	h.clock.Advance(day)
	declined(h, waiting)
	h.botMessage(waiting.ID, "n'a pas pu être traitée à temps", "ce n'est pas un refus", "refaire une demande")
	h.botMessage(modChat, "Robin", "fermée sans décision après 14 jours")
	h.edited(modChat, card.ID, func(p string) bool {
		return strings.Contains(p, "fermée sans décision") && !strings.Contains(p, "Robin") && !strings.Contains(p, "Je veux arrêter")
	})
	a, err := h.m.Store.LatestAdmission(requestGroup, waiting.ID)
	if err != nil || a.State != admission.Expired || a.Name != "" || a.Username != "" || a.Bio != "" || a.Language != "" {
		t.Errorf("the undecided request after closing: %+v %v", a, err)
	}
	if m, _ := h.api.Message(modChat, card.ID); len(m.Buttons) != 0 {
		t.Errorf("the closed card keeps its buttons: %+v", m.Buttons)
	}
}

// A restrict-mode newcomer who never answers the charter is not left muted
// in the group for ever: after expire_after they are removed without being
// barred, told kindly, and their record is erased.
func TestRestrictNewcomerWhoNeverAnswersIsLetGo(t *testing.T) {
	h := newHarness(t)
	gaby := asker(7451, "Gaby", "fr")
	joined := h.api.UserMessage(emulator.Supergroup(restrictGrp, "Entraide Bruxelles"), &gaby, "")
	joined.Message.UserJoined = &gaby
	joined.Message.Unixtime = h.clock.Now().Unix()
	h.push(joined)
	h.botMessage(restrictGrp, "Bienvenue Gaby")
	h.clock.Advance(48*time.Hour + time.Minute)
	h.api.WaitCall(t, waitFor, "unbanChatMember", func(c emulator.Call) bool { return c.Int("user_id") == gaby.ID })
	h.botMessage(gaby.ID, "s'est fermée", "refaire une demande quand tu veux")
	for deadline := time.Now().Add(waitFor); ; time.Sleep(10 * time.Millisecond) {
		if _, err := h.m.Store.LatestAdmission(restrictGrp, gaby.ID); errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the newcomer's record was not erased")
		}
	}
}

// When retention ends, the cards in the moderators' chat keep only the
// outcome and the date.
func TestCardsForgetAtRetention(t *testing.T) {
	h := newHarness(t)
	lou := asker(7501, "Lou", "fr")
	card := requestAndAccept(h, lou)
	h.press(card, "Approuver", mod1)
	h.botMessage(modChat, "Approuvé par")
	_, fc := flagCard(h, frenchUser(7502, "Tonio"), offer)
	h.press(fc, "Ignorer", mod1)
	h.botMessage(modChat, "Ignoré par")

	h.clock.Advance(31 * day)
	h.edited(modChat, card.ID, func(p string) bool {
		return strings.Contains(p, "approuvée") && !strings.Contains(p, "Lou") && !strings.Contains(p, "lou_x") && !strings.Contains(p, "Je veux arrêter")
	})
	h.edited(modChat, fc.ID, func(p string) bool {
		return strings.Contains(p, "Ignoré") && !strings.Contains(p, "Tonio") && !strings.Contains(p, "dispo ce soir") && !strings.Contains(p, "Camille")
	})
}

// /oubli clears at once every card about the member, and says what stays.
func TestForgetClearsTheCardsAboutTheMember(t *testing.T) {
	h := newHarness(t)
	max := asker(7601, "Maxence", "fr")
	card := requestAndAccept(h, max)
	h.press(card, "Approuver", mod1)
	h.botMessage(modChat, "Approuvé par")
	_, fc := flagCard(h, max, offer)
	h.press(fc, "Avertir", mod1)
	h.botMessage(modChat, "avertissement n° 1")

	h.say(emulator.PrivateChat(max), max, "/oubli")
	ask := h.botMessage(max.ID, "Effacer ce que je garde sur toi", "que la décision et sa date", "la modération en a besoin")
	h.press(ask, "Oui, effacer", max)
	h.botMessage(max.ID, "C'est fait")
	h.edited(modChat, card.ID, func(p string) bool {
		return strings.Contains(p, "approuvée") && !strings.Contains(p, "Maxence") && !strings.Contains(p, "Je veux arrêter")
	})
	h.edited(modChat, fc.ID, func(p string) bool {
		return strings.Contains(p, "Averti") && !strings.Contains(p, "Maxence") && !strings.Contains(p, "dispo ce soir")
	})
	// The English confirmation says the same.
	en := asker(7602, "Kim", "en")
	h.say(emulator.PrivateChat(en), en, "/forget")
	h.botMessage(en.ID, "Erase what I keep about you", "only the decision and its date", "moderation needs it")
}

// A member banned in one group, or refused as a dealer, is declined
// automatically by every group the bot serves; the moderators get a line.
func TestSanctionsStickAcrossGroups(t *testing.T) {
	h := newHarness(t)
	dealer := asker(7701, "Tonio", "fr")
	// Banned after an offer posted in the restrict-mode group.
	h.post(emulator.Supergroup(restrictGrp, "Entraide Bruxelles"), dealer, offer)
	fc := h.botMessage(modChat, "Tonio", "Message repéré par le filtre")
	h.press(fc, "Bannir", mod1)
	h.botMessage(modChat, "Banni")

	req := h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide Paris"), dealer)
	req.ChatJoinRequest.Unixtime = h.clock.Now().Unix()
	h.push(req)
	declined(h, dealer)
	h.botMessage(dealer.ID, "Je ne peux pas la transmettre", "112")
	h.botMessage(modChat, "Tonio", "refusée automatiquement", "exclusion")
	if n := countMessages(h.api.BotMessages(modChat), "Demande d'entrée"); n != 0 {
		t.Errorf("%d admission cards for a banned person", n)
	}

	// Refused as a dealer: long after retry_after, still declined.
	nico := asker(7702, "Nico", "fr")
	card := requestAndAccept(h, nico)
	h.press(card, "Vente de produits", mod1)
	h.edited(modChat, card.ID, func(p string) bool {
		return strings.Contains(p, "Refusé par") && strings.Contains(p, "vente ou achat")
	})
	h.clock.Advance(30 * day)
	req = h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide Paris"), nico)
	req.ChatJoinRequest.Unixtime = h.clock.Now().Unix()
	h.push(req)
	h.botMessage(modChat, "Nico", "refusée automatiquement", "vente de produits")
	if n := countMessages(h.api.BotMessages(modChat), "Nico"); n != 2 {
		t.Errorf("%d messages about Nico in the moderators' chat, want the card and the note", n)
	}
}

// With sanctions_stick off, the moderators decide, and the card says
// prominently that the person was banned.
func TestSanctionsOffTheCardSaysSo(t *testing.T) {
	t.Setenv("ENTREPAIRS_ADMISSION_SANCTIONS_STICK", "false")
	h := newHarness(t)
	dealer := asker(7801, "Tonio", "fr")
	_, fc := flagCard(h, dealer, offer)
	h.press(fc, "Bannir", mod1)
	h.botMessage(modChat, "Banni")
	card := requestAndAccept(h, dealer)
	if !strings.HasPrefix(card.Plain, "⚠️⚠️ Attention : cette personne a déjà été exclue d'un groupe.") {
		t.Errorf("the card does not open on the earlier ban:\n%s", card.Plain)
	}
}

// A refused person puts at most one card per retry_after in front of the
// moderators; in between they get a kind message with help contacts, and
// the next card shows the earlier refusal.
func TestRefusedRequesterWaitsBeforeANewCard(t *testing.T) {
	h := newHarness(t)
	alex := asker(7901, "Alex", "fr")
	card := requestAndAccept(h, alex)
	h.press(card, "Refuser", mod1)
	h.botMessage(modChat, "Refusé par")
	h.botMessage(alex.ID, "n'a pas pu l'accepter")

	h.clock.Advance(day)
	req := h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide Paris"), alex)
	req.ChatJoinRequest.Unixtime = h.clock.Now().Unix()
	h.push(req)
	declined(h, alex)
	h.botMessage(alex.ID, "refaire une demande dans quelques jours", "pas seul·e", "112")
	if n := countMessages(h.api.BotMessages(modChat), "Alex"); n != 1 {
		t.Errorf("%d messages about Alex in the moderators' chat, want the first card only", n)
	}

	h.clock.Advance(6 * day)
	second := requestAgain(h, alex)
	if second.ID == card.ID || !strings.Contains(second.Plain, "Déjà refusée 1 fois") {
		t.Errorf("the new card does not show the earlier refusal:\n%s", second.Plain)
	}
	// In English, the kind message in between.
	sam := asker(7902, "Sam", "en")
	h.press(requestAgain(h, sam), "Refuser", mod1)
	h.botMessage(modChat, "Refusé par", "Sam")
	req = h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide Paris"), sam)
	req.ChatJoinRequest.Unixtime = h.clock.Now().Unix()
	h.push(req)
	h.botMessage(sam.ID, "You can ask again in a few days", "not alone")
}

// A flag keeps the reasons' names, not the words they matched.
func TestFlagKeepsReasonNamesOnly(t *testing.T) {
	h := newHarness(t)
	// The matched fragment lies beyond the 300-character excerpt.
	long := strings.Repeat("on parle de tout et de rien ici, ", 12) + offer
	_, card := flagCard(h, frenchUser(7951, "Tonio"), long)
	flags, _ := h.m.Store.Flags(func(f *review.Flag) bool { return f.UserID == 7951 })
	if len(flags) != 1 || len(flags[0].Reasons) == 0 {
		t.Fatalf("flags: %+v", flags)
	}
	for _, r := range flags[0].Reasons {
		if r.Evidence != "" {
			t.Errorf("the flag keeps a fragment: %+v", r)
		}
	}
	if strings.Contains(card.Plain, "Wickr") || strings.Contains(card.Plain, "plug75") || strings.Contains(card.Plain, "dispo") {
		t.Errorf("the card shows words from beyond the excerpt:\n%s", card.Plain)
	}
}

// TestLastCallIsCapped: the last-day reminder about a backlog of undecided
// requests names 25 of them and counts the rest, within Telegram's limit
// on a message's length, whatever the names; each is reminded once.
func TestLastCallIsCapped(t *testing.T) {
	h := newHarness(t)
	const n = 40
	long := strings.Repeat("Prénom très long ", 12) // 204 characters
	answered := h.clock.Now()
	for i := range n {
		_, _, err := h.m.Store.OpenAdmission(admission.Admission{
			GroupID: requestGroup, UserID: int64(9100 + i), Name: long + strconv.Itoa(i), State: admission.Accepted,
			AnsweredAt: answered, CardChatID: modChat, CardMessageID: 50000 + i,
			// Reminded after 24 h already: only the last call is due.
			RemindedAt: answered.Add(day),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Advance(13*day + time.Minute)
	msg := h.botMessage(modChat, "seront fermées dans 24 h", "et 15 autre(s)")
	if got := strings.Count(msg.Plain, "\n• "); got != reminderCap {
		t.Errorf("the last call names %d requests, want %d", got, reminderCap)
	}
	if l := len([]rune(msg.Plain)); l > 4096 {
		t.Errorf("the last call is %d characters long, over Telegram's 4096", l)
	}
	h.swept()
	calls := 0
	for _, m := range h.api.BotMessages(modChat) {
		if strings.Contains(m.Plain, "seront fermées dans 24 h") {
			calls++
		}
	}
	if calls != 1 {
		t.Errorf("%d last calls for one backlog, want 1", calls)
	}
}

// reminderCap is bot's reminderItems: the most requests a reminder names.
const reminderCap = 25

// TestForgottenCardsSurviveFailedEdits: the edits of the cards about a
// member after /oubli, and of a check-in alert card at the end of its
// retention, are owed with the erasure; Telegram failing for a while
// delays them and loses none.
func TestForgottenCardsSurviveFailedEdits(t *testing.T) {
	h := newHarness(t)
	max := asker(7611, "Maxence", "fr")
	card := requestAndAccept(h, max)
	h.press(card, "Approuver", mod1)
	h.botMessage(modChat, "Approuvé par")

	h.say(emulator.PrivateChat(max), max, "/oubli")
	ask := h.botMessage(max.ID, "Effacer ce que je garde sur toi")
	h.api.FailNext("editMessageText", 5, emulator.Fault{Status: 502, Body: badGateway})
	h.press(ask, "Oui, effacer", max)
	for deadline := time.Now().Add(2 * recovery); ; time.Sleep(20 * time.Millisecond) {
		if m, _ := h.api.Message(modChat, card.ID); strings.Contains(m.Plain, "approuvée") && !strings.Contains(m.Plain, "Maxence") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the card about the member was never cleared\n%s", h.api.DumpCalls(20))
		}
	}

	h.at(2026, 11, 23, 10, 0)
	m := h.waitCheckIn(requestGroup)
	lou := frenchUser(7612, "Lou")
	h.press(m, "parler", lou)
	help := h.botMessage(lou.ID, "112")
	h.press(help, "Prévenir", lou)
	alert := h.botMessage(modChat, "aimerait parler", "Lou")
	// Remembered for clearing once Telegram accepted it, a moment after
	// it appears.
	for deadline := time.Now().Add(waitFor); ; time.Sleep(10 * time.Millisecond) {
		due, err := h.m.Store.DueCards(h.clock.Now().Add(1000 * day))
		if err != nil {
			t.Fatal(err)
		}
		if len(due) == 1 && due[0].MessageID == alert.ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the alert card was never remembered: %+v", due)
		}
	}
	h.api.FailNext("editMessageText", 5, emulator.Fault{Status: 502, Body: badGateway})
	h.clock.Advance(31 * day)
	for deadline := time.Now().Add(2 * recovery); ; time.Sleep(20 * time.Millisecond) {
		if m, _ := h.api.Message(modChat, alert.ID); strings.Contains(m.Plain, "Détails effacés") && !strings.Contains(m.Plain, "Lou") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the alert card was never cleared\n%s", h.api.DumpCalls(20))
		}
	}
	h.noPanic()
}
