package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	tele "gopkg.in/telebot.v3"
)

type queued struct {
	id        int
	raw       []byte
	kind      string // "message", "callback_query"... ("" if unknown)
	redeliver bool   // explicit re-push of an already confirmed id: exempt from confirmation until delivered
	once      bool   // update_id missing/unusable for the client: drop after one delivery so polling cannot spin on it
	delivered bool
}

type updateQueue struct {
	q              []*queued // sorted by id (stable)
	next           int       // next auto-assigned update_id
	confirmedBelow int       // every id < this has been confirmed by an offset
	allowed        []string  // last allowed_updates given to getUpdates
	pollGen        int       // bumps on every getUpdates, to answer 409 to a superseded poll
}

func (q *updateQueue) assign(explicit int) int {
	if explicit != 0 {
		if explicit >= q.next {
			q.next = explicit + 1
		}
		return explicit
	}
	id := q.next
	q.next++
	return id
}

func (q *updateQueue) insert(e *queued) {
	i := sort.Search(len(q.q), func(i int) bool { return q.q[i].id > e.id })
	q.q = append(q.q, nil)
	copy(q.q[i+1:], q.q[i:])
	q.q[i] = e
}

// confirm applies Telegram's offset semantics: a positive offset confirms
// (forgets) every update with a smaller id; a negative one keeps only the
// last -offset updates; 0 confirms nothing.
func (q *updateQueue) confirm(offset int) bool {
	before := len(q.q)
	keep := q.q[:0]
	for _, e := range q.q {
		if e.once && e.delivered {
			continue
		}
		if offset > 0 && e.id < offset && !(e.redeliver && !e.delivered) {
			continue
		}
		keep = append(keep, e)
	}
	for i := len(keep); i < len(q.q); i++ {
		q.q[i] = nil
	}
	q.q = keep
	switch {
	case offset > 0:
		if offset > q.confirmedBelow {
			q.confirmedBelow = offset
		}
	case offset < 0:
		if n := -offset; len(q.q) > n {
			drop := len(q.q) - n
			copy(q.q, q.q[drop:])
			for i := n; i < len(q.q); i++ {
				q.q[i] = nil
			}
			q.q = q.q[:n]
		}
		if len(q.q) > 0 {
			q.confirmedBelow = q.q[0].id
		} else {
			q.confirmedBelow = q.next
		}
	}
	return len(q.q) != before
}

// take returns up to limit deliverable updates, dropping those whose type
// the bot excluded with allowed_updates (Telegram does not even keep them).
func (q *updateQueue) take(limit int) [][]byte {
	if len(q.allowed) > 0 {
		allowed := make(map[string]bool, len(q.allowed))
		for _, a := range q.allowed {
			allowed[a] = true
		}
		keep := q.q[:0]
		for _, e := range q.q {
			if e.kind == "" || allowed[e.kind] {
				keep = append(keep, e)
			}
		}
		for i := len(keep); i < len(q.q); i++ {
			q.q[i] = nil
		}
		q.q = keep
	}
	n := min(limit, len(q.q))
	out := make([][]byte, n)
	for i := 0; i < n; i++ {
		q.q[i].delivered = true
		out[i] = q.q[i].raw
	}
	return out
}

func (s *Server) enqueueLocked(e *queued) {
	s.updates.insert(e)
	s.signalUpdatesLocked()
	s.signalLocked()
}

// Push queues an update for getUpdates and returns its update_id. If u.ID
// is 0 the next id is assigned (monotonic, from 1). An explicit id is kept
// as is, to simulate Telegram redelivering the same update after a crash:
// even when that id was already confirmed, it is delivered once more.
//
// Push also learns from the update what a real server would know: chats
// and users, user messages (so the bot can reply to or delete them),
// callback query ids (so answerCallbackQuery accepts them), join requests
// (so they can be approved again) and member status changes.
func (s *Server) Push(u tele.Update) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	explicit := u.ID != 0
	u.ID = s.updates.assign(u.ID)
	b, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("emulator: Push: cannot marshal update: %v", err))
	}
	raw, kind := normalizeUpdate(b)
	s.observeUpdateLocked(&u)
	s.enqueueLocked(&queued{id: u.ID, raw: raw, kind: kind, redeliver: explicit && u.ID < s.updates.confirmedBelow})
	return u.ID
}

// PushRaw queues a raw JSON update, for strange or malformed updates the
// tele.Update type cannot express. A JSON object lacking "update_id" gets
// the next id. Anything else (not an object, or an update_id that is not a
// number) is delivered verbatim exactly once, then dropped, because the
// client cannot confirm it and would otherwise poll it forever.
func (s *Server) PushRaw(js string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &obj); err != nil || obj == nil {
		id := s.updates.assign(0)
		s.enqueueLocked(&queued{id: id, raw: []byte(js), once: true})
		return id
	}
	kind := updateKind(obj)
	e := &queued{raw: []byte(js), kind: kind}
	if v, ok := obj["update_id"]; ok {
		var id int
		if err := json.Unmarshal(v, &id); err == nil && id != 0 {
			e.id = s.updates.assign(id)
			e.redeliver = e.id < s.updates.confirmedBelow
		} else {
			e.id = s.updates.assign(0)
			e.once = true
		}
	} else {
		e.id = s.updates.assign(0)
		obj["update_id"] = json.RawMessage(strconv.Itoa(e.id))
		e.raw, _ = json.Marshal(obj)
	}
	var u tele.Update
	if json.Unmarshal(e.raw, &u) == nil {
		s.observeUpdateLocked(&u)
	}
	s.enqueueLocked(e)
	return e.id
}

func updateKind(obj map[string]json.RawMessage) string {
	keys := make([]string, 0, len(obj))
	for k, v := range obj {
		if k != "update_id" && string(v) != "null" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	return keys[0]
}

// normalizeUpdate strips the nulls telebot's structs marshal (Telegram
// never sends null) and fills a zero message date, returning the JSON and
// the update type. It scans the compact encoding/json output directly:
// decoding into maps and re-encoding costs several times more, which shows
// when tests push thousands of updates under -race.
func normalizeUpdate(b []byte) ([]byte, string) {
	n := &nullStripper{in: b, out: make([]byte, 0, len(b)), now: strconv.AppendInt(nil, time.Now().Unix(), 10)}
	if err := n.value(0, ""); err != nil || n.i != len(b) {
		return b, ""
	}
	return n.out, n.kind
}

type nullStripper struct {
	in, out []byte
	i       int
	now     []byte
	kind    string
}

var errBadJSON = errors.New("unexpected JSON")

var messageKinds = map[string]bool{"message": true, "edited_message": true, "channel_post": true, "edited_channel_post": true}

// value copies one JSON value at n.i; depth is the object nesting and key
// the member name it belongs to (used to find message dates).
func (n *nullStripper) value(depth int, key string) error {
	if n.i >= len(n.in) {
		return errBadJSON
	}
	switch c := n.in[n.i]; c {
	case '{':
		return n.object(depth+1, key)
	case '[':
		n.out = append(n.out, '[')
		n.i++
		for first := true; ; first = false {
			if n.i >= len(n.in) {
				return errBadJSON
			}
			if n.in[n.i] == ']' {
				n.out = append(n.out, ']')
				n.i++
				return nil
			}
			if !first {
				if n.in[n.i] != ',' {
					return errBadJSON
				}
				n.out = append(n.out, ',')
				n.i++
			}
			if err := n.value(depth, ""); err != nil {
				return err
			}
		}
	case '"':
		start := n.i
		if err := n.skipString(); err != nil {
			return err
		}
		n.out = append(n.out, n.in[start:n.i]...)
		return nil
	default:
		start := n.i
		for n.i < len(n.in) && n.in[n.i] != ',' && n.in[n.i] != '}' && n.in[n.i] != ']' {
			n.i++
		}
		n.out = append(n.out, n.in[start:n.i]...)
		return nil
	}
}

func (n *nullStripper) skipString() error {
	n.i++ // opening quote
	for {
		j := bytes.IndexByte(n.in[n.i:], '"')
		if j < 0 {
			return errBadJSON
		}
		end := n.i + j
		bs := 0
		for k := end - 1; k >= n.i && n.in[k] == '\\'; k-- {
			bs++
		}
		n.i = end + 1
		if bs%2 == 0 {
			return nil
		}
	}
}

func (n *nullStripper) object(depth int, parent string) error {
	n.out = append(n.out, '{')
	n.i++
	wrote := false
	for first := true; ; first = false {
		if n.i >= len(n.in) {
			return errBadJSON
		}
		if n.in[n.i] == '}' {
			n.out = append(n.out, '}')
			n.i++
			return nil
		}
		if !first {
			if n.in[n.i] != ',' {
				return errBadJSON
			}
			n.i++
		}
		if n.i >= len(n.in) || n.in[n.i] != '"' {
			return errBadJSON
		}
		kstart := n.i
		if err := n.skipString(); err != nil {
			return err
		}
		kend := n.i
		if n.i >= len(n.in) || n.in[n.i] != ':' {
			return errBadJSON
		}
		n.i++
		if bytes.HasPrefix(n.in[n.i:], []byte("null")) {
			n.i += 4
			continue
		}
		key := string(n.in[kstart+1 : kend-1])
		if wrote {
			n.out = append(n.out, ',')
		}
		wrote = true
		n.out = append(n.out, n.in[kstart:kend]...)
		n.out = append(n.out, ':')
		if depth == 1 && key != "update_id" && n.kind == "" {
			n.kind = key
		}
		if depth == 2 && key == "date" && messageKinds[parent] && bytes.HasPrefix(n.in[n.i:], []byte("0")) &&
			n.i+1 < len(n.in) && (n.in[n.i+1] == ',' || n.in[n.i+1] == '}') {
			n.out = append(n.out, n.now...)
			n.i++
			continue
		}
		if err := n.value(depth, key); err != nil {
			return err
		}
	}
}

func (s *Server) observeUpdateLocked(u *tele.Update) {
	for _, m := range []*tele.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
		if m == nil || m.Chat == nil {
			continue
		}
		s.noteChatLocked(m.Chat)
		s.noteUserLocked(m.Sender)
	}
	if m := u.Message; m != nil && m.Chat != nil && m.ID != 0 && s.lookupLocked(m.Chat.ID, m.ID) == nil {
		ms := &msgState{Message: Message{
			ID: m.ID, ChatID: m.Chat.ID, Text: m.Text, Plain: m.Text, Kind: "text",
			Date: time.Unix(m.Unixtime, 0), ThreadID: m.ThreadID,
		}}
		if m.Text == "" && m.Caption != "" {
			ms.Text, ms.Plain = m.Caption, m.Caption
		}
		switch {
		case m.Photo != nil:
			ms.Kind = "photo"
		case m.Document != nil:
			ms.Kind = "document"
		}
		if m.Unixtime == 0 {
			ms.Date = time.Unix(time.Now().Unix(), 0)
		}
		if m.Sender != nil {
			sender := *m.Sender
			ms.sender = &sender
			ms.SenderID = sender.ID
		}
		if m.ReplyTo != nil {
			ms.ReplyTo = m.ReplyTo.ID
		}
		s.addMessageLocked(s.chatLocked(m.Chat.ID), ms)
	}
	if cb := u.Callback; cb != nil {
		if _, ok := s.callbacks[cb.ID]; !ok && cb.ID != "" {
			s.callbacks[cb.ID] = false
		}
		s.noteUserLocked(cb.Sender)
	}
	if jr := u.ChatJoinRequest; jr != nil && jr.Chat != nil && jr.Sender != nil {
		s.noteChatLocked(jr.Chat)
		s.noteUserLocked(jr.Sender)
		delete(s.joinDone, memberKey{jr.Chat.ID, jr.Sender.ID})
	}
	for _, cm := range []*tele.ChatMemberUpdate{u.ChatMember, u.MyChatMember} {
		if cm == nil || cm.Chat == nil || cm.NewChatMember == nil || cm.NewChatMember.User == nil {
			continue
		}
		s.noteChatLocked(cm.Chat)
		user := cm.NewChatMember.User
		s.noteUserLocked(user)
		status := string(cm.NewChatMember.Role)
		if user.ID == BotID {
			s.botStatusChangedLocked(cm.Chat.ID, status)
		}
		s.memberLocked(cm.Chat.ID, user.ID).status = status
	}
}

// Pending returns how many updates are queued and not yet confirmed
// (delivered-but-unconfirmed updates count: the bot may still lose them).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates.q)
}

// AwaitPending waits up to timeout until Pending() <= n. With n == 0 it
// waits until the bot confirmed everything pushed. Note that telebot
// confirms an update when it polls again, which is before its handler
// necessarily finished; wait on the bot's calls to know that.
func (s *Server) AwaitPending(timeout time.Duration, n int) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		left := len(s.updates.q)
		ch := s.ev
		s.mu.Unlock()
		if left <= n {
			return true
		}
		select {
		case <-ch:
		case <-timer.C:
			return false
		case <-s.done:
			return false
		}
	}
}

// WaitPending is AwaitPending that fails the test on timeout.
func (s *Server) WaitPending(t TB, timeout time.Duration, n int) {
	t.Helper()
	if !s.AwaitPending(timeout, n) {
		t.Fatalf("emulator: still %d updates pending after %v (want <= %d)\n%s", s.Pending(), timeout, n, s.DumpCalls(20))
	}
}

// AllowedUpdates returns the allowed_updates given with the last getUpdates
// that carried a non-null value (nil if none did; absent or null keeps the
// previous setting, as on Telegram). A non-empty list makes the server drop
// queued updates of other types, like Telegram. Unlike Telegram, an empty
// list (the default) lets every type through, chat_member included, so
// tests need not opt in to what they push.
func (s *Server) AllowedUpdates() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.updates.allowed...)
}

func allowedParam(c *Call) []string {
	var out []string
	switch v := c.Params["allowed_updates"].(type) {
	case []any:
		out = make([]string, 0, len(v))
		for _, x := range v {
			if str, ok := x.(string); ok {
				out = append(out, str)
			}
		}
	case string:
		// A lone type name sent by hand; "null" means unspecified.
		if v != "" && v != "null" {
			out = []string{v}
		}
	}
	return out
}

// getUpdates implements long polling: answer at once when something is
// queued or timeout is 0, else wait for a push, the timeout, the client
// going away or the server closing. A newer getUpdates supersedes a
// waiting one, which then gets 409 Conflict like on Telegram.
func (s *Server) getUpdates(ctx context.Context, call *Call) reply {
	offset := int(call.Int("offset"))
	limit := int(call.Int("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout := max(call.Int("timeout"), 0)
	deadline := call.At.Add(time.Duration(timeout) * time.Second)

	s.mu.Lock()
	q := &s.updates
	q.pollGen++
	gen := q.pollGen
	s.signalUpdatesLocked() // let a superseded poll notice
	if call.Has("allowed_updates") && call.String("allowed_updates") != "null" {
		// Absent or null: Telegram keeps the previous setting.
		q.allowed = allowedParam(call)
	}
	if q.confirm(offset) {
		s.signalLocked()
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		if gen != q.pollGen {
			s.mu.Unlock()
			return errReply(409, defaultDescription(409, 0))
		}
		if ctx.Err() != nil {
			s.mu.Unlock()
			return reply{desc: "client cancelled the request"}
		}
		before := len(q.q)
		batch := q.take(limit)
		if len(q.q) != before {
			s.signalLocked() // filtered-out updates left the queue: Pending changed
		}
		if len(batch) > 0 || timeout == 0 || s.closed() || !time.Now().Before(deadline) {
			s.mu.Unlock()
			var b bytes.Buffer
			b.WriteString(`{"ok":true,"result":[`)
			for i, u := range batch {
				if i > 0 {
					b.WriteByte(',')
				}
				b.Write(u)
			}
			b.WriteString(`]}`)
			return reply{status: 200, body: b.Bytes()}
		}
		ch := s.updEv
		s.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(time.Until(deadline))
		}
		select {
		case <-ch:
		case <-timer.C:
		case <-ctx.Done():
		case <-s.done:
		}
		s.mu.Lock()
	}
}

// ---------------------------------------------------------------------------
// Building updates

// User returns a plain (non-bot) Telegram user, for building updates.
func User(id int64, firstName string) tele.User {
	return tele.User{ID: id, FirstName: firstName, Username: strings.ToLower(firstName), LanguageCode: "en"}
}

// PrivateChat returns the private chat with u: in Telegram its id is the
// user's id and its type "private".
func PrivateChat(u tele.User) *tele.Chat {
	return &tele.Chat{ID: u.ID, Type: tele.ChatPrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

// Supergroup returns a supergroup chat. Telegram supergroup ids are
// negative (-100...); id is used as given.
func Supergroup(id int64, title string) *tele.Chat {
	return &tele.Chat{ID: id, Type: tele.ChatSuperGroup, Title: title}
}

// UserMessage builds a text message update sent by from in chat (nil chat:
// the private chat with from), the way Telegram would: a fresh message id
// from NextMessageID, the current date, and a bot_command entity when the
// text starts with "/". The message is recorded in the chat's history so
// that the bot can later reply to it or delete it. Push the result.
func (s *Server) UserMessage(chat *tele.Chat, from *tele.User, text string) tele.Update {
	if from == nil {
		panic("emulator: UserMessage needs a sender")
	}
	if chat == nil {
		chat = PrivateChat(*from)
	}
	sender := *from
	ch := *chat
	s.mu.Lock()
	s.noteChatLocked(&ch)
	s.noteUserLocked(&sender)
	c := s.chatLocked(ch.ID)
	id := c.nextMsgID
	date := time.Unix(time.Now().Unix(), 0)
	ms := &msgState{
		Message: Message{ID: id, ChatID: ch.ID, Text: text, Plain: text, Kind: "text", SenderID: sender.ID, Date: date},
		sender:  &sender,
	}
	s.addMessageLocked(c, ms)
	s.mu.Unlock()

	m := &tele.Message{ID: id, Sender: &sender, Unixtime: date.Unix(), Chat: &ch, Text: text}
	if strings.HasPrefix(text, "/") {
		cmd := text
		if i := strings.IndexAny(cmd, " \n\t"); i >= 0 {
			cmd = cmd[:i]
		}
		m.Entities = tele.Entities{{Type: tele.EntityCommand, Offset: 0, Length: len(utf16.Encode([]rune(cmd)))}}
	}
	return tele.Update{Message: m}
}

// UserReply is UserMessage replying to message replyTo of the same chat
// (as when a member answers a message with /signaler): the update carries
// the replied message as Telegram embeds it, and the chat's history records
// the reply. An unknown or deleted replyTo is an error, as in Telegram's
// clients, which cannot reply to what is gone.
func (s *Server) UserReply(chat *tele.Chat, from *tele.User, text string, replyTo int) (tele.Update, error) {
	if chat == nil {
		chat = PrivateChat(*from)
	}
	s.mu.Lock()
	target := s.lookupLocked(chat.ID, replyTo)
	s.mu.Unlock()
	if target == nil || target.Deleted {
		return tele.Update{}, fmt.Errorf("emulator: no message %d in chat %d to reply to", replyTo, chat.ID)
	}
	u := s.UserMessage(chat, from, text)
	s.mu.Lock()
	defer s.mu.Unlock()
	if ms := s.lookupLocked(chat.ID, u.Message.ID); ms != nil {
		ms.ReplyTo = replyTo
	}
	if target = s.lookupLocked(chat.ID, replyTo); target != nil {
		u.Message.ReplyTo = s.teleMessageLocked(target)
	}
	return u, nil
}

// JoinRequest builds a chat_join_request update: from asks to join chat.
// Pushing it makes the request approvable/declinable (again).
func (s *Server) JoinRequest(chat *tele.Chat, from tele.User) tele.Update {
	ch := *chat
	return tele.Update{ChatJoinRequest: &tele.ChatJoinRequest{
		Chat: &ch, Sender: &from, UserChatID: from.ID, Unixtime: time.Now().Unix(),
	}}
}

// URLButtonError is returned by Press when the matching button opens a URL
// instead of sending a callback: Telegram clients open the link and the bot
// hears nothing. URL is the link, for tests that want to follow it.
type URLButtonError struct {
	Text string
	URL  string
}

// Error explains that the button is a link, and where it points.
func (e *URLButtonError) Error() string {
	return fmt.Sprintf("emulator: button %q is a URL button (opens %s); pressing it sends no callback to the bot", e.Text, e.URL)
}

// Press builds the callback_query update Telegram sends when from presses
// the inline button of bot message msg whose text contains buttonText
// (case-insensitive; an exact match wins over partial ones, several partial
// matches are an error). The message's current state on the server is
// used (a stale msg still works, a deleted one does not). The callback id
// is unique and registered for answerCallbackQuery. Push the result.
func (s *Server) Press(msg Message, buttonText string, from tele.User) (tele.Update, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := msg
	if ms := s.lookupLocked(msg.ChatID, msg.ID); ms != nil {
		if ms.Deleted {
			return tele.Update{}, fmt.Errorf("emulator: message %d in chat %d is deleted", msg.ID, msg.ChatID)
		}
		cur = ms.snapshot()
	}
	b, err := findButton(cur, buttonText)
	if err != nil {
		return tele.Update{}, err
	}
	if b.Data == "" {
		if b.URL != "" {
			return tele.Update{}, &URLButtonError{Text: b.Text, URL: b.URL}
		}
		return tele.Update{}, fmt.Errorf("emulator: button %q of message %d has no callback_data", b.Text, msg.ID)
	}
	return s.callbackLocked(cur, b.Data, from), nil
}

// PressData builds a callback_query for msg with arbitrary data, like a
// forged client or a press on a keyboard the bot has since replaced.
func (s *Server) PressData(msg Message, data string, from tele.User) tele.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callbackLocked(msg, data, from)
}

func (s *Server) callbackLocked(msg Message, data string, from tele.User) tele.Update {
	s.cbSeq++
	id := strconv.FormatUint(4_000_000_000_000_000_000+s.cbSeq*7919, 10)
	s.callbacks[id] = false
	s.noteUserLocked(&from)
	ms := s.lookupLocked(msg.ChatID, msg.ID)
	if ms == nil {
		// A message the server never saw: describe it from the snapshot.
		ms = &msgState{Message: msg}
		if ms.Kind == "" {
			ms.Kind = "text"
		}
		if ms.Plain == "" {
			ms.Plain = ms.Text
		}
		ms.markup, _ = markupFromButtons(msg.Buttons)
	}
	return tele.Update{Callback: &tele.Callback{
		ID:           id,
		Sender:       &from,
		Message:      s.teleMessageLocked(ms),
		Data:         data,
		ChatInstance: strconv.FormatInt(msg.ChatID*-7+1_000_003, 10),
	}}
}

func findButton(m Message, text string) (Button, error) {
	want := strings.ToLower(text)
	var partial []Button
	for _, row := range m.Buttons {
		for _, b := range row {
			label := strings.ToLower(b.Text)
			if label == want {
				return b, nil
			}
			if strings.Contains(label, want) {
				partial = append(partial, b)
			}
		}
	}
	switch len(partial) {
	case 1:
		return partial[0], nil
	case 0:
		return Button{}, fmt.Errorf("emulator: message %d in chat %d has no button containing %q; buttons: %s",
			m.ID, m.ChatID, text, describeButtons(m.Buttons))
	default:
		return Button{}, errors.New("emulator: " + strconv.Itoa(len(partial)) + " buttons contain " + strconv.Quote(text) +
			", be more specific; buttons: " + describeButtons(m.Buttons))
	}
}
