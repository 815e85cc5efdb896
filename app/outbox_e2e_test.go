package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// TestModeratorCommandsNeedAListedModerator: someone who is in the
// moderators' chat without being listed under moderation.moderators (a
// guest, a former moderator not yet removed) gets neither the figures nor
// the waiting list there, only a private word; a listed moderator still
// gets both.
func TestModeratorCommandsNeedAListedModerator(t *testing.T) {
	h := newHarness(t)
	guest := frenchUser(930, "Invitée")
	h.say(modChatRoom(), guest, "/stats")
	h.say(modChatRoom(), guest, "/attente")
	h.botMessage(guest.ID, "réservée aux modérateur·ices")

	// The positive sign: the moderators' chat answers in order, so once
	// a listed moderator's answer is there, the guest's would be too.
	h.say(modChatRoom(), mod1, "/attente")
	h.botMessage(modChat, "Demandes en attente")
	h.say(modChatRoom(), mod1, "/stats")
	h.botMessage(modChat, "Activité")
	msgs := h.api.BotMessages(modChat)
	if n := countMessages(msgs, "Demandes en attente"); n != 1 {
		t.Errorf("%d waiting lists in the moderators' chat, want 1 (the listed moderator's)\n%s", n, h.api.DumpChat(modChat))
	}
	if n := countMessages(msgs, "Activité"); n != 1 {
		t.Errorf("%d activity reports in the moderators' chat, want 1\n%s", n, h.api.DumpChat(modChat))
	}
}

// floodThenOffer pushes, without waiting, msgs messages from each of
// members members of the request-mode group (every one of them trips a
// flood rule of 3 messages a minute), then a dealer's offer from Vendeur;
// it returns the offer's update id.
func floodThenOffer(h *harness, members, msgs int) int {
	now := time.Now
	if h.clock != nil {
		now = h.clock.Now
	}
	ups, offerUp := floodTraffic(h.api, members, msgs, now)
	for _, u := range ups {
		h.api.Push(u)
	}
	return h.api.Push(offerUp)
}

// floodTraffic builds msgs messages from each of members members of the
// request-mode group, interleaved as a lively evening would be, dated by
// now, and a dealer's offer from Vendeur to push after them.
func floodTraffic(api *emulator.Server, members, msgs int, now func() time.Time) (ups []tele.Update, offerUp tele.Update) {
	grp := group()
	users := make([]tele.User, members)
	for i := range users {
		users[i] = frenchUser(int64(60_000+i), fmt.Sprintf("Bavard%03d", i))
	}
	ups = make([]tele.Update, 0, members*msgs)
	for j := range msgs {
		for i := range users {
			u := api.UserMessage(grp, &users[i], benign[(i+j)%len(benign)])
			u.Message.Unixtime = now().Unix()
			ups = append(ups, u)
		}
	}
	offerUp = api.UserMessage(grp, ptr(frenchUser(69_999, "Vendeur")), offer)
	offerUp.Message.Unixtime = now().Unix()
	return ups, offerUp
}

// TestDealerCardNotBehindFloodNotices: a hundred members trip the flood
// rule at once, then a dealer posts an offer. The moderators get the
// dealer's card and one flood digest with a button to list the members,
// not a hundred flood notices ahead of the card; Telegram never answers
// 429.
func TestDealerCardNotBehindFloodNotices(t *testing.T) {
	h := newHarnessWith(t, "  flood:\n    messages: 3\n    per: 1m")
	h.api.SetLimits(emulator.TelegramLimits())
	const members = 100
	id := floodThenOffer(h, members, 4)
	h.waitHandled(id)
	card := h.botMessage(modChat, "Vendeur", "dispo ce soir")
	digest := h.botMessage(modChat, fmt.Sprintf("%d membres ont posté plus de 3 messages", members))
	msgs := h.api.BotMessages(modChat)
	if len(msgs) > 2+review.CoalesceAbove {
		t.Errorf("%d messages in the moderators' chat, want the card and the flood notices summed up\n%s", len(msgs), h.api.DumpChat(modChat))
	}
	if _, ok := card.Button("Bannir"); !ok {
		t.Errorf("the dealer's card has no ban button: %+v", card.Buttons)
	}
	h.press(digest, "Voir la liste", mod1)
	list := h.botMessage(modChat, "Messages en rafale : 100 membre(s)", "Bavard000", "et 40 autre(s)")
	if strings.Contains(list.Plain, "Vendeur") {
		t.Error("the dealer is listed among the flood")
	}
	h.press(digest, "Tout ignorer", mod1)
	h.api.WaitBotMessage(t, waitFor, modChat, func(m emulator.Message) bool {
		return m.ID == digest.ID && strings.Contains(m.Plain, "Tout est classé")
	})
	if n := h.api.TooManyRequests(); n != 0 {
		t.Errorf("%d answers 429", n)
	}
}

// TestWebhookListenFailureStopsTheBot: when the webhook's address cannot
// be opened (another program holds it), Run logs it and returns an error,
// so that the process exits non-zero and Docker or systemd restarts it,
// instead of a bot that stays up and never hears from Telegram.
func TestWebhookListenFailureStopsTheBot(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	t.Setenv("ENTREPAIRS_TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram")
	t.Setenv("ENTREPAIRS_TELEGRAM_WEBHOOK_LISTEN", taken.Addr().String())
	t.Setenv("ENTREPAIRS_TELEGRAM_WEBHOOK_SECRET_TOKEN", "webhook-secret-for-tests-123")
	api := emulator.NewT(t)
	m := NewMain(writeBotDir(t, t.TempDir(), api.URL, botConfig{}))
	logs := &syncBuffer{}
	m.LogOutput = logs
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- m.Run(ctx) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "webhook") {
			t.Errorf("Run returned %v, want the webhook's listen error", err)
		}
	case <-time.After(waitFor):
		t.Fatalf("the bot stayed up without its webhook\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "webhook stopped") {
		t.Errorf("nothing logged about the webhook:\n%s", logs.String())
	}
}

// TestUnreadableDataFileRefusesToStart: a data file that is not a bbolt
// file (a disk error, a wrong path to another file) stops the start with
// an error instead of a bot running without its state.
func TestUnreadableDataFileRefusesToStart(t *testing.T) {
	api := emulator.NewT(t)
	dir := t.TempDir()
	cfg := writeBotDir(t, dir, api.URL, botConfig{})
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "bot.db"), bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg)
	m.LogOutput = io.Discard
	err := m.Open()
	if err == nil {
		m.Close()
		t.Fatal("the bot opened a data file it cannot read")
	}
	if !strings.Contains(err.Error(), "bot.db") && !strings.Contains(err.Error(), "invalid") {
		t.Logf("error (should name the file): %v", err)
	}
}

// commandStormThenJoin pushes n group commands from one member, then a
// join request, and returns the requester and when the request was
// pushed.
func commandStormThenJoin(h *harness, n int) (tele.User, time.Time) {
	storm := frenchUser(70_001, "Insistant")
	cmds := []string{"/charte", "/urgence", "/aide", "/g"}
	for i := range n {
		u := h.api.UserMessage(group(), &storm, cmds[i%len(cmds)])
		if h.clock != nil {
			u.Message.Unixtime = h.clock.Now().Unix()
		}
		h.api.Push(u)
	}
	who := asker(70_002, "Nouvelle", "fr")
	req := h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide Paris"), who)
	if h.clock != nil {
		req.ChatJoinRequest.Unixtime = h.clock.Now().Unix()
	}
	pushed := time.Now()
	h.api.Push(req)
	return who, pushed
}

// TestCommandStormDoesNotDelayACharter: one member sends 200 commands in
// the group; each kind is answered once in the minute, and a join request
// right behind them gets its charter (the 2 s figure is measured by
// TestMeasureCommandStorm).
func TestCommandStormDoesNotDelayACharter(t *testing.T) {
	h := newHarness(t)
	h.api.SetLimits(emulator.TelegramLimits())
	who, _ := commandStormThenJoin(h, 200)
	if _, ok := h.charterFor(who, waitFor); !ok {
		t.Fatalf("no charter for the join request behind the commands\n%s", h.api.DumpChat(who.ID))
	}
	// The positive sign that every command was handled: each kind's
	// answer is in the group (in the order their updates' marks were
	// written, which handlers running side by side may swap), then a
	// moderator's /aide, answered after the storm.
	h.botMessage(requestGroup, "GHB")
	h.botMessage(requestGroup, "Si une vie est en danger")
	h.say(group(), mod1, "/aide")
	if _, ok := h.api.AwaitBotMessage(waitFor, requestGroup, func(emulator.Message) bool {
		return countMessages(h.api.BotMessages(requestGroup), "Ce que je fais pour le groupe") == 2
	}); !ok {
		t.Fatalf("the moderator's /aide was not answered after the storm\n%s", h.api.DumpChat(requestGroup))
	}
	msgs := h.api.BotMessages(requestGroup)
	if n := countMessages(msgs, "Si une vie est en danger"); n != 1 {
		t.Errorf("/urgence answered %d times in the group, want once\n%s", n, h.api.DumpChat(requestGroup))
	}
	if n := h.api.TooManyRequests(); n != 0 {
		t.Errorf("%d answers 429", n)
	}
}

// TestDismissedMessageReachesModeratorsAgain: a message the moderators set
// aside comes back to them with a card that says so when a member reports
// it, and again when its author edits it into an offer; a report on a
// message whose card is still open adds no card.
func TestDismissedMessageReachesModeratorsAgain(t *testing.T) {
	h := newHarness(t)
	author := frenchUser(930, "Sacha")
	reporter := frenchUser(931, "Noa")
	msg, card := flagCard(h, author, "Tina dispo ce soir")
	h.press(card, "Ignorer", mod1)
	h.botMessage(modChat, "Ignoré par Camille")

	report := h.api.UserMessage(group(), &reporter, "/signaler")
	report.Message.ReplyTo = msg
	h.push(report)
	again := h.botMessage(modChat, "Déjà vu", "ignoré par Camille", "Un membre vient de le signaler", "Sacha")
	if _, ok := again.Button("Supprimer"); !ok {
		t.Errorf("the new card has no buttons: %+v", again.Buttons)
	}
	h.botMessage(reporter.ID, "Merci")

	// While that card is open, the author's edit adds nothing.
	edit := *msg
	edit.Text = offer
	edit.LastEdit = h.clock.Now().Unix()
	h.push(tele.Update{EditedMessage: &edit})
	h.reviewProbe()
	if n := countMessages(h.api.BotMessages(modChat), "Déjà vu"); n != 1 {
		t.Fatalf("%d reopened cards while one is open, want 1\n%s", n, h.api.DumpChat(modChat))
	}

	// Set aside again, then edited: screened again, a card again.
	h.press(again, "Ignorer", mod2)
	h.botMessage(modChat, "Ignoré par Dominique")
	edit2 := edit
	edit2.Text = offer + " 🔌"
	edit2.LastEdit = h.clock.Now().Unix() + 1
	h.push(tele.Update{EditedMessage: &edit2})
	h.botMessage(modChat, "Déjà vu", "ignoré par Dominique", "modifié depuis", "dispo ce soir")
}

// TestCheckInWithoutTextsOfItsOwnPostsGenericTexts: an admin adds
// "name: mercredi", which the locale files have no texts for; the
// check-in is posted on Wednesday with the generic check-in texts and its
// buttons, instead of a silence and an error in the log each week.
func TestCheckInWithoutTextsOfItsOwnPostsGenericTexts(t *testing.T) {
	h := startRig(t, rigOptions{botConfig: botConfig{checkins: `checkins:
  - name: mercredi
    weekday: wednesday
    time: "19:00"`}})
	h.at(2026, 11, 25, 19, 0)
	m := h.waitCheckIn(requestGroup)
	generic := []string{"Petit tour du groupe", "Comment ça se passe pour toi", "On prend des nouvelles", "Comment va ta journée"}
	found := false
	for _, g := range generic {
		found = found || strings.Contains(m.Plain, g)
	}
	if !found {
		t.Errorf("the check-in is not one of the generic texts:\n%s", m.Plain)
	}
	if strings.Contains(h.logs.String(), "check-in has no text") {
		t.Error("the bot still logs a check-in without text")
	}
}

// TestMalformedSendIsDroppedAndCounted: Telegram refuses an answer as a
// bad request; the bot logs it with the update id, does not try it again,
// goes on answering, and /stats counts it. A passing failure (500s) is
// retried and delivered once.
func TestMalformedSendIsDroppedAndCounted(t *testing.T) {
	h := newHarness(t)
	lou := frenchUser(940, "Lou")
	h.api.FailNext("sendMessage", 1, emulator.Fault{Code: 400, Description: "Bad Request: can't parse entities"})
	u := h.api.UserMessage(emulator.PrivateChat(lou), &lou, "/urgence")
	id := h.push(u)
	h.api.FailNext("sendMessage", 2, emulator.Fault{Code: 502, Description: "Bad Gateway"})
	h.say(emulator.PrivateChat(lou), lou, "/g")
	h.botMessage(lou.ID, "GHB") // after two 502s
	if n := countMessages(h.api.BotMessages(lou.ID), "Si une vie est en danger"); n != 0 {
		t.Errorf("the refused answer arrived %d times", n)
	}
	if n := countMessages(h.api.BotMessages(lou.ID), "GHB"); n != 1 {
		t.Errorf("the answer retried after 502s arrived %d times, want once", n)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "refused by telegram as malformed") || !strings.Contains(logs, fmt.Sprintf("update_id=%d", id)) {
		t.Errorf("the drop is not logged with its update id (%d)", id)
	}
	refused := 0
	for _, c := range h.api.Calls("sendMessage") {
		if c.Int("chat_id") == lou.ID && strings.Contains(c.String("text"), "Si une vie est en danger") {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("the refused answer was tried %d times, want once", refused)
	}
	h.say(modChatRoom(), mod1, "/stats")
	h.botMessage(modChat, "Activité", "refusés par Telegram (abandonnés, détails dans le journal) : 1 (0)")
}

// TestRefusedReminderIsNotRetriedEverySweep: the 24-hour reminder that
// Telegram refuses is dropped, not sent again at every sweep; the next
// reminder, for another request, goes out.
func TestRefusedReminderIsNotRetriedEverySweep(t *testing.T) {
	h := newHarness(t)
	sam := asker(941, "Sam", "fr")
	requestAndAccept(h, sam)
	h.api.FailNext("sendMessage", 1, emulator.Fault{Code: 400, Description: "Bad Request: message is too long"})
	h.clock.Advance(24*time.Hour + time.Minute)
	deadline := time.Now().Add(waitFor)
	for !strings.Contains(h.logs.String(), "owed message refused by telegram as malformed, dropped") {
		if time.Now().After(deadline) {
			t.Fatal("no refused reminder logged")
		}
		time.Sleep(10 * time.Millisecond)
	}
	noa := asker(942, "Noa", "fr")
	requestAndAccept(h, noa)
	h.clock.Advance(24*time.Hour + time.Minute)
	h.botMessage(modChat, "attendent depuis", "Noa")
	tries := 0
	for _, c := range h.api.Calls("sendMessage") {
		if strings.Contains(c.String("text"), "attendent depuis") && strings.Contains(c.String("text"), "Sam") {
			tries++
		}
	}
	if tries != 1 {
		t.Errorf("the refused reminder was tried %d times, want once", tries)
	}
}

// TestRefusedCardStillReachesModerators: Telegram refuses a dealer's card
// as malformed; the moderators get a shorter one at once, not a retry of
// the same every sweep, and /stats counts the refusal.
func TestRefusedCardStillReachesModerators(t *testing.T) {
	h := newHarness(t)
	h.api.FailNext("sendMessage", 1, emulator.Fault{Code: 400, Description: "Bad Request: can't parse entities"})
	_, card := flagCard(h, frenchUser(950, "Tonio"), offer)
	if _, ok := card.Button("Bannir"); !ok {
		t.Errorf("the shorter card has no buttons: %+v", card.Buttons)
	}
	h.say(modChatRoom(), mod1, "/stats")
	h.botMessage(modChat, "Activité", "refusés par Telegram (abandonnés, détails dans le journal) : 1 (0)")
	if n := countMessages(h.api.BotMessages(modChat), "Tonio"); n != 1 {
		t.Errorf("%d cards for one offer", n)
	}
}
