package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/store"
	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// The fuzzers feed updates through the real dispatch path (telebot's
// router, the middleware, every handler, the store, the Telegram emulator)
// without polling: HandleUpdate is what the poll loop calls for each
// update. The properties: no panic (not even one the recover middleware
// catches), and a store that stays consistent: readable, and every
// decision in it taken by a configured moderator about a served group.
//
// The bot runs on the rig with its outbox unpaced: Telegram's limits (30
// calls a second overall) would bound the fuzzers to a few inputs a second.
//
//	go test -run XXX -fuzz FuzzUpdateDispatcher -fuzztime 60s ./app
//	go test -run XXX -fuzz FuzzCallbackData -fuzztime 60s ./app

const (
	fzModChat  = modChat
	fzRequest  = requestGroup
	fzRestrict = restrictGrp
	fzMod1     = 501
	fzMod2     = 502
	fzOffer    = "Tina 💎 dispo ce soir, 80€ le g, livraison Paris 7j/7, contact Wickr: plug75"
)

// fuzzRig is the rig as the fuzzers want it: real clock, unpaced outbox,
// no check-in.
func fuzzRig(tb testing.TB) *harness {
	tb.Helper()
	return startRig(tb, rigOptions{
		botConfig: botConfig{timezone: "UTC", checkins: "checkins: []"},
		realClock: true, unpaced: true,
	})
}

// panicked reports a panic caught by HandleUpdate or the recover
// middleware: they keep the bot alive, but the panic is a bug.
func panicked(logs string) bool {
	return strings.Contains(logs, `msg="panic in handler"`) || strings.Contains(logs, `msg="panic while handling update"`)
}

// checkStore asserts what must hold whatever the updates were.
func (r *harness) checkStore(t *testing.T) {
	t.Helper()
	adms, err := r.m.Store.Admissions(func(*admission.Admission) bool { return true })
	if err != nil {
		t.Fatalf("admissions unreadable: %v", err)
	}
	for _, a := range adms {
		if _, ok := r.m.Config.Group(a.GroupID); !ok {
			t.Fatalf("admission %s for unconfigured chat %d", a.ID, a.GroupID)
		}
		if a.Decided() && !r.m.Config.IsModerator(a.DecidedBy) {
			t.Fatalf("admission %s decided by %d, not a moderator", a.ID, a.DecidedBy)
		}
	}
	flags, err := r.m.Store.Flags(func(*review.Flag) bool { return true })
	if err != nil {
		t.Fatalf("flags unreadable: %v", err)
	}
	for _, f := range flags {
		if _, ok := r.m.Config.Group(f.GroupID); !ok {
			t.Fatalf("flag %s for unconfigured chat %d", f.ID, f.GroupID)
		}
		if f.Decided() && !r.m.Config.IsModerator(f.DecidedBy) {
			t.Fatalf("flag %s decided by %d, not a moderator", f.ID, f.DecidedBy)
		}
	}
	if _, err := r.m.Store.Schema(); err != nil {
		t.Fatalf("schema unreadable: %v", err)
	}
}

func fzUser(id int64, name string) tele.User {
	u := emulator.User(id, name)
	u.LanguageCode = "fr"
	return u
}

// dispatcherSeeds are realistic updates, as Telegram sends them.
func dispatcherSeeds(api *emulator.Server) [][]byte {
	grp := emulator.Supergroup(fzRequest, "Entraide Paris")
	member, mod := fzUser(700, "Sacha"), fzUser(fzMod1, "Camille")
	var ups []tele.Update
	for _, text := range []string{
		"J'ai rechuté ce week-end, 3 jours de tina, j'ai claqué 200 balles et je me sens vide.",
		fzOffer, "/signaler", "/ressources@" + emulator.BotUsername, "/urgence", "/g", "/aide",
	} {
		ups = append(ups, api.UserMessage(grp, &member, text))
	}
	for _, text := range []string{"/start", "/start ok_AAAAAAAAAAAAAAAA", "/start c_AAAAAAAAAAAAAAAA", "/start res", "/charte", "/oubli", "/attente", "bonjour"} {
		ups = append(ups, api.UserMessage(nil, &member, text))
	}
	ups = append(ups, api.UserMessage(emulator.Supergroup(fzModChat, "Modération"), &mod, "/attente"), api.JoinRequest(grp, member))
	reply := api.UserMessage(grp, &member, "/report")
	reply.Message.ReplyTo = api.UserMessage(grp, ptr(fzUser(800, "Tonio")), fzOffer).Message
	ups = append(ups, reply)
	edited := api.UserMessage(grp, &member, fzOffer)
	ups = append(ups, tele.Update{EditedMessage: edited.Message})
	photo := api.UserMessage(grp, &member, "")
	photo.Message.Photo = &tele.Photo{File: tele.File{FileID: "p", UniqueID: "p1"}, Width: 90, Height: 90}
	photo.Message.Caption = fzOffer
	ups = append(ups, photo)
	joined := api.UserMessage(emulator.Supergroup(fzRestrict, "Entraide Bruxelles"), &member, "")
	joined.Message.UserJoined = &member
	ups = append(ups, joined)
	ups = append(ups, tele.Update{ChatMember: &tele.ChatMemberUpdate{
		Chat: emulator.Supergroup(fzRestrict, "Entraide Bruxelles"), Sender: &member, Unixtime: time.Now().Unix(),
		OldChatMember: &tele.ChatMember{User: &member, Role: tele.Left},
		NewChatMember: &tele.ChatMember{User: &member, Role: tele.Member},
	}})
	me := api.Me()
	ups = append(ups, tele.Update{MyChatMember: &tele.ChatMemberUpdate{
		Chat: emulator.Supergroup(-1004444000004, "Ailleurs"), Sender: &member, Unixtime: time.Now().Unix(),
		OldChatMember: &tele.ChatMember{User: &me, Role: tele.Left},
		NewChatMember: &tele.ChatMember{User: &me, Role: tele.Administrator},
	}})
	help := emulator.Message{ID: 1, ChatID: member.ID}
	card := emulator.Message{ID: 1, ChatID: fzModChat}
	for _, data := range []string{"\fadm|AAAAAAAAAAAAAAAA|ok", "\fflg|AAAAAAAAAAAAAAAA|b", "\fmood|-1001111000001|2026-11-20|hard", "\fres|m|FR", "plain"} {
		ups = append(ups, api.PressData(card, data, mod), api.PressData(help, data, member))
	}
	var seeds [][]byte
	for _, u := range ups {
		b, err := json.Marshal(u)
		if err != nil {
			panic(err)
		}
		seeds = append(seeds, b)
	}
	return append(seeds, []byte(`{"update_id":1}`), []byte(`{}`),
		[]byte(`{"message":{"message_id":1,"chat":{"id":-1001111000001,"type":"supergroup"}}}`),
		[]byte(`{"callback_query":{"id":"1","from":{"id":700,"first_name":"S"},"chat_instance":"1","inline_message_id":"x","data":"\falrt|-1001111000001|k|hard"}}`))
}

// slowUpdate: an update that keeps a worker this long, against a fake
// Telegram that answers at once, is stuck on something.
const slowUpdate = 10 * time.Second

func FuzzUpdateDispatcher(f *testing.F) {
	r := fuzzRig(f)
	for _, s := range dispatcherSeeds(r.api) {
		f.Add(s)
	}
	var ids, runs atomic.Int64
	ids.Store(1 << 20)
	f.Fuzz(func(t *testing.T, data []byte) {
		var u tele.Update
		if json.Unmarshal(data, &u) != nil {
			// As getUpdates does: what does not decode is skipped, its
			// id still goes through the ledger.
			u = tele.Update{}
		}
		// A fresh id, so that the ledger does not skip the input as a
		// redelivery of an earlier one.
		u.ID = int(ids.Add(1))
		r.logs.Take()
		start := time.Now()
		r.m.Bot.HandleUpdate(u)
		if d := time.Since(start); d > slowUpdate {
			t.Fatalf("update %s\ntook %v to handle:\n%s", data, d, r.logs.Take())
		}
		if out := r.logs.Take(); panicked(out) {
			t.Fatalf("update %s\nmade a handler panic:\n%s", data, out)
		}
		if ok, err := r.m.Store.Handled(u.ID); err != nil || !ok {
			t.Fatalf("update %d not in the ledger after handling (%v)", u.ID, err)
		}
		if runs.Add(1)%64 == 1 {
			r.checkStore(t)
		}
	})
}

// callbackUniques are the button kinds the bot registers.
var callbackUniques = []string{"\fadm|", "\fflg|", "\fdig|", "\fmood|", "\fres|", "\fchr|", "\falrt|", "\fforget|"}

// FuzzCallbackData sends the fuzz input as the data of every kind of
// button, from a moderator on a card, from a member in private and from a
// stranger. The placeholders {ADM}, {FLG}, {DIG}, {KEY} and {CAT} become
// the ids of a real admission, flag, digest, check-in and resources
// category, so that the fuzzer reaches the paths behind the store lookups.
func FuzzCallbackData(f *testing.F) {
	r := fuzzRig(f)
	ids := r.callbackFixtures(f)
	for _, s := range []string{
		"", "x", "|", "||", "|||", "a|b|c|d", "yes", "no", "ok", strings.Repeat("|", 64), "\x00", "💥|💥",
		"{ADM}|ok", "{ADM}|no", "{ADM}|yes", "{ADM}|ok|extra", "{ADM}", "{FLG}|d", "{FLG}|b", "{FLG}|w", "{FLG}|i", "{FLG}|",
		"{DIG}|b", "{DIG}|d", "{DIG}|w", "-1001111000001|{KEY}|hard", "-1001111000001|{KEY}|good", "-1001111000001|{KEY}|talk",
		"-1002222000002|{KEY}|meh", "9223372036854775807|{KEY}|hard", "-1001111000001||hard",
		"c|{CAT}|FR", "c|{CAT}|BE", "m|FR", "m|XX", "r|BE|", "r|FR|{CAT}", "c||", "r||",
	} {
		f.Add(s)
	}
	card := emulator.Message{ID: 1, ChatID: fzModChat}
	private := emulator.Message{ID: 1, ChatID: 700}
	member, mod, stranger := fzUser(700, "Sacha"), fzUser(fzMod1, "Camille"), fzUser(999, "Intrus")
	var runs atomic.Int64
	f.Fuzz(func(t *testing.T, data string) {
		data = ids.Replace(data)
		r.logs.Take()
		for _, unique := range callbackUniques {
			for _, tap := range []struct {
				msg  emulator.Message
				from tele.User
			}{{card, mod}, {private, member}, {card, stranger}} {
				// Id 0: outside the ledger, which FuzzUpdateDispatcher covers.
				r.m.Bot.HandleUpdate(r.api.PressData(tap.msg, unique+data, tap.from))
			}
		}
		if out := r.logs.Take(); panicked(out) {
			t.Fatalf("callback data %q made a handler panic:\n%s", data, out)
		}
		if runs.Add(1)%32 == 1 {
			r.checkStore(t)
		}
	})
}

// callbackFixtures creates, through the bot, an admission waiting for a
// decision, a flag with its card, a digest and a posted check-in, and
// returns the placeholder replacements.
func (r *harness) callbackFixtures(f *testing.F) *strings.Replacer {
	f.Helper()
	grp := emulator.Supergroup(fzRequest, "Entraide Paris")
	who := fzUser(701, "Fixture")
	r.m.Bot.HandleUpdate(r.api.JoinRequest(grp, who))
	adms, err := r.m.Store.Admissions(func(a *admission.Admission) bool { return a.UserID == who.ID })
	if err != nil || len(adms) != 1 {
		f.Fatalf("fixture admission: %v (%d)", err, len(adms))
	}
	r.m.Bot.HandleUpdate(r.api.UserMessage(nil, &who, "/start ok_"+adms[0].ID))
	// One flag alone, then a burst that becomes a digest.
	r.m.Bot.HandleUpdate(r.api.UserMessage(grp, ptr(fzUser(702, "Seul")), fzOffer))
	// Its card is posted once the gathering window has closed: the burst
	// after it makes a digest of its own.
	alone := func() bool {
		flags, _ := r.m.Store.Flags(func(f *review.Flag) bool { return f.CardMessageID != 0 })
		return len(flags) == 1
	}
	for deadline := time.Now().Add(waitFor); !alone(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			f.Fatalf("no card for the lone flag within %v\n%s", waitFor, r.api.DumpChat(fzModChat))
		}
	}
	for i := range 3 {
		r.m.Bot.HandleUpdate(r.api.UserMessage(grp, ptr(fzUser(int64(703+i), "Rafale")), fmt.Sprintf("%s #%d", fzOffer, i)))
	}
	var flagID, digestID string
	deadline := time.Now().Add(10 * time.Second)
	for (flagID == "" || digestID == "") && time.Now().Before(deadline) {
		flags, _ := r.m.Store.Flags(func(*review.Flag) bool { return true })
		for _, fl := range flags {
			if fl.DigestID != "" {
				digestID = fl.DigestID
			} else if fl.CardMessageID != 0 {
				flagID = fl.ID
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if flagID == "" || digestID == "" {
		f.Fatalf("fixture flag %q digest %q\n%s", flagID, digestID, r.api.DumpChat(fzModChat))
	}
	const key = "2026-11-20"
	if _, err := r.m.Store.ClaimCheckIn(store.CheckInPost{Group: fzRequest, Key: key, CheckIn: "vendredi", State: store.Posted, At: time.Now(), MessageID: 1}); err != nil {
		f.Fatal(err)
	}
	cat := r.m.Resources.Get().Categories[0].ID
	return strings.NewReplacer("{ADM}", adms[0].ID, "{FLG}", flagID, "{DIG}", digestID, "{KEY}", key, "{CAT}", cat)
}
