package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// asker builds a person asking to join the request-mode group.
func asker(id int64, name, lang string) tele.User {
	u := emulator.User(id, name)
	u.LanguageCode = lang
	u.Username = strings.ToLower(name) + "_x"
	return u
}

// requestAndAccept runs a join request up to the moderators' card and
// returns the card.
func requestAndAccept(h *harness, who tele.User) emulator.Message {
	h.t.Helper()
	group := emulator.Supergroup(requestGroup, "Entraide Paris (titre Telegram)")
	req := h.api.JoinRequest(group, who)
	req.ChatJoinRequest.Bio = "Je veux arrêter, un jour à la fois"
	req.ChatJoinRequest.Unixtime = h.clock.Now().Unix()
	h.push(req)

	charter := h.botMessage(who.ID, "Charte")
	if _, ok := charter.Button("accepte"); !ok {
		t := h.t
		t.Fatalf("the charter's last message has no accept button: %+v", charter.Buttons)
	}
	payload := h.startPayload(charter, "accepte")
	h.say(emulator.PrivateChat(who), who, "/start "+payload)
	return h.botMessage(modChat, who.FirstName, "Charte acceptée ✓")
}

func TestJoinRequestApprovedByModerator(t *testing.T) {
	h := newHarness(t)
	lou := asker(42, "Lou", "fr")
	card := requestAndAccept(h, lou)

	// What the moderators see: pseudonym, @username, language, bio, group,
	// when, charter version, two buttons.
	for _, want := range []string{"Lou", "@lou_x", "Langue : fr", "Je veux arrêter", "Entraide Paris", "Demande du 19/11/2026", "version "} {
		if !strings.Contains(card.Plain, want) {
			t.Errorf("card lacks %q:\n%s", want, card.Plain)
		}
	}
	if _, ok := card.Button("Approuver"); !ok {
		t.Fatalf("no Approuver button: %+v", card.Buttons)
	}
	if _, ok := card.Button("Refuser"); !ok {
		t.Fatalf("no Refuser button: %+v", card.Buttons)
	}
	// The person was told the request went on, with the 48 h and 112 framing.
	h.botMessage(lou.ID, "48 h", "112")

	h.press(card, "Approuver", mod1)
	approve := h.api.WaitCall(t, waitFor, "approveChatJoinRequest", nil)
	if approve.ChatID() != requestGroup || approve.Int("user_id") != lou.ID {
		t.Errorf("approved chat %d user %d", approve.ChatID(), approve.Int("user_id"))
	}
	if got := h.lastToast(); !strings.Contains(got, "fait") {
		t.Errorf("moderator toast %q", got)
	}
	edited := h.botMessage(modChat, "Approuvé par Camille")
	if edited.ID != card.ID || len(edited.Buttons) != 0 {
		t.Errorf("card not edited in place without buttons: %+v", edited)
	}
	welcome := h.botMessage(lou.ID, "Bienvenue dans", "/charte", "/aide")
	if welcome.Protected {
		t.Error("the welcome is protected from forwarding: only check-ins are")
	}
	if n := h.api.CallCount("approveChatJoinRequest"); n != 1 {
		t.Errorf("approveChatJoinRequest called %d times", n)
	}
	if n := h.api.CallCount("declineChatJoinRequest"); n != 0 {
		t.Errorf("declineChatJoinRequest called %d times", n)
	}
}

func TestJoinRequestRefused(t *testing.T) {
	h := newHarness(t)
	sam := asker(43, "Sam", "fr")
	card := requestAndAccept(h, sam)
	h.press(card, "Refuser", mod2)
	h.api.WaitCall(t, waitFor, "declineChatJoinRequest", func(c emulator.Call) bool { return c.Int("user_id") == sam.ID })
	h.botMessage(modChat, "Refusé par Dominique")
	// A kind message that points to other support.
	h.botMessage(sam.ID, "Drogues Info Service", "0 800 23 13 13")
	if n := h.api.CallCount("approveChatJoinRequest"); n != 0 {
		t.Errorf("approve called %d times after a refusal", n)
	}
}

func TestEnglishSpeakerGetsEnglishCharterAndTexts(t *testing.T) {
	h := newHarness(t)
	kim := asker(44, "Kim", "en-GB")
	group := emulator.Supergroup(requestGroup, "Entraide")
	h.push(h.api.JoinRequest(group, kim))
	charter := h.botMessage(kim.ID, "Group charter")
	if _, ok := charter.Button("I accept"); !ok {
		t.Fatalf("no English accept button: %+v", charter.Buttons)
	}
	h.botMessage(kim.ID, "You asked to join")
}

func TestNonModeratorCannotDecide(t *testing.T) {
	h := newHarness(t)
	lou := asker(45, "Lou", "fr")
	card := requestAndAccept(h, lou)
	h.press(card, "Approuver", stranger)
	if got := h.lastToast(); !strings.Contains(got, "modérateur·ices") {
		t.Errorf("stranger's toast %q", got)
	}
	if n := h.api.CallCount("approveChatJoinRequest"); n != 0 {
		t.Fatalf("a non-moderator's tap approved (%d calls)", n)
	}
	cur := h.botMessage(modChat, "Lou")
	if len(cur.Buttons) == 0 || strings.Contains(cur.Plain, "Approuvé") {
		t.Errorf("card changed after a non-moderator's tap: %s", cur.Plain)
	}
	if !strings.Contains(h.logs.String(), "not a moderator") {
		t.Error("the refused tap was not logged")
	}
	// A forged button (valid shape, unknown id) changes nothing either.
	h.push(h.api.PressData(card, "\fadm|AAAAAAAAAAAAAAAA|ok", mod1))
	if got := h.lastToast(); !strings.Contains(got, "plus valide") {
		t.Errorf("forged button toast %q", got)
	}
	if n := h.api.CallCount("approveChatJoinRequest"); n != 0 {
		t.Fatalf("a forged button approved")
	}
}

func TestFirstTapWins(t *testing.T) {
	h := newHarness(t)
	lou := asker(46, "Lou", "fr")
	card := requestAndAccept(h, lou)
	h.press(card, "Approuver", mod1)
	h.api.WaitCall(t, waitFor, "approveChatJoinRequest", nil)
	// The second moderator taps the (stale) card they still have on screen.
	refuse, _ := card.Button("Refuser")
	h.push(h.api.PressData(card, refuse.Data, mod2))
	if got := h.lastToast(); !strings.Contains(got, "Déjà traité par Camille") {
		t.Errorf("second tap toast %q", got)
	}
	if n := h.api.CallCount("declineChatJoinRequest"); n != 0 {
		t.Errorf("second tap declined (%d calls)", n)
	}
	if n := h.api.CallCount("approveChatJoinRequest"); n != 1 {
		t.Errorf("approve called %d times", n)
	}
}

func TestRestartBetweenAcceptanceAndApproval(t *testing.T) {
	h := newHarness(t)
	lou := asker(47, "Lou", "fr")
	card := requestAndAccept(h, lou)
	h.restart()
	h.press(card, "Approuver", mod1)
	h.api.WaitCall(t, waitFor, "approveChatJoinRequest", func(c emulator.Call) bool { return c.Int("user_id") == lou.ID })
	h.botMessage(modChat, "Approuvé par Camille")
}

func TestRedeliveredUpdatesHaveOneEffect(t *testing.T) {
	h := newHarness(t)
	lou := asker(48, "Lou", "fr")
	group := emulator.Supergroup(requestGroup, "Entraide")
	req := h.api.JoinRequest(group, lou)
	reqID := h.push(req)
	h.botMessage(lou.ID, "Charte")
	sentBefore := len(h.api.BotMessages(lou.ID))

	// Telegram sends the same update again after a crash.
	h.restart()
	req.ID = reqID
	h.push(req)
	// And the person sends a second request (a new update id).
	h.push(h.api.JoinRequest(group, lou))
	if got := len(h.api.BotMessages(lou.ID)); got != sentBefore {
		t.Fatalf("charter sent again: %d messages, had %d\n%s", got, sentBefore, h.api.DumpChat(lou.ID))
	}

	charter := h.botMessage(lou.ID, "Charte")
	payload := h.startPayload(charter, "accepte")
	h.say(emulator.PrivateChat(lou), lou, "/start "+payload)
	card := h.botMessage(modChat, "Lou", "Charte acceptée")
	u, err := h.api.Press(card, "Approuver", mod1)
	if err != nil {
		t.Fatal(err)
	}
	id := h.push(u)
	h.api.WaitCall(t, waitFor, "approveChatJoinRequest", nil)
	h.restart()
	u.ID = id
	h.push(u) // the same tap, redelivered
	// Accepting twice (an old link) gives a calm answer and no second card.
	h.say(emulator.PrivateChat(lou), lou, "/start "+payload)
	h.botMessage(lou.ID, "déjà partie du groupe")
	if n := h.api.CallCount("approveChatJoinRequest"); n != 1 {
		t.Errorf("approveChatJoinRequest called %d times", n)
	}
	if n := countMessages(h.api.BotMessages(modChat), "Charte acceptée"); n != 1 {
		t.Errorf("%d cards for one request", n)
	}
}

func TestDecliningTheCharterPostsNothing(t *testing.T) {
	h := newHarness(t)
	noa := asker(49, "Noa", "fr")
	h.push(h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide"), noa))
	charter := h.botMessage(noa.ID, "Charte")
	h.press(charter, "ne souhaite pas", noa)
	h.botMessage(noa.ID, "refaire une demande")
	h.api.WaitCall(t, waitFor, "declineChatJoinRequest", nil)
	if n := len(h.api.BotMessages(modChat)); n != 0 {
		t.Errorf("moderators got %d messages after a declined charter", n)
	}
}

func TestSomeoneElsesLinkIsRefused(t *testing.T) {
	h := newHarness(t)
	lou := asker(50, "Lou", "fr")
	h.push(h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide"), lou))
	payload := h.startPayload(h.botMessage(lou.ID, "Charte"), "accepte")
	other := asker(51, "Max", "fr")
	h.say(emulator.PrivateChat(other), other, "/start "+payload)
	h.botMessage(other.ID, "autre personne")
	if n := len(h.api.BotMessages(modChat)); n != 0 {
		t.Errorf("a forwarded link produced a card")
	}
}

func TestReminderOnceAfter24h(t *testing.T) {
	h := newHarness(t)
	// Requests accepted an hour before and after Lou's are the positive
	// signs: the reminder naming one shows that the sweep has looked at
	// Lou's request at that time too.
	sam := asker(53, "Sam", "fr")
	requestAndAccept(h, sam)
	h.clock.Advance(time.Hour)
	lou := asker(52, "Lou", "fr")
	requestAndAccept(h, lou)
	h.clock.Advance(23*time.Hour + time.Minute)
	if first := h.botMessage(modChat, "attendent depuis", "Sam"); strings.Contains(first.Plain, "Lou") {
		t.Fatalf("reminder before 24h")
	}
	noa := asker(54, "Noa", "fr")
	requestAndAccept(h, noa)
	h.clock.Advance(2 * time.Hour)
	h.botMessage(modChat, "attendent depuis plus de 24 h", "Lou")
	h.clock.Advance(48 * time.Hour)
	h.botMessage(modChat, "attendent depuis", "Noa")
	for _, who := range []string{"Sam", "Lou"} {
		n := 0
		for _, m := range h.api.BotMessages(modChat) {
			if strings.Contains(m.Plain, "attendent depuis") && strings.Contains(m.Plain, who) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s in %d reminders, want 1", who, n)
		}
	}
}

func TestPendingListOldestFirst(t *testing.T) {
	h := newHarness(t)
	first := asker(53, "Alpha", "fr")
	requestAndAccept(h, first)
	h.clock.Advance(time.Hour)
	second := asker(54, "Beta", "fr")
	h.push(h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide"), second))

	h.say(emulator.Supergroup(modChat, "Modération"), mod1, "/attente")
	list := h.botMessage(modChat, "Demandes en attente : 2")
	a, b := strings.Index(list.Plain, "Alpha"), strings.Index(list.Plain, "Beta")
	if a < 0 || b < 0 || a > b {
		t.Errorf("not oldest first:\n%s", list.Plain)
	}
	if !strings.Contains(list.Plain, "pas encore accepté") || !strings.Contains(list.Plain, "à valider") {
		t.Errorf("states not shown:\n%s", list.Plain)
	}
	// The English alias works too, and members get nothing from it in private.
	h.say(emulator.PrivateChat(second), second, "/pending")
	h.botMessage(second.ID, "réservée aux modérateur·ices")
}

func TestRestrictModeFromArrivalToLiftedRestriction(t *testing.T) {
	h := newHarness(t)
	group := emulator.Supergroup(restrictGrp, "Entraide Bruxelles")
	zoe := asker(60, "Zoé", "fr")
	h.push(tele.Update{ChatMember: &tele.ChatMemberUpdate{
		Chat: group, Sender: &zoe, Unixtime: h.clock.Now().Unix(),
		OldChatMember: &tele.ChatMember{User: &zoe, Role: tele.Left},
		NewChatMember: &tele.ChatMember{User: &zoe, Role: tele.Member},
	}})
	// Also seen as a service message: still one admission.
	joined := h.api.UserMessage(group, &zoe, "")
	joined.Message.UserJoined = &zoe
	h.push(joined)

	mute := h.api.WaitCall(t, waitFor, "restrictChatMember", nil)
	if mute.Int("user_id") != zoe.ID || strings.Contains(mute.String("permissions"), `"can_send_messages":true`) {
		t.Errorf("newcomer not muted: %s", mute.String("permissions"))
	}
	notice := h.botMessage(restrictGrp, "Bienvenue Zoé")
	payload := h.startPayload(notice, "charte")
	if n := countMessages(h.api.BotMessages(restrictGrp), "Bienvenue"); n != 1 {
		t.Errorf("%d notices", n)
	}

	h.say(emulator.PrivateChat(zoe), zoe, "/start "+payload)
	charter := h.botMessage(zoe.ID, "Charte")
	h.press(charter, "accepte", zoe)
	card := h.botMessage(modChat, "Zoé", "Charte acceptée ✓")

	// The notice goes after a few minutes.
	h.clock.Advance(6 * time.Minute)
	h.api.WaitCall(t, waitFor, "deleteMessage", func(c emulator.Call) bool { return c.Int("message_id") == int64(notice.ID) })

	h.press(card, "Approuver", mod1)
	lift := h.api.WaitCall(t, waitFor, "restrictChatMember", func(c emulator.Call) bool {
		return strings.Contains(c.String("permissions"), `"can_send_messages":true`)
	})
	if lift.Int("user_id") != zoe.ID {
		t.Errorf("lifted for %d", lift.Int("user_id"))
	}
	h.botMessage(zoe.ID, "Bienvenue dans")
}

func TestRestrictModeRefusalRemovesThePerson(t *testing.T) {
	h := newHarness(t)
	group := emulator.Supergroup(restrictGrp, "Entraide Bruxelles")
	eli := asker(61, "Eli", "fr")
	joined := h.api.UserMessage(group, &eli, "")
	joined.Message.UserJoined = &eli
	h.push(joined)
	payload := h.startPayload(h.botMessage(restrictGrp, "Bienvenue Eli"), "charte")
	h.say(emulator.PrivateChat(eli), eli, "/start "+payload)
	h.press(h.botMessage(eli.ID, "Charte"), "accepte", eli)
	h.press(h.botMessage(modChat, "Eli"), "Refuser", mod1)
	ban := h.api.WaitCall(t, waitFor, "", func(c emulator.Call) bool {
		return (c.Method == "banChatMember" || c.Method == "kickChatMember") && c.Int("user_id") == eli.ID
	})
	unban := h.api.WaitCall(t, waitFor, "unbanChatMember", nil)
	if !unban.At.After(ban.At) && !unban.At.Equal(ban.At) {
		t.Error("unban before ban")
	}
	h.botMessage(modChat, "Refusé par Camille")
}

func TestCharterEditedWhileRunning(t *testing.T) {
	h := newHarness(t)
	member := asker(70, "Ali", "fr")
	h.say(emulator.PrivateChat(member), member, "/charte")
	h.botMessage(member.ID, "Charte")

	h.writeFile("charter.md", "# Charte modifiée\n\nUne règle **nouvelle** : prendre soin les un·es des autres.\n")
	deadline := time.Now().Add(waitFor)
	for !strings.Contains(h.logs.String(), "charter reloaded") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	h.say(emulator.PrivateChat(member), member, "/charte")
	got := h.botMessage(member.ID, "Charte modifiée", "prendre soin")
	if !strings.Contains(got.Text, "<b>nouvelle</b>") {
		t.Errorf("markdown not rendered: %s", got.Text)
	}

	// A join request now records the new version.
	lou := asker(71, "Lou", "fr")
	card := requestAndAccept(h, lou)
	if !strings.Contains(card.Plain, "version "+h.m.Charters.Get(filepath.Join(h.dir, "charter.md"), "fr").Version) {
		t.Errorf("card does not show the current version:\n%s", card.Plain)
	}
}

func TestBrokenCharterKeepsLastGoodVersion(t *testing.T) {
	h := newHarness(t)
	if err := os.WriteFile(filepath.Join(h.dir, "charter.md"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h.botMessage(modChat, "charter.md", "dernière version valide")
	// Several more polls of the broken file, each finished (and whatever it
	// told the moderators sent) when Poll returns.
	for range 3 {
		h.m.Watcher.Poll()
	}
	if n := countMessages(h.api.BotMessages(modChat), "charter.md"); n != 1 {
		t.Errorf("moderators told %d times, want once", n)
	}
	member := asker(72, "Ali", "fr")
	h.say(emulator.PrivateChat(member), member, "/charte")
	h.botMessage(member.ID, "Charte")
}

func TestCommandsMenuPublished(t *testing.T) {
	h := newHarness(t)
	h.api.WaitCallCount(t, waitFor, "setMyCommands", 4)
	fr := h.api.MyCommands(tele.CommandScope{}, "")
	en := h.api.MyCommands(tele.CommandScope{}, "en")
	mods := h.api.MyCommands(tele.CommandScope{Type: tele.CommandScopeChat, ChatID: modChat}, "")
	names := func(cmds []tele.Command) string {
		var s []string
		for _, c := range cmds {
			s = append(s, c.Text)
		}
		return strings.Join(s, ",")
	}
	if got := names(fr); got != "ressources,urgence,g,charte,signaler,aide,oubli" {
		t.Errorf("default menu %q", got)
	}
	if fr[3].Description != "Relire la charte du groupe" {
		t.Errorf("french menu %+v", fr)
	}
	if len(en) != 7 || !strings.Contains(en[3].Description, "charter") {
		t.Errorf("english menu %+v", en)
	}
	if got := names(mods); !strings.Contains(got, "attente") {
		t.Errorf("moderators' menu %q", got)
	}
	if strings.Contains(names(fr), "attente") {
		t.Error("moderator command offered to members")
	}
}
