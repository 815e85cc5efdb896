package app

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// Surviving faults: Telegram (here the fake) answering errors, garbage or
// slowly, and updates no sane client would send. In every case the bot must
// log, recover and keep serving; each test ends with an ordinary interaction
// that has to work.

// recovery is generous: after a fault the bot may back off (up to a few
// seconds for getUpdates) before it serves again.
const recovery = 20 * time.Second

// badGateway is what a reverse proxy in front of Telegram answers when it
// cannot reach it.
const badGateway = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// noPanic fails the test when a panic reached the log: the recover
// middleware keeps the bot alive, but a panic is still a bug.
func (h *harness) noPanic() {
	h.t.Helper()
	if strings.Contains(h.logs.String(), "panic") {
		h.t.Errorf("a handler panicked:\n%s", h.logs.String())
	}
}

// charterFor waits (up to timeout) for the charter with its accept button
// in the person's private chat.
func (h *harness) charterFor(who tele.User, timeout time.Duration) (emulator.Message, bool) {
	return h.api.AwaitBotMessage(timeout, who.ID, func(m emulator.Message) bool {
		_, ok := m.Button("accepte")
		return ok
	})
}

// stillServes checks the bot's main duty end to end: a new join request
// gets its charter, and accepting it puts a card in front of the moderators.
func (h *harness) stillServes(id int64) {
	h.t.Helper()
	who := asker(id, fmt.Sprintf("Apres%d", id), "fr")
	h.api.Push(h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide"), who))
	charter, ok := h.charterFor(who, recovery)
	if !ok {
		h.t.Fatalf("the bot stopped serving: no charter for a new join request within %v\n%s", recovery, h.api.DumpCalls(30))
	}
	h.say(emulator.PrivateChat(who), who, "/start "+h.startPayload(charter, "accepte"))
	h.botMessage(modChat, who.FirstName, "Charte acceptée ✓")
	h.noPanic()
}

// logged waits until the log contains every fragment.
func (h *harness) logged(fragments ...string) bool {
	deadline := time.Now().Add(waitFor)
	for {
		logs := h.logs.String()
		all := true
		for _, f := range fragments {
			all = all && strings.Contains(logs, f)
		}
		if all || time.Now().After(deadline) {
			return all
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSendMessageFaultsAreSurvived(t *testing.T) {
	cases := []struct {
		name  string
		n     int
		fault emulator.Fault
	}{
		{"500", 1, emulator.Fault{Status: 500}},
		{"502 with an HTML page", 1, emulator.Fault{Status: 502, Body: badGateway}},
		{"malformed JSON with 200", 1, emulator.Fault{Body: `{"ok":true,"result":{"message_id":`}},
		{"not JSON at all with 200", 1, emulator.Fault{Body: "Service Unavailable"}},
		{"429 storm", 5, emulator.Fault{Code: 429, RetryAfter: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // independent harnesses; mostly waiting on backoffs
			h := newHarness(t)
			h.api.FailNext("sendMessage", tc.n, tc.fault)
			// As many people ask as there are faults: a bot that does not
			// retry uses up one fault per person, one that retries uses
			// them all on the first; either way the storm ends.
			var first []tele.User
			for i := range tc.n {
				who := asker(int64(100+i), fmt.Sprintf("Premier%d", i), "fr")
				first = append(first, who)
				h.push(h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide"), who))
			}
			// Either the bot delivered the charter after all (a sender that
			// retries) or it logged that it could not: never silence.
			for _, who := range first {
				deadline := time.Now().Add(recovery)
				for {
					if _, ok := h.charterFor(who, 50*time.Millisecond); ok {
						break
					}
					logs := h.logs.String()
					if strings.Contains(logs, "chat_id="+strconv.FormatInt(who.ID, 10)) &&
						(strings.Contains(logs, "level=WARN") || strings.Contains(logs, "level=ERROR")) {
						break
					}
					if time.Now().After(deadline) {
						t.Errorf("the charter to %d was neither delivered nor its failure logged:\n%s", who.ID, logs)
						break
					}
				}
			}
			// Telegram's faults end; the bot serves the next person.
			h.stillServes(99)
			// And the first people can ask again and get the charter.
			for _, who := range first {
				h.push(h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide"), who))
				if _, ok := h.charterFor(who, recovery); !ok {
					t.Errorf("asking again after a failed charter gave nothing\n%s", h.api.DumpChat(who.ID))
				}
			}
		})
	}
}

func TestGetUpdatesFaultsAreSurvived(t *testing.T) {
	cases := []struct {
		name  string
		n     int
		fault emulator.Fault
	}{
		{"500", 2, emulator.Fault{Status: 500}},
		{"502 with an HTML page", 2, emulator.Fault{Status: 502, Body: badGateway}},
		{"malformed JSON", 1, emulator.Fault{Body: `{"ok":true,"result":[{"update_id":`}},
		{"result is not a list", 1, emulator.Fault{Body: `{"ok":true,"result":{"update_id":1}}`}},
		{"429", 1, emulator.Fault{Code: 429, RetryAfter: 1}},
		{"409 conflict", 1, emulator.Fault{Code: 409}},
		// A slow Telegram: answered normally, but only after 3 s.
		{"slow", 1, emulator.Fault{Delay: 3 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // independent harnesses; mostly waiting on backoffs
			h := newHarness(t)
			h.api.WaitCall(t, waitFor, "getUpdates", nil)
			mark := h.api.Mark()
			h.api.FailNext("getUpdates", tc.n, tc.fault)
			// Updates arriving meanwhile are not lost.
			waiting := asker(110, "Patiente", "fr")
			h.api.Push(h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide"), waiting))
			if _, ok := h.charterFor(waiting, recovery); !ok {
				t.Fatalf("an update pushed during the fault was never handled\n%s", h.api.DumpCalls(30))
			}
			if tc.fault.Delay == 0 {
				failed := 0
				for _, c := range h.api.Calls("getUpdates") {
					if c.Seq > mark && !c.OK() {
						failed++
					}
				}
				if failed != tc.n {
					t.Errorf("%d failed getUpdates seen, want %d", failed, tc.n)
				}
				if !h.logged("getUpdates failed") {
					t.Errorf("the failed poll was not logged:\n%s", h.logs.String())
				}
			}
			h.stillServes(111)
		})
	}
}

// A moderator approves while a proxy in front of Telegram answers with an
// error page: the person must not be told they are in, and the approval
// must still happen once Telegram is back.
func TestApprovalThroughABadGateway(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault emulator.Fault
	}{
		{"502 HTML", emulator.Fault{Status: 502, Body: badGateway}},
		{"200 garbage", emulator.Fault{Body: "<html>upstream timed out</html>"}},
		{"500 JSON", emulator.Fault{Status: 500}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // independent harnesses; mostly waiting on backoffs
			h := newHarness(t)
			lou := asker(120, "Lou", "fr")
			card := requestAndAccept(h, lou)
			h.api.FailNext("approveChatJoinRequest", 1, tc.fault)
			h.press(card, "Approuver", mod1)
			// The sweep retries the decision; the second call succeeds.
			h.api.WaitCall(t, recovery, "approveChatJoinRequest", func(c emulator.Call) bool { return c.OK() })
			h.botMessage(modChat, "Approuvé par Camille")
			if got := h.api.MemberStatus(requestGroup, lou.ID); got != "member" {
				t.Errorf("member status %q after approval", got)
			}
			welcome := h.botMessage(lou.ID, "Bienvenue dans")
			// Nothing told the person they were in before Telegram said so.
			var okAt time.Time
			for _, c := range h.api.Calls("approveChatJoinRequest") {
				if c.OK() {
					okAt = c.At
					break
				}
			}
			if welcome.Date.Before(okAt.Truncate(time.Second)) {
				t.Errorf("welcome sent at %v, before the approval succeeded at %v", welcome.Date, okAt)
			}
			for _, c := range h.api.Calls("sendMessage") {
				if c.ChatID() == lou.ID && strings.Contains(c.Text(), "Bienvenue dans") && c.At.Before(okAt) {
					t.Errorf("the person was welcomed before Telegram approved them")
				}
			}
			if n := countMessages(h.api.BotMessages(lou.ID), "Bienvenue dans"); n != 1 {
				t.Errorf("%d welcome messages", n)
			}
			h.noPanic()
		})
	}
}

func TestBlockedRequesterIsStillListed(t *testing.T) {
	h := newHarness(t)
	shy := asker(130, "Discret", "fr")
	h.api.Block(shy.ID)
	h.push(h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide"), shy))
	if !h.logged("owed message refused by telegram", "chat_id=130") {
		t.Errorf("the refused charter was not logged:\n%s", h.logs.String())
	}
	h.say(emulator.Supergroup(modChat, "Modération"), mod1, "/attente")
	list := h.botMessage(modChat, "Demandes en attente : 1")
	if !strings.Contains(list.Plain, "Discret") || !strings.Contains(list.Plain, "pas encore accepté") {
		t.Errorf("the blocked requester is not listed as waiting for the charter:\n%s", list.Plain)
	}
	// A flag whose author blocked the bot: the warning cannot reach them,
	// the decision still applies.
	dealer := frenchUser(131, "Bloqueur")
	h.api.Block(dealer.ID)
	msg, card := flagCard(h, dealer, offer)
	h.press(card, "Avertir", mod1)
	h.api.WaitCall(t, waitFor, "deleteMessage", func(c emulator.Call) bool { return c.Int("message_id") == int64(msg.ID) })
	h.botMessage(modChat, "avertissement n° 1")
	h.stillServes(132)
}

// A 429 storm while a flag is posted: the card still reaches the
// moderators, once.
func TestFlagCardSurvivesA429Storm(t *testing.T) {
	h := newHarness(t)
	h.api.FailNext("sendMessage", 5, emulator.Fault{Code: 429, RetryAfter: 1})
	dealer := frenchUser(140, "Orage")
	h.post(group(), dealer, offer)
	// Flags left unshown are re-posted by the sweep after 5 s (bot clock).
	h.clock.Advance(6 * time.Second)
	card, ok := h.api.AwaitBotMessage(recovery, modChat, func(m emulator.Message) bool { return strings.Contains(m.Plain, "Orage") })
	if !ok {
		t.Fatalf("the flag never reached the moderators after a 429 storm\n%s", h.api.DumpCalls(30))
	}
	if _, ok := card.Button("Bannir"); !ok {
		t.Errorf("card without buttons: %+v", card.Buttons)
	}
	h.reviewProbe()
	if n := countMessages(h.api.BotMessages(modChat), "Orage"); n != 1 {
		t.Errorf("%d cards for one flag", n)
	}
	h.stillServes(141)
}

// rawUpdate marshals one update field for PushRaw (no update_id: the fake
// assigns it).
func rawUpdate(t *testing.T, fields map[string]any) string {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func userJSON(u tele.User) map[string]any {
	return map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName, "language_code": u.LanguageCode}
}

func botJSON() map[string]any {
	return map[string]any{"id": emulator.BotID, "is_bot": true, "first_name": emulator.BotFirstName, "username": emulator.BotUsername}
}

// mixedScripts returns n characters of Latin, Cyrillic, Arabic, emoji
// (with skin tones and joiners), zero-width and direction marks, and HTML
// that must stay text.
func mixedScripts(n int) string {
	pieces := []string{
		"Salut à toutes et tous, ça va ? ", "Привет, как дела? ", "مرحبا، كيف حالك؟ ",
		"🌿❤️‍🔥👩🏽‍⚕️🏳️‍🌈 ", "zéro\u200bwidth\u200d\u2060\ufeff ", "\u202eesrever\u202c ",
		"e\u0301 n\u0303 ", "<b>gras</b> & <a href=\"x\">lien</a> ", "日本語のテキスト ", "עברית ",
	}
	var runes []rune
	for i := 0; len(runes) < n; i++ {
		runes = append(runes, []rune(pieces[i%len(pieces)])...)
	}
	return string(runes[:n])
}

func TestStrangeUpdatesAreSurvived(t *testing.T) {
	h := newHarness(t)
	member := frenchUser(150, "Membre")
	grp := map[string]any{"id": requestGroup, "type": "supergroup", "title": "Entraide Paris"}
	msgIn := func(chat map[string]any, chatID int64, extra map[string]any) map[string]any {
		m := map[string]any{
			"message_id": h.api.NextMessageID(chatID), "date": time.Now().Unix(),
			"chat": chat, "from": userJSON(member),
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	pushRaw := func(js string) int {
		t.Helper()
		id := h.api.PushRaw(js)
		h.waitHandled(id)
		return id
	}

	t.Run("unconfigured group", func(t *testing.T) {
		other := map[string]any{"id": int64(-1005555000005), "type": "supergroup", "title": "Autre groupe"}
		pushRaw(rawUpdate(t, map[string]any{"message": msgIn(other, -1005555000005, map[string]any{"text": offer})}))
		pushRaw(rawUpdate(t, map[string]any{"message": msgIn(other, -1005555000005, map[string]any{"text": "/attente"})}))
		if !h.logged("update from an unconfigured chat ignored", "chat_id=-1005555000005") {
			t.Errorf("not logged:\n%s", h.logs.String())
		}
		if n := len(h.api.BotMessages(-1005555000005)) + len(h.api.BotMessages(modChat)); n != 0 {
			t.Errorf("the bot answered an unconfigured group (%d messages)", n)
		}
	})

	t.Run("added to an unconfigured group", func(t *testing.T) {
		const foreign int64 = -1006666000006
		h.push(h.api.UserMessage(emulator.Supergroup(foreign, "Groupe inconnu"), &member, "salut")) // the fake learns the chat
		mark := h.api.Mark()
		pushRaw(rawUpdate(t, map[string]any{"my_chat_member": map[string]any{
			"chat": map[string]any{"id": foreign, "type": "supergroup", "title": "Groupe inconnu"},
			"from": userJSON(member), "date": time.Now().Unix(),
			"old_chat_member": map[string]any{"user": botJSON(), "status": "left"},
			"new_chat_member": map[string]any{"user": botJSON(), "status": "administrator", "can_delete_messages": true},
		}}))
		leave := h.api.WaitCall(t, waitFor, "leaveChat", func(c emulator.Call) bool { return c.Seq > mark })
		if leave.ChatID() != foreign {
			t.Errorf("left chat %d", leave.ChatID())
		}
		if !h.logged("not configured for: leaving it", "chat_id=-1006666000006") {
			t.Errorf("leaving not logged:\n%s", h.logs.String())
		}
		// The bot's own status changing in a served group: logged, no leave.
		pushRaw(rawUpdate(t, map[string]any{"my_chat_member": map[string]any{
			"chat": grp, "from": userJSON(mod1), "date": time.Now().Unix(),
			"old_chat_member": map[string]any{"user": botJSON(), "status": "administrator"},
			"new_chat_member": map[string]any{"user": botJSON(), "status": "member"},
		}}))
		if n := h.api.CallCount("leaveChat"); n != 1 {
			t.Errorf("%d leaveChat calls, want 1 (a served group must never be left)", n)
		}
	})

	t.Run("messages without text", func(t *testing.T) {
		sticker := map[string]any{"file_id": "CAACAgIAAxk", "file_unique_id": "AgAD", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false}
		for _, extra := range []map[string]any{
			{},
			{"sticker": sticker},
			{"location": map[string]any{"latitude": 48.85, "longitude": 2.35}},
			{"photo": []any{map[string]any{"file_id": "p", "file_unique_id": "p1", "width": 90, "height": 90}}},
			{"text": ""},
			{"new_chat_title": "Nouveau titre"},
		} {
			pushRaw(rawUpdate(t, map[string]any{"message": msgIn(grp, requestGroup, extra)}))
		}
		private := map[string]any{"id": member.ID, "type": "private", "first_name": member.FirstName}
		pushRaw(rawUpdate(t, map[string]any{"message": msgIn(private, member.ID, map[string]any{"sticker": sticker})}))
		// A message from an anonymous admin (sender_chat, no from).
		anon := msgIn(grp, requestGroup, map[string]any{"text": offer, "sender_chat": grp})
		delete(anon, "from")
		pushRaw(rawUpdate(t, map[string]any{"message": anon}))
		if n := len(h.api.BotMessages(requestGroup)) + len(h.api.BotMessages(member.ID)); n != 0 {
			t.Errorf("the bot answered a message without text (%d messages)", n)
		}
	})

	t.Run("4096 characters of mixed scripts", func(t *testing.T) {
		long := mixedScripts(4096)
		pushRaw(rawUpdate(t, map[string]any{"message": msgIn(grp, requestGroup, map[string]any{"text": long})}))
		h.say(emulator.PrivateChat(member), member, long)
		h.say(emulator.PrivateChat(member), member, "/start "+long)
		// An offer drowned in it still reaches the moderators, its excerpt
		// valid HTML (the fake refuses what Telegram would refuse).
		drowned := offer + " " + mixedScripts(4096-len([]rune(offer))-1)
		h.post(group(), frenchUser(151, "Polyglotte"), drowned)
		card := h.botMessage(modChat, "Polyglotte", "Message repéré par le filtre")
		if len([]rune(card.Plain)) > 4096 {
			t.Errorf("card of %d characters", len([]rune(card.Plain)))
		}
		for _, c := range h.api.Calls("sendMessage") {
			if !c.OK() {
				t.Errorf("Telegram refused a message: %s", c.Error)
			}
		}
	})

	// Every kind of button data the bot could receive but never sent.
	t.Run("forged, stale and foreign buttons", func(t *testing.T) {
		h.say(emulator.PrivateChat(member), member, "/aide")
		help := h.botMessage(member.ID, "")
		_, card := flagCard(h, frenchUser(152, "Carte"), offer+" (bouton)")
		for _, tc := range []struct {
			msg  emulator.Message
			from tele.User
			data string
		}{
			{help, member, "plain data"},
			{help, member, "\fold|x|y"},
			{help, member, "\f"},
			{help, member, "\f|"},
			{help, member, "\fadm"},
			{help, member, "\fchr|AAAAAAAAAAAAAAAA|yes"},
			{help, member, "\fchr|AAAAAAAAAAAAAAAA|maybe"},
			{help, member, "\fmood|-1001111000001|2026-W47|good"},
			{help, member, "\fmood|not-a-number|x|good"},
			{help, member, "\falrt|-1001111000001|nope|hard"},
			{help, member, "\fres|c|nope|FR"},
			{help, member, "\fres|r|XX|"},
			{help, member, "\fforget|maybe"},
			{help, member, "\x00\xff\xfe invalid utf-8"},
			{card, mod1, "\fflg|NOSUCHFLAG00000|d"},
			{card, mod1, "\fflg|" + strings.Repeat("A", 64) + "|b"},
			{card, mod1, "\fdig|NOSUCHDIGEST0000|b"},
			{card, mod1, "\fdig|x|w"},
			{card, mod1, "\fadm|AAAAAAAAAAAAAAAA|ok"},
			{card, mod1, "\fadm|AAAAAAAAAAAAAAAA|" + strings.Repeat("ok", 30)},
		} {
			mark := h.api.Mark()
			h.push(h.api.PressData(tc.msg, tc.data, tc.from))
			answer, ok := h.api.AwaitCall(waitFor, "answerCallbackQuery", func(c emulator.Call) bool { return c.Seq > mark })
			switch {
			case !ok:
				t.Errorf("data %q: the tap was not answered (the person's spinner keeps turning)", tc.data)
			case strings.Contains(answer.Text(), "plus valide"):
			default:
				// A real button with foreign data (the /oubli cancel path)
				// answers silently; anything else is a calm toast.
				// A charter answer for an admission the bot does not know
				// says so kindly.
				if answer.Text() != "" && !strings.Contains(answer.Text(), "Ce bouton") && !strings.Contains(answer.Text(), "Je ne retrouve pas cette demande") {
					t.Errorf("data %q answered %q, neither silence nor a calm toast", tc.data, answer.Text())
				}
			}
		}
		if got, _ := h.api.Message(modChat, card.ID); len(got.Buttons) == 0 {
			t.Error("a forged tap closed the card")
		}
		if n := h.api.CallCount("approveChatJoinRequest") + h.api.CallCount("banChatMember") + h.api.CallCount("kickChatMember") + h.api.CallCount("deleteMessage"); n != 0 {
			t.Errorf("forged buttons caused %d actions", n)
		}
		if !h.logged("unknown or stale button") {
			t.Error("stale buttons not logged")
		}
		// A callback about a message the bot cannot see (inline message,
		// or too old): no message at all in the query.
		before := h.api.Mark()
		for i, data := range []string{"\falrt|-1001111000001|k|hard", "\fforget|yes", "\fres|m|FR", "\fchr|X|no", "\fmood|-1001111000001|k|good"} {
			pushRaw(rawUpdate(t, map[string]any{"callback_query": map[string]any{
				"id": "77" + strconv.Itoa(i), "from": userJSON(member), "chat_instance": "1", "data": data, "inline_message_id": "AAAA",
			}}))
		}
		// Handled (pushRaw waited for the ledger) and without effect: no
		// message, edit, deletion or member change from a tap the bot
		// cannot place.
		for _, c := range h.api.Calls("") {
			if c.Seq <= before {
				continue
			}
			switch c.Method {
			case "answerCallbackQuery":
				if !c.OK() {
					t.Errorf("an inline callback was answered twice or wrongly: %v %s", c.Raw, c.Error)
				}
			case "getUpdates", "sendChatAction":
			default:
				t.Errorf("an inline callback caused %s %v", c.Method, c.Raw)
			}
		}
	})

	t.Run("unknown fields and empty updates", func(t *testing.T) {
		m := msgIn(grp, requestGroup, map[string]any{
			"text":                   "courage à tous ❤️",
			"future_field":           map[string]any{"nested": []any{1, "two", nil}},
			"effect_id":              "5104841245755180586",
			"paid_star_count":        3,
			"reply_to_story":         map[string]any{"chat": grp, "id": 7},
			"link_preview_options":   map[string]any{"is_disabled": true},
			"is_from_offline":        true,
			"sender_business_bot":    botJSON(),
			"business_connection_id": "x",
		})
		pushRaw(rawUpdate(t, map[string]any{"message": m, "message_zz_future_kind": map[string]any{"x": 1}}))
		pushRaw(`{}`)
		// Fields with the wrong types: the update cannot be decoded.
		pushRaw(rawUpdate(t, map[string]any{"message": map[string]any{"message_id": "douze", "chat": grp, "text": 42}}))
		if !h.logged("undecodable update skipped") {
			t.Errorf("the undecodable update was not logged:\n%s", h.logs.String())
		}
		// Not an object at all: delivered once by the fake, never
		// confirmable; the bot must poll on.
		h.api.PushRaw(`[1,2,3]`)
		h.api.PushRaw(`"update"`)
	})

	h.stillServes(153)
}

// Telegram no longer has the join request when the moderator's decision
// reaches it: carried out before a crash kept the bot from recording it,
// or by an admin in Telegram's own interface. The person is in (or out)
// as decided; the bot must finish the job, not report a failure.
func TestDecisionAlreadyCarriedOutInTelegram(t *testing.T) {
	gone := emulator.Fault{Code: 400, Description: "Bad Request: HIDE_REQUESTER_MISSING"}
	t.Run("approved", func(t *testing.T) {
		h := newHarness(t)
		lou := asker(160, "Lou", "fr")
		card := requestAndAccept(h, lou)
		h.api.SetMember(requestGroup, lou.ID, "member")
		h.api.FailNext("approveChatJoinRequest", 1, gone)
		h.press(card, "Approuver", mod1)
		edited := h.botMessage(modChat, "Approuvé par Camille")
		if strings.Contains(edited.Plain, "HIDE_REQUESTER_MISSING") {
			t.Errorf("the card reports a failure:\n%s", edited.Plain)
		}
		h.botMessage(lou.ID, "Bienvenue dans")
	})
	t.Run("refused", func(t *testing.T) {
		h := newHarness(t)
		sam := asker(161, "Sam", "fr")
		card := requestAndAccept(h, sam)
		h.api.SetMember(requestGroup, sam.ID, "left")
		h.api.FailNext("declineChatJoinRequest", 1, gone)
		h.press(card, "Refuser", mod1)
		edited := h.botMessage(modChat, "Refusé par Camille")
		if strings.Contains(edited.Plain, "HIDE_REQUESTER_MISSING") {
			t.Errorf("the card reports a failure:\n%s", edited.Plain)
		}
		h.botMessage(sam.ID, "Drogues Info Service")
	})
	t.Run("approved elsewhere, refused here", func(t *testing.T) {
		// An admin let the person in through Telegram while a moderator
		// refused in the bot: Telegram's state wins and the card says so.
		h := newHarness(t)
		kim := asker(162, "Kim", "fr")
		card := requestAndAccept(h, kim)
		h.api.SetMember(requestGroup, kim.ID, "member")
		h.api.FailNext("declineChatJoinRequest", 1, gone)
		h.press(card, "Refuser", mod1)
		h.botMessage(modChat, "Refusé par Camille", "HIDE_REQUESTER_MISSING")
		if n := countMessages(h.api.BotMessages(kim.ID), "Drogues Info Service"); n != 0 {
			t.Error("told a refusal Telegram did not carry out")
		}
	})
}

// A digest recorded but never sent (Telegram down for longer than the
// sender retries, or a crash while it waited for its turn) must still reach
// the moderators: its flags are otherwise never shown.
func TestDigestSurvivesAFailedSend(t *testing.T) {
	h := newHarness(t)
	h.api.FailNext("sendMessage", 5, emulator.Fault{Status: 502, Body: badGateway})
	var ids []int
	for i := range 3 {
		u := h.api.UserMessage(group(), ptr(frenchUser(int64(170+i), fmt.Sprintf("Panne%d", i))), fmt.Sprintf("%s (%d)", offer, i))
		u.Message.Unixtime = h.clock.Now().Unix()
		ids = append(ids, h.api.Push(u))
	}
	for _, id := range ids {
		h.waitHandled(id)
	}
	digest, ok := h.api.AwaitBotMessage(recovery, modChat, func(m emulator.Message) bool {
		return strings.Contains(m.Plain, "Panne0") && strings.Contains(m.Plain, "Panne2")
	})
	if !ok {
		t.Fatalf("the flags never reached the moderators\n%s", h.api.DumpCalls(20))
	}
	h.reviewProbe()
	if n := countMessages(h.api.BotMessages(modChat), "Panne1"); n != 1 {
		t.Errorf("flags shown %d times", n)
	}
	h.press(digest, "Tout supprimer", mod1)
	h.api.WaitCallCount(t, waitFor, "deleteMessage", 3)
	h.noPanic()
}
