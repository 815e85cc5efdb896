package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/charter"
	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/locale"
	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/resources"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/store"
	"github.com/entrepairs/entrepairs/tgfake"
)

// The fuzzers feed updates through the real dispatch path (telebot's
// router, the middleware, every handler, the store, the fake Telegram)
// without polling: HandleUpdate is what the poll loop calls for each
// update. The properties: no panic (not even one the recover middleware
// catches), and a store that stays consistent: readable, and every
// decision in it taken by a configured moderator about a served group.
//
// They live in package bot for one reason: the outbox paces calls to
// Telegram's limits (30 a second overall), which would bound the fuzzers
// to a few inputs a second; here it is replaced by an unpaced one.
//
//	go test -run XXX -fuzz FuzzUpdateDispatcher -fuzztime 60s ./bot
//	go test -run XXX -fuzz FuzzCallbackData -fuzztime 60s ./bot

const (
	fzModChat  int64 = -1009999000001
	fzRequest  int64 = -1001111000001
	fzRestrict int64 = -1002222000002
	fzMod1     int64 = 501
	fzMod2     int64 = 502
	fzOffer          = "Tina 💎 dispo ce soir, 80€ le g, livraison Paris 7j/7, contact Wickr: plug75"
)

// logTail collects logs and can be emptied between inputs.
type logTail struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Take returns what was logged since the last Take and forgets it.
func (l *logTail) Take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.buf.String()
	l.buf.Reset()
	return s
}

// rig is a running bot wired like main does, against a fake Telegram.
type rig struct {
	api  *tgfake.Server
	b    *Bot
	st   *store.Store
	cfg  *config.Config
	res  *resources.Library
	logs *logTail
}

func newRig(tb testing.TB) *rig {
	tb.Helper()
	api := tgfake.NewT(tb)
	dir := tb.TempDir()
	for _, name := range []string{"charter.md", "charter.en.md", "resources.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	path := filepath.Join(dir, "config.yaml")
	err := os.WriteFile(path, fmt.Appendf(nil, `
telegram: {token: %q, api_url: %q, poll_timeout: 1s}
storage: {path: data/bot.db}
timezone: UTC
language: fr
moderation: {chat_id: %d, moderators: [%d, %d]}
groups:
  - {chat_id: %d, name: Entraide Paris, charter: charter.md, join: request}
  - {chat_id: %d, name: Entraide Bruxelles, charter: charter.md, join: restrict, region: BE}
`, tgfake.Token, api.URL, fzModChat, fzMod1, fzMod2, fzRequest, fzRestrict), 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	cfg, problems, err := config.Load(path)
	if err != nil || len(problems) > 0 {
		tb.Fatalf("config: %v %v", err, problems)
	}
	logs := &logTail{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	texts, err := locale.Load()
	if err != nil {
		tb.Fatal(err)
	}
	charters, err := charter.NewLibrary([]string{cfg.Groups[0].Charter}, charter.Options{Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	res, err := resources.NewLibrary(cfg.Resources, resources.Options{Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	lex, err := moderation.LoadLexicon(cfg.Moderation.Lexicon)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(cfg.Storage.Path, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	b, err := New(Deps{
		Config: cfg, Store: st, Charters: charters, Texts: texts, Resources: res,
		Screener: moderation.NewScreener(lex, cfg.Moderation.Threshold), Logger: logger,
	})
	if err != nil {
		tb.Fatal(err)
	}
	b.out = outbox.New(outbox.Options{
		Logger: logger, GlobalPerSecond: 1e6, PrivatePerSecond: 1e6, PrivateBurst: 1 << 20,
		GroupPerMinute: 1e9, GroupBurst: 1 << 20, Workers: 16,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("run: %v", err)
		}
		if err := st.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	if !api.AwaitCallCount(10*time.Second, "getUpdates", 1) {
		tb.Fatal("the bot never polled")
	}
	return &rig{api: api, b: b, st: st, cfg: cfg, res: res, logs: logs}
}

// panicked reports a panic caught by HandleUpdate or the recover
// middleware: they keep the bot alive, but the panic is a bug.
func panicked(logs string) bool {
	return strings.Contains(logs, `msg="panic in handler"`) || strings.Contains(logs, `msg="panic while handling update"`)
}

// checkStore asserts what must hold whatever the updates were.
func (r *rig) checkStore(t *testing.T) {
	t.Helper()
	adms, err := r.st.Admissions(func(*admission.Admission) bool { return true })
	if err != nil {
		t.Fatalf("admissions unreadable: %v", err)
	}
	for _, a := range adms {
		if _, ok := r.cfg.Group(a.GroupID); !ok {
			t.Fatalf("admission %s for unconfigured chat %d", a.ID, a.GroupID)
		}
		if a.Decided() && !r.cfg.IsModerator(a.DecidedBy) {
			t.Fatalf("admission %s decided by %d, not a moderator", a.ID, a.DecidedBy)
		}
	}
	flags, err := r.st.Flags(func(*review.Flag) bool { return true })
	if err != nil {
		t.Fatalf("flags unreadable: %v", err)
	}
	for _, f := range flags {
		if _, ok := r.cfg.Group(f.GroupID); !ok {
			t.Fatalf("flag %s for unconfigured chat %d", f.ID, f.GroupID)
		}
		if f.Decided() && !r.cfg.IsModerator(f.DecidedBy) {
			t.Fatalf("flag %s decided by %d, not a moderator", f.ID, f.DecidedBy)
		}
	}
	if _, err := r.st.Schema(); err != nil {
		t.Fatalf("schema unreadable: %v", err)
	}
}

func fzUser(id int64, name string) tele.User {
	u := tgfake.User(id, name)
	u.LanguageCode = "fr"
	return u
}

// dispatcherSeeds are realistic updates, as Telegram sends them.
func dispatcherSeeds(api *tgfake.Server) [][]byte {
	grp := tgfake.Supergroup(fzRequest, "Entraide Paris")
	member, mod := fzUser(700, "Sacha"), fzUser(fzMod1, "Camille")
	var ups []tele.Update
	for _, text := range []string{
		"J'ai rechuté ce week-end, 3 jours de tina, j'ai claqué 200 balles et je me sens vide.",
		fzOffer, "/signaler", "/ressources@" + tgfake.BotUsername, "/urgence", "/g", "/aide",
	} {
		ups = append(ups, api.UserMessage(grp, &member, text))
	}
	for _, text := range []string{"/start", "/start ok_AAAAAAAAAAAAAAAA", "/start c_AAAAAAAAAAAAAAAA", "/start res", "/charte", "/oubli", "/attente", "bonjour"} {
		ups = append(ups, api.UserMessage(nil, &member, text))
	}
	ups = append(ups, api.UserMessage(tgfake.Supergroup(fzModChat, "Modération"), &mod, "/attente"), api.JoinRequest(grp, member))
	reply := api.UserMessage(grp, &member, "/report")
	reply.Message.ReplyTo = api.UserMessage(grp, ptr(fzUser(800, "Tonio")), fzOffer).Message
	ups = append(ups, reply)
	edited := api.UserMessage(grp, &member, fzOffer)
	ups = append(ups, tele.Update{EditedMessage: edited.Message})
	photo := api.UserMessage(grp, &member, "")
	photo.Message.Photo = &tele.Photo{File: tele.File{FileID: "p", UniqueID: "p1"}, Width: 90, Height: 90}
	photo.Message.Caption = fzOffer
	ups = append(ups, photo)
	joined := api.UserMessage(tgfake.Supergroup(fzRestrict, "Entraide Bruxelles"), &member, "")
	joined.Message.UserJoined = &member
	ups = append(ups, joined)
	ups = append(ups, tele.Update{ChatMember: &tele.ChatMemberUpdate{
		Chat: tgfake.Supergroup(fzRestrict, "Entraide Bruxelles"), Sender: &member, Unixtime: time.Now().Unix(),
		OldChatMember: &tele.ChatMember{User: &member, Role: tele.Left},
		NewChatMember: &tele.ChatMember{User: &member, Role: tele.Member},
	}})
	me := api.Me()
	ups = append(ups, tele.Update{MyChatMember: &tele.ChatMemberUpdate{
		Chat: tgfake.Supergroup(-1004444000004, "Ailleurs"), Sender: &member, Unixtime: time.Now().Unix(),
		OldChatMember: &tele.ChatMember{User: &me, Role: tele.Left},
		NewChatMember: &tele.ChatMember{User: &me, Role: tele.Administrator},
	}})
	help := tgfake.Message{ID: 1, ChatID: member.ID}
	card := tgfake.Message{ID: 1, ChatID: fzModChat}
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

func ptr[T any](v T) *T { return &v }

// slowUpdate: an update that keeps a worker this long, against a fake
// Telegram that answers at once, is stuck on something.
const slowUpdate = 10 * time.Second

func FuzzUpdateDispatcher(f *testing.F) {
	r := newRig(f)
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
		r.b.HandleUpdate(u)
		if d := time.Since(start); d > slowUpdate {
			t.Fatalf("update %s\ntook %v to handle:\n%s", data, d, r.logs.Take())
		}
		if out := r.logs.Take(); panicked(out) {
			t.Fatalf("update %s\nmade a handler panic:\n%s", data, out)
		}
		if ok, err := r.st.Handled(u.ID); err != nil || !ok {
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
	r := newRig(f)
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
	card := tgfake.Message{ID: 1, ChatID: fzModChat}
	private := tgfake.Message{ID: 1, ChatID: 700}
	member, mod, stranger := fzUser(700, "Sacha"), fzUser(fzMod1, "Camille"), fzUser(999, "Intrus")
	var runs atomic.Int64
	f.Fuzz(func(t *testing.T, data string) {
		data = ids.Replace(data)
		r.logs.Take()
		for _, unique := range callbackUniques {
			for _, tap := range []struct {
				msg  tgfake.Message
				from tele.User
			}{{card, mod}, {private, member}, {card, stranger}} {
				// Id 0: outside the ledger, which FuzzUpdateDispatcher covers.
				r.b.HandleUpdate(r.api.PressData(tap.msg, unique+data, tap.from))
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
func (r *rig) callbackFixtures(f *testing.F) *strings.Replacer {
	f.Helper()
	grp := tgfake.Supergroup(fzRequest, "Entraide Paris")
	who := fzUser(701, "Fixture")
	r.b.HandleUpdate(r.api.JoinRequest(grp, who))
	adms, err := r.st.Admissions(func(a *admission.Admission) bool { return a.UserID == who.ID })
	if err != nil || len(adms) != 1 {
		f.Fatalf("fixture admission: %v (%d)", err, len(adms))
	}
	r.b.HandleUpdate(r.api.UserMessage(nil, &who, "/start ok_"+adms[0].ID))
	// One flag alone, then a burst that becomes a digest.
	r.b.HandleUpdate(r.api.UserMessage(grp, ptr(fzUser(702, "Seul")), fzOffer))
	time.Sleep(2 * gatherWindow)
	for i := range 3 {
		r.b.HandleUpdate(r.api.UserMessage(grp, ptr(fzUser(int64(703+i), "Rafale")), fmt.Sprintf("%s #%d", fzOffer, i)))
	}
	var flagID, digestID string
	deadline := time.Now().Add(10 * time.Second)
	for (flagID == "" || digestID == "") && time.Now().Before(deadline) {
		flags, _ := r.st.Flags(func(*review.Flag) bool { return true })
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
	if _, err := r.st.ClaimCheckIn(store.CheckInPost{Group: fzRequest, Key: key, CheckIn: "vendredi", State: store.Posted, At: time.Now(), MessageID: 1}); err != nil {
		f.Fatal(err)
	}
	cat := r.res.Get().Categories[0].ID
	return strings.NewReplacer("{ADM}", adms[0].ID, "{FLG}", flagID, "{DIG}", digestID, "{KEY}", key, "{CAT}", cat)
}
