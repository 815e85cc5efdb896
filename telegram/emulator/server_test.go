package emulator_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

const wait = 5 * time.Second

// botErrors collects handler errors: telebot reports them asynchronously,
// possibly after the test finished, so they must not go through t.Log.
type botErrors struct {
	mu   sync.Mutex
	errs []error
}

func (b *botErrors) add(err error, _ tele.Context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errs = append(b.errs, err)
}

func (b *botErrors) list() []error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]error(nil), b.errs...)
}

// newBot builds a real telebot client against s (this performs getMe).
func newBot(t *testing.T, s *emulator.Server, sync bool, errs *botErrors) *tele.Bot {
	t.Helper()
	set := tele.Settings{
		URL:         s.URL,
		Token:       emulator.Token,
		Poller:      &tele.LongPoller{Timeout: time.Second},
		Synchronous: sync,
	}
	if errs != nil {
		set.OnError = errs.add
	} else {
		set.OnError = func(error, tele.Context) {}
	}
	b, err := tele.NewBot(set)
	if err != nil {
		t.Fatalf("NewBot: %v", err)
	}
	return b
}

// start runs the bot's poller and stops it (before the server closes,
// cleanups being LIFO) when the test ends.
func start(t *testing.T, b *tele.Bot) {
	done := make(chan struct{})
	go func() { b.Start(); close(done) }()
	t.Cleanup(func() { b.Stop(); <-done })
}

func TestGetMeTokenAndUnknownMethod(t *testing.T) {
	s := emulator.NewT(t)
	b := newBot(t, s, true, nil)
	if b.Me.ID != emulator.BotID || b.Me.Username != "entrepairs_bot" || b.Me.FirstName != "entrepairs" || !b.Me.IsBot {
		t.Fatalf("getMe = %+v", b.Me)
	}
	if me := s.Me(); me.ID != b.Me.ID || me.Username != b.Me.Username {
		t.Fatalf("Me() = %+v", me)
	}
	_, err := tele.NewBot(tele.Settings{URL: s.URL, Token: "1:wrong"})
	if !errors.Is(err, tele.ErrUnauthorized) {
		t.Fatalf("wrong token: err = %v, want ErrUnauthorized", err)
	}
	_, err = b.Raw("noSuchMethod", map[string]string{})
	if err == nil || !strings.Contains(err.Error(), "method not found") {
		t.Fatalf("unknown method: err = %v", err)
	}
	if c := s.Calls("noSuchMethod"); len(c) != 1 || c[0].Status != 404 {
		t.Fatalf("unknown method call log = %+v", c)
	}
}

func TestButtonsPressRoundTrip(t *testing.T) {
	s := emulator.NewT(t)
	errs := &botErrors{}
	b := newBot(t, s, true, errs)
	alice := emulator.User(42, "Alice")

	menu := &tele.ReplyMarkup{}
	join := menu.Data("Yes, join ✅", "join", "group-7")
	site := menu.URL("Website", "https://example.org/rules")
	menu.Inline(menu.Row(join, site))

	got := make(chan string, 4)
	b.Handle("/start", func(c tele.Context) error {
		return c.Send("Welcome <b>friend</b> &amp; peer", tele.ModeHTML, menu)
	})
	b.Handle(&join, func(c tele.Context) error {
		got <- c.Data()
		if err := c.Respond(&tele.CallbackResponse{Text: "ok"}); err != nil {
			return err
		}
		return c.Edit("<i>Joined</i>", tele.ModeHTML)
	})
	start(t, b)

	s.Push(s.UserMessage(nil, &alice, "/start"))
	msg := s.WaitBotMessage(t, wait, alice.ID, nil)
	if msg.Plain != "Welcome friend & peer" || msg.Text != "Welcome <b>friend</b> &amp; peer" || msg.ParseMode != "HTML" {
		t.Fatalf("message = %+v", msg)
	}
	if len(msg.Buttons) != 1 || len(msg.Buttons[0]) != 2 || msg.Buttons[0][0].Data != "\fjoin|group-7" ||
		msg.Buttons[0][1].URL != "https://example.org/rules" {
		t.Fatalf("buttons = %+v", msg.Buttons)
	}

	var ue *emulator.URLButtonError
	if _, err := s.Press(msg, "website", alice); !errors.As(err, &ue) || ue.URL != "https://example.org/rules" {
		t.Fatalf("Press(url button) err = %v", err)
	}
	if _, err := s.Press(msg, "no such", alice); err == nil {
		t.Fatal("Press(missing button) succeeded")
	}
	u, err := s.Press(msg, "YES, JOIN", alice)
	if err != nil {
		t.Fatal(err)
	}
	u2, _ := s.Press(msg, "join", alice)
	if u.Callback.ID == "" || u.Callback.ID == u2.Callback.ID {
		t.Fatalf("callback ids not unique: %q %q", u.Callback.ID, u2.Callback.ID)
	}
	if u.Callback.Message == nil || u.Callback.Message.ID != msg.ID || u.Callback.Message.Chat.ID != alice.ID {
		t.Fatalf("callback message = %+v", u.Callback.Message)
	}
	s.Push(u)
	select {
	case d := <-got:
		if d != "group-7" {
			t.Fatalf("handler data = %q", d)
		}
	case <-time.After(wait):
		t.Fatalf("handler not called\n%s", s.DumpCalls(20))
	}
	ans := s.WaitCall(t, wait, "answerCallbackQuery", nil)
	if ans.String("callback_query_id") != u.Callback.ID || ans.String("text") != "ok" {
		t.Fatalf("answer = %+v", ans.Raw)
	}
	edited := s.WaitBotMessage(t, wait, alice.ID, func(m emulator.Message) bool { return m.Edits == 1 })
	if edited.Plain != "Joined" || edited.Buttons != nil {
		t.Fatalf("edited = %+v (an edit without reply_markup drops the keyboard)", edited)
	}
	// Telegram refuses a second answer to the same query.
	_, err = b.Raw("answerCallbackQuery", map[string]string{"callback_query_id": u.Callback.ID})
	if !errors.Is(err, tele.ErrQueryTooOld) {
		t.Fatalf("second answer err = %v", err)
	}
	// A forged/stale callback is routed by its data like any other.
	s.Push(s.PressData(msg, "\fjoin|forged", alice))
	select {
	case d := <-got:
		if d != "forged" {
			t.Fatalf("forged data = %q", d)
		}
	case <-time.After(wait):
		t.Fatal("forged callback not delivered")
	}
	s.WaitCallCount(t, wait, "answerCallbackQuery", 2)
	if e := errs.list(); len(e) > 0 {
		// The forged press edits an already edited message to the same
		// text: "not modified" is expected, anything else is not.
		for _, err := range e {
			if !errors.Is(err, tele.ErrSameMessageContent) {
				t.Fatalf("bot errors: %v", e)
			}
		}
	}
}

func getUpdates(t *testing.T, b *tele.Bot, params map[string]string) ([]tele.Update, error) {
	t.Helper()
	data, err := b.Raw("getUpdates", params)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Result []tele.Update
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, err
	}
	return resp.Result, nil
}

func ids(us []tele.Update) []int {
	out := []int{}
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func TestGetUpdatesSemantics(t *testing.T) {
	s := emulator.NewT(t)
	b := newBot(t, s, true, nil)
	alice := emulator.User(7, "Alice")
	for i := 0; i < 3; i++ {
		if id := s.Push(s.UserMessage(nil, &alice, fmt.Sprint("m", i))); id != i+1 {
			t.Fatalf("Push id = %d, want %d", id, i+1)
		}
	}
	poll := func(p map[string]string) []int {
		t.Helper()
		us, err := getUpdates(t, b, p)
		if err != nil {
			t.Fatalf("getUpdates(%v): %v", p, err)
		}
		return ids(us)
	}
	if got := poll(map[string]string{"timeout": "0"}); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("no offset: %v", got)
	}
	if s.Pending() != 3 {
		t.Fatalf("Pending = %d before confirmation", s.Pending())
	}
	if got := poll(map[string]string{"offset": "2", "limit": "1", "timeout": "0"}); fmt.Sprint(got) != "[2]" {
		t.Fatalf("offset 2 limit 1: %v", got)
	}
	if s.Pending() != 2 {
		t.Fatalf("Pending = %d after offset 2", s.Pending())
	}
	got := poll(map[string]string{"offset": "4", "timeout": "0", "allowed_updates": `["message","callback_query"]`})
	if len(got) != 0 || s.Pending() != 0 {
		t.Fatalf("offset 4: %v pending %d", got, s.Pending())
	}
	if a := s.AllowedUpdates(); fmt.Sprint(a) != "[message callback_query]" {
		t.Fatalf("AllowedUpdates = %v", a)
	}

	// Explicit redelivery of an already confirmed id is delivered again,
	// then confirmed by the next offset.
	s.Push(tele.Update{ID: 2, Message: &tele.Message{ID: 99, Text: "again", Chat: emulator.PrivateChat(alice)}})
	if got := poll(map[string]string{"offset": "4", "timeout": "0"}); fmt.Sprint(got) != "[2]" {
		t.Fatalf("redelivery: %v", got)
	}
	if got := poll(map[string]string{"offset": "3", "timeout": "0"}); len(got) != 0 || s.Pending() != 0 {
		t.Fatalf("after redelivery: %v pending %d", got, s.Pending())
	}

	// Types excluded by allowed_updates are dropped like Telegram does.
	s.Push(s.JoinRequest(emulator.Supergroup(-1001, "G"), alice))
	if got := poll(map[string]string{"offset": "4", "timeout": "0"}); len(got) != 0 {
		t.Fatalf("filtered update delivered: %v", got)
	}

	// Raw updates: missing update_id is assigned; garbage is delivered
	// once (the client fails to decode it) and then dropped.
	rid := s.PushRaw(`{"message":{"message_id":500,"date":1,"chat":{"id":7,"type":"private"},"text":"raw","weird_field":[1,2]}}`)
	if got := poll(map[string]string{"offset": "4", "timeout": "0", "allowed_updates": "[]"}); fmt.Sprint(got) != fmt.Sprintf("[%d]", rid) {
		t.Fatalf("raw: got %v want [%d]", got, rid)
	}
	s.PushRaw(`{"update_id": "bogus", "message": `)
	if _, err := getUpdates(t, b, map[string]string{"offset": fmt.Sprint(rid + 1), "timeout": "0"}); err == nil {
		t.Fatal("malformed raw update decoded fine")
	}
	if got := poll(map[string]string{"offset": fmt.Sprint(rid + 1), "timeout": "0"}); len(got) != 0 || s.Pending() != 0 {
		t.Fatalf("after malformed: %v pending %d", got, s.Pending())
	}

	// Long poll wakes up on Push.
	res := make(chan []int, 1)
	t0 := time.Now()
	go func() {
		us, _ := getUpdates(t, b, map[string]string{"offset": "0", "timeout": "10"})
		res <- ids(us)
	}()
	time.Sleep(100 * time.Millisecond) // let the poll start waiting (test side only)
	id := s.Push(s.UserMessage(nil, &alice, "wake"))
	select {
	case got := <-res:
		if fmt.Sprint(got) != fmt.Sprintf("[%d]", id) || time.Since(t0) > 3*time.Second {
			t.Fatalf("long poll got %v after %v", got, time.Since(t0))
		}
	case <-time.After(wait):
		t.Fatal("long poll not woken by Push")
	}

	// The wait is capped by timeout.
	t0 = time.Now()
	got = poll(map[string]string{"offset": fmt.Sprint(id + 1), "timeout": "1"})
	if el := time.Since(t0); len(got) != 0 || el < 900*time.Millisecond || el > 3*time.Second {
		t.Fatalf("timeout poll: %v after %v", got, el)
	}
	if n := s.CallCount("getUpdates"); n < 10 {
		t.Fatalf("getUpdates calls = %d", n)
	}
}

func TestFaultsAndBlock(t *testing.T) {
	s := emulator.NewT(t)
	b := newBot(t, s, true, nil)
	alice := emulator.User(42, "Alice")

	s.FailNext("sendMessage", 1, emulator.Fault{Code: 429, RetryAfter: 7})
	_, err := b.Send(&alice, "hi")
	var fe tele.FloodError
	if !errors.As(err, &fe) || fe.RetryAfter != 7 {
		t.Fatalf("429 fault: err = %#v", err)
	}
	if s.TooManyRequests() != 1 {
		t.Fatalf("TooManyRequests = %d", s.TooManyRequests())
	}
	if _, err := b.Send(&alice, "hi"); err != nil {
		t.Fatalf("after fault: %v", err)
	}

	s.FailNext("", 1, emulator.Fault{Status: 502, Body: "<html>502 Bad Gateway</html>"})
	if _, err := b.Send(&alice, "hi"); err == nil {
		t.Fatal("malformed body accepted")
	}
	s.FailNext("", 1, emulator.Fault{Body: `{"ok":true,"result":`})
	if _, err := b.Send(&alice, "hi"); err == nil {
		t.Fatal("truncated body accepted")
	}
	s.FailNext("sendMessage", 1, emulator.Fault{Code: 500})
	if _, err := b.Send(&alice, "hi"); err == nil || !strings.Contains(err.Error(), "Internal Server Error") {
		t.Fatalf("500 fault: %v", err)
	}

	t0 := time.Now()
	s.FailNext("sendMessage", 1, emulator.Fault{Delay: 50 * time.Millisecond})
	if _, err := b.Send(&alice, "slow"); err != nil || time.Since(t0) < 50*time.Millisecond {
		t.Fatalf("delay-only fault: %v after %v", err, time.Since(t0))
	}

	s.Block(alice.ID)
	if _, err := b.Send(&alice, "hi"); !errors.Is(err, tele.ErrBlockedByUser) {
		t.Fatalf("blocked: err = %v", err)
	}
	s.Unblock(alice.ID)
	if _, err := b.Send(&alice, "hi"); err != nil {
		t.Fatalf("unblocked: %v", err)
	}
	last := s.Calls("sendMessage")
	if len(last) != 8 || !last[7].OK() || last[6].Status != 403 || last[0].Status != 429 {
		t.Fatalf("call log:\n%s", s.DumpCalls(20))
	}
}

func TestHTMLValidationAndLimits(t *testing.T) {
	s := emulator.NewT(t)
	b := newBot(t, s, true, nil)
	alice := emulator.User(42, "Alice")

	bad := []string{
		"<b>unbalanced",
		"<b>crossed <i>tags</b></i>",
		"1 < 2",
		"Tom & Jerry",
		"line<br>break",
		"<span>not a spoiler</span>",
		"&nbsp;",
		"stray </b>",
	}
	for _, text := range bad {
		_, err := b.Send(&alice, text, tele.ModeHTML)
		if err == nil || !strings.Contains(err.Error(), "can't parse entities") {
			t.Errorf("%q: err = %v, want can't parse entities", text, err)
		}
	}
	good := `<b>bold</b> <i>it</i> &lt;3 &amp; &#39;q&#x27; <a href="https://x.y/?a=1&amp;b=2">link</a> <tg-spoiler>s</tg-spoiler> <pre><code class="language-go">x</code></pre>`
	m, err := b.Send(&alice, good, tele.ModeHTML)
	if err != nil {
		t.Fatalf("valid HTML rejected: %v", err)
	}
	if m.Text != "bold it <3 & 'q' link s x" {
		t.Fatalf("rendered text = %q", m.Text)
	}
	var link, pre bool
	for _, e := range m.Entities {
		link = link || e.Type == tele.EntityTextLink && e.URL == "https://x.y/?a=1&b=2"
		pre = pre || e.Type == tele.EntityCodeBlock && e.Language == "go"
	}
	if !link || !pre || m.Entities[0].Type != tele.EntityBold || m.Entities[0].Length != 4 {
		t.Fatalf("entities = %+v", m.Entities)
	}
	// Plain text is not parsed: "<" is fine without parse_mode.
	if _, err := b.Send(&alice, "1 < 2 & so on"); err != nil {
		t.Fatalf("plain text: %v", err)
	}
	// Length counts UTF-16 units after stripping tags.
	if _, err := b.Send(&alice, strings.Repeat("😀", 2048)); err != nil {
		t.Fatalf("4096 units: %v", err)
	}
	if _, err := b.Send(&alice, strings.Repeat("😀", 2048)+"x"); !errors.Is(err, tele.ErrTooLongMessage) {
		t.Fatalf("4097 units: %v", err)
	}
	if _, err := b.Send(&alice, "<b>"+strings.Repeat("a", 4096)+"</b>", tele.ModeHTML); err != nil {
		t.Fatalf("tags must not count: %v", err)
	}
	if _, err := b.Send(&alice, "  "); err == nil || !strings.Contains(err.Error(), "message text is empty") {
		t.Fatalf("empty text: %v", err)
	}

	// Flood control: 3 per minute in a group, then 429 with retry_after.
	s.SetLimits(emulator.Limits{GroupPerMinute: 3})
	group := emulator.Supergroup(-1001234, "Peers")
	floods := 0
	for i := 0; i < 5; i++ {
		_, err := b.Send(group, fmt.Sprint("msg ", i))
		var fe tele.FloodError
		if errors.As(err, &fe) {
			floods++
			if fe.RetryAfter < 1 || fe.RetryAfter > 60 {
				t.Fatalf("retry_after = %d", fe.RetryAfter)
			}
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if floods != 2 || s.TooManyRequests() != 2 {
		t.Fatalf("group floods = %d, TooManyRequests = %d", floods, s.TooManyRequests())
	}
	// Private chats: burst of 3, then about one per second.
	s.SetLimits(emulator.Limits{PrivatePerSecond: 1})
	for i := 0; i < 4; i++ {
		_, err := b.Send(&alice, "p")
		var fe tele.FloodError
		if (i < 3) != (err == nil) || i == 3 && (!errors.As(err, &fe) || fe.RetryAfter != 1) {
			t.Fatalf("private send %d: %v", i, err)
		}
	}
	// Global: across chats.
	s.SetLimits(emulator.Limits{GlobalPerSecond: 2})
	bob, carol := emulator.User(43, "Bob"), emulator.User(44, "Carol")
	if _, err := b.Send(&bob, "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Send(&carol, "2"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Send(&alice, "3"); err == nil {
		t.Fatal("global limit not enforced")
	}
	if s.TooManyRequests() != 4 {
		t.Fatalf("TooManyRequests = %d", s.TooManyRequests())
	}
	s.SetLimits(emulator.Limits{})
	if _, err := b.Send(&alice, "free"); err != nil {
		t.Fatalf("limits off: %v", err)
	}
}

func TestEditDeleteReply(t *testing.T) {
	s := emulator.NewT(t)
	b := newBot(t, s, true, nil)
	alice := emulator.User(42, "Alice")
	mk := func() *tele.ReplyMarkup {
		m := &tele.ReplyMarkup{}
		m.Inline(m.Row(m.Data("A", "a"), m.Data("B", "b", "x")))
		return m
	}

	m, err := b.Send(&alice, "Pick", mk())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Edit(m, "Pick", mk()); !errors.Is(err, tele.ErrSameMessageContent) {
		t.Fatalf("identical edit: err = %v", err)
	}
	if _, err := b.Edit(m, "Pick!", mk()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.EditReplyMarkup(m, mk()); !errors.Is(err, tele.ErrSameMessageContent) {
		t.Fatalf("identical markup: err = %v", err)
	}
	if _, err := b.EditReplyMarkup(m, nil); err != nil {
		t.Fatal(err)
	}
	cur, _ := s.Message(alice.ID, m.ID)
	if cur.Text != "Pick!" || cur.Edits != 2 || cur.Buttons != nil {
		t.Fatalf("after edits: %+v", cur)
	}
	if err := b.Delete(m); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(m); !errors.Is(err, tele.ErrNotFoundToDelete) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := b.Edit(m, "late"); err == nil || !strings.Contains(err.Error(), "message to edit not found") {
		t.Fatalf("edit deleted: %v", err)
	}
	if _, ok := s.LastBotMessage(alice.ID); ok {
		t.Fatal("deleted message still listed as bot message")
	}

	// Replies to (and deletion of) user messages built with UserMessage.
	u := s.UserMessage(nil, &alice, "hello")
	r, err := b.Reply(u.Message, "hi back")
	if err != nil {
		t.Fatal(err)
	}
	if r.ReplyTo == nil || r.ReplyTo.ID != u.Message.ID || r.ID != u.Message.ID+1 {
		t.Fatalf("reply = %+v", r)
	}
	if err := b.Delete(u.Message); err != nil {
		t.Fatal(err)
	}
	all := s.Messages(alice.ID)
	if len(all) != 3 || !all[0].Deleted || !all[1].Deleted || all[1].FromBot || all[2].ReplyTo != all[1].ID {
		t.Fatalf("history: %s", s.DumpChat(alice.ID))
	}
	if _, err := b.Reply(&tele.Message{ID: 9999, Chat: emulator.PrivateChat(alice)}, "x"); err == nil {
		t.Fatal("reply to unknown message accepted")
	}

	// Files go as multipart.
	pm, err := b.Send(&alice, &tele.Photo{File: tele.FromReader(strings.NewReader("PNG")), Caption: "pic"})
	if err != nil || pm.Photo == nil || pm.Caption != "pic" {
		t.Fatalf("sendPhoto: %v %+v", err, pm)
	}
	pc := s.Calls("sendPhoto")
	if len(pc) != 1 || pc[0].ContentType != "multipart/form-data" || !pc[0].Has("photo") || pc[0].Files == nil || pc[0].ChatID() != alice.ID {
		t.Fatalf("sendPhoto call = %+v", pc)
	}
	if last, _ := s.LastBotMessage(alice.ID); last.Kind != "photo" || last.Text != "pic" {
		t.Fatalf("photo message = %+v", last)
	}
}

func TestChatAdministration(t *testing.T) {
	s := emulator.NewT(t)
	b := newBot(t, s, true, nil)
	alice, bob, carol := emulator.User(42, "Alice"), emulator.User(43, "Bob"), emulator.User(44, "Carol")
	group := emulator.Supergroup(-1009, "Peers")

	if err := b.ApproveJoinRequest(group, &alice); err != nil {
		t.Fatal(err)
	}
	if err := b.ApproveJoinRequest(group, &alice); !errors.Is(err, tele.ErrHideRequesterMissing) {
		t.Fatalf("second approve: %v", err)
	}
	if err := b.DeclineJoinRequest(group, &alice); !errors.Is(err, tele.ErrHideRequesterMissing) {
		t.Fatalf("decline after approve: %v", err)
	}
	s.Push(s.JoinRequest(group, alice)) // a new request can be processed again
	if err := b.DeclineJoinRequest(group, &alice); err != nil {
		t.Fatalf("decline new request: %v", err)
	}

	if err := b.Ban(group, &tele.ChatMember{User: &bob}); err != nil {
		t.Fatal(err)
	}
	if st := s.MemberStatus(group.ID, bob.ID); st != "kicked" {
		t.Fatalf("after ban: %s", st)
	}
	if err := b.Unban(group, &bob); err != nil || s.MemberStatus(group.ID, bob.ID) != "left" {
		t.Fatalf("unban: %v %s", err, s.MemberStatus(group.ID, bob.ID))
	}
	if err := b.Restrict(group, &tele.ChatMember{User: &carol, Rights: tele.NoRights(), RestrictedUntil: tele.Forever()}); err != nil {
		t.Fatal(err)
	}
	cm, err := b.ChatMemberOf(group, &carol)
	if err != nil || cm.Role != tele.Restricted || cm.CanSendMessages || cm.User.ID != carol.ID {
		t.Fatalf("restricted member: %v %+v", err, cm)
	}
	rc := s.Calls("restrictChatMember")[0]
	if rc.Int("chat_id") != group.ID || rc.Int("user_id") != carol.ID {
		t.Fatalf("restrict call = %+v", rc.Raw)
	}
	if perms, ok := rc.Params["permissions"].(map[string]any); !ok || perms["can_send_messages"] != false {
		t.Fatalf("permissions param = %#v", rc.Params["permissions"])
	}
	s.SetMember(group.ID, alice.ID, "administrator")
	if err := b.Ban(group, &tele.ChatMember{User: &alice}); !errors.Is(err, tele.ErrUserIsAdmin) {
		t.Fatalf("ban admin: %v", err)
	}

	ch, err := b.ChatByID(group.ID)
	if err != nil || ch.Type != tele.ChatSuperGroup || ch.Title != "Peers" || ch.Permissions == nil ||
		!ch.Permissions.CanSendMessages || ch.Permissions.CanChangeInfo {
		t.Fatalf("default getChat: %v %+v", err, ch)
	}
	s.SetChat(map[string]any{"id": group.ID, "type": "supergroup", "title": "Custom", "join_by_request": true})
	if ch, err := b.ChatByID(group.ID); err != nil || ch.Title != "Custom" {
		t.Fatalf("SetChat: %v %+v", err, ch)
	}

	cmds := []tele.Command{{Text: "start", Description: "Start"}, {Text: "help", Description: "Help"}}
	if err := b.SetCommands(cmds); err != nil {
		t.Fatal(err)
	}
	priv := tele.CommandScope{Type: tele.CommandScopeAllPrivateChats}
	if err := b.SetCommands(cmds[:1], priv, "de"); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Commands(); err != nil || len(got) != 2 || got[1].Text != "help" {
		t.Fatalf("getMyCommands: %v %+v", err, got)
	}
	if got := s.MyCommands(priv, "de"); len(got) != 1 {
		t.Fatalf("MyCommands(private, de) = %+v", got)
	}
	if err := b.SetCommands([]tele.Command{{Text: "Start", Description: "x"}}); err == nil {
		t.Fatal("invalid command accepted")
	}
	if err := b.DeleteCommands(); err != nil || len(s.MyCommands(tele.CommandScope{}, "")) != 0 {
		t.Fatalf("deleteMyCommands: %v", err)
	}

	if err := b.Leave(group); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Send(group, "still here?"); err == nil || !strings.Contains(err.Error(), "not a member") {
		t.Fatalf("send after leave: %v", err)
	}
}

// TestConcurrentLoad pushes many updates from several goroutines at a
// concurrently handling bot and checks every one got its answer.
func TestConcurrentLoad(t *testing.T) {
	s := emulator.NewT(t)
	errs := &botErrors{}
	b := newBot(t, s, false, errs)
	b.Handle(tele.OnText, func(c tele.Context) error {
		return c.Reply("echo: " + c.Text())
	})
	start(t, b)

	const users, each = 10, 50
	var wg sync.WaitGroup
	for u := 0; u < users; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := emulator.User(int64(100+u), fmt.Sprint("U", u))
			for i := 0; i < each; i++ {
				s.Push(s.UserMessage(nil, &user, fmt.Sprint(i)))
			}
		}()
	}
	wg.Wait()
	s.WaitCallCount(t, 20*time.Second, "sendMessage", users*each)
	s.WaitPending(t, wait, 0)
	if e := errs.list(); len(e) > 0 {
		t.Fatalf("bot errors: %v", e[:min(len(e), 5)])
	}
	for u := 0; u < users; u++ {
		msgs := s.Messages(int64(100 + u))
		if len(msgs) != 2*each {
			t.Fatalf("chat %d has %d messages", 100+u, len(msgs))
		}
		seen := map[int]bool{}
		for _, m := range msgs {
			if seen[m.ID] {
				t.Fatalf("duplicate message id %d in chat %d", m.ID, 100+u)
			}
			seen[m.ID] = true
			if m.FromBot && !strings.HasPrefix(m.Text, "echo: ") {
				t.Fatalf("bot message %+v", m)
			}
		}
	}
}

// TestEncodingsAndClose checks the non-telebot encodings (form, JSON with
// real numbers, query string) and that Close ends a pending long poll.
func TestEncodingsAndClose(t *testing.T) {
	s := emulator.New()
	defer s.Close()
	base := s.URL + "/bot" + emulator.Token + "/"

	resp, err := http.PostForm(base+"sendMessage", url.Values{
		"chat_id":      {"42"},
		"text":         {"form"},
		"reply_markup": {`{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := s.WaitCall(t, wait, "sendMessage", nil)
	if !c.OK() || c.ChatID() != 42 || c.Text() != "form" || len(c.Buttons()) != 1 {
		t.Fatalf("form call = %+v", c)
	}
	if _, ok := c.Params["reply_markup"].(map[string]any); !ok || c.String("reply_markup") == "" {
		t.Fatalf("reply_markup param = %#v", c.Params["reply_markup"])
	}

	resp, err = http.Post(base+"sendMessage", "application/json", strings.NewReader(`{"chat_id":-1005,"text":"json","protect_content":true}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var out struct {
		OK     bool
		Result struct {
			MessageID int `json:"message_id"`
			Chat      struct {
				ID   int64
				Type string
			}
			From struct{ ID int64 }
		}
	}
	if err := json.Unmarshal(body, &out); err != nil || !out.OK || out.Result.Chat.ID != -1005 ||
		out.Result.Chat.Type != "supergroup" || out.Result.From.ID != emulator.BotID || out.Result.MessageID != 1 {
		t.Fatalf("json send: %v %s", err, body)
	}
	if c := s.Calls("sendMessage")[1]; c.Int("chat_id") != -1005 || !c.Bool("protect_content") {
		t.Fatalf("json call raw = %v", c.Raw)
	}
	if m, _ := s.LastBotMessage(-1005); !m.Protected {
		t.Fatalf("protect_content not recorded: %+v", m)
	}

	resp, err = http.Get(base + "getMe?x=1")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET getMe: %v %v", err, resp)
	}
	resp.Body.Close()

	done := make(chan struct{})
	go func() {
		defer close(done)
		r, err := http.Post(base+"getUpdates", "application/json", strings.NewReader(`{"timeout":"30"}`))
		if err == nil {
			r.Body.Close()
		}
	}()
	time.Sleep(50 * time.Millisecond) // let the poll start waiting (test side only)
	t0 := time.Now()
	s.Close()
	select {
	case <-done:
		if time.Since(t0) > 2*time.Second {
			t.Fatalf("Close took %v", time.Since(t0))
		}
	case <-time.After(wait):
		t.Fatal("Close did not end the long poll")
	}
}
