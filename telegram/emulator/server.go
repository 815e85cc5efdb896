// Package emulator is a Telegram Bot API server that runs in the process:
// an httptest server speaking the same JSON as api.telegram.org
// ({"ok":true,"result":...} or {"ok":false,"error_code":N,"description":...}),
// so the real bot code runs through the real telebot client. Point telebot's
// Settings.URL (or the config key telegram.api_url) at Server.URL and use
// Token as the bot token. The end-to-end tests use it; it imports no
// testing package so that a browser sandbox can embed the same emulator in
// the production binary.
//
// It keeps what a caller needs to look at (every API call, the messages of
// every chat with their buttons, edits and deletions, member statuses,
// commands) and reproduces these Telegram behaviours, the ones real bots
// trip over:
//
//   - Updates: getUpdates long polling, confirmed by the next offset
//     (unconfirmed updates are delivered again), allowed_updates kept from
//     one call to the next, 409 Conflict for a poll superseded by a newer
//     one, a webhook
//     stub (setWebhook, deleteWebhook, getWebhookInfo answer; updates are
//     not posted to it). Push, PushRaw, UserMessage, JoinRequest, Press and
//     PressData build and queue what users do.
//   - Sending: sendMessage, sendPhoto, sendDocument, copyMessage,
//     forwardMessage; parse_mode HTML parsed as Telegram does (its tag
//     subset, entities, "can't parse entities" with the byte offset), the
//     4,096 (text) and 1,024 (caption) UTF-16 limits, empty text refused,
//     inline keyboards checked, replies to a missing message refused unless
//     allow_sending_without_reply, protect_content recorded.
//   - Edits and deletions: editMessageText, editMessageCaption,
//     editMessageReplyMarkup ("message is not modified" when nothing
//     changes, the keyboard dropped when an edit omits it, only the bot's
//     own messages), deleteMessage, deleteMessages.
//   - Callback answers: answerCallbackQuery once per query ("query is too
//     old" for an unknown or already answered one), toasts of at most 200
//     characters.
//   - Members and join requests: approveChatJoinRequest and
//     declineChatJoinRequest (once per request: HIDE_REQUESTER_MISSING
//     after), restrictChatMember, banChatMember, unbanChatMember,
//     getChatMember, getChat, leaveChat; owners and administrators cannot be
//     restricted or banned; 403 for a user who blocked the bot or a group
//     the bot was removed from (Block, SetMember, my_chat_member updates).
//   - Commands: setMyCommands, getMyCommands, deleteMyCommands per scope and
//     language, with Telegram's command name rules.
//   - Flood control (SetLimits, off by default): Telegram's 30 messages a
//     second overall, about 1 a second per private chat and 20 a minute per
//     group, answered 429 "Too Many Requests: retry after N" with
//     parameters.retry_after.
//   - Faults on demand (FailNext): any error code and description, 429 with
//     retry_after, malformed bodies, delays.
//   - A wrong token gets 401, an unknown method 404.
//
// Not modelled: inline mode, payments, files beyond their names, and
// anything that needs a second bot or a user account.
//
// All methods are safe for concurrent use; waiting is done with channels,
// never with sleeps, so a caller can push thousands of updates quickly.
package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	tele "gopkg.in/telebot.v3"
)

// Token is the bot token the fake server accepts. Requests made with any
// other token get 401 Unauthorized, like Telegram, so a misconfigured test
// fails loudly instead of silently talking to nothing.
const Token = "123456:AAFake-Test-Token-For-The-Local-Bot-API"

// Identity of the fake bot, as returned by getMe. Exported so tests can
// build updates that mention the bot (e.g. "/start@entrepairs_bot").
const (
	BotID        int64 = 1000
	BotUsername        = "entrepairs_bot"
	BotFirstName       = "entrepairs"
)

// Server is a running fake Telegram Bot API server.
//
// Create it with New or NewT. Its zero value is not usable.
type Server struct {
	// URL is the base URL of the server (no trailing slash). Pass it as
	// telebot Settings.URL or as the telegram.api_url config value.
	URL string

	ts        *httptest.Server
	me        tele.User
	done      chan struct{} // closed by Close: wakes every waiter
	closeOnce sync.Once

	mu sync.Mutex
	// ev is closed (and replaced) whenever anything observable changes:
	// a call was recorded, a message changed, an update was pushed or
	// confirmed. Waiters grab it under mu and select on it unlocked.
	ev chan struct{}
	// updEv is the same but only for pushed updates, so long polls are
	// not woken by every sendMessage.
	updEv chan struct{}

	updates updateQueue

	calls []Call

	faults []*faultRule

	chats     map[int64]*chatState
	users     map[int64]tele.User
	forbidden map[int64]string // chat id -> 403 description for sends (blocked, kicked, left)
	chatInfo  map[int64]map[string]any
	members   map[memberKey]*memberState
	joinDone  map[memberKey]bool
	commands  map[string][]tele.Command
	callbacks map[string]bool // callback query id -> answered
	cbSeq     uint64
	fileSeq   int

	limits  Limits
	global  []time.Time
	tooMany int
}

// New starts a fake server. The bot it impersonates has user id BotID,
// username BotUsername and first name BotFirstName. Call Close when done
// (NewT does it for you).
func New() *Server {
	s := &Server{
		me: tele.User{
			ID:            BotID,
			IsBot:         true,
			FirstName:     BotFirstName,
			Username:      BotUsername,
			CanJoinGroups: true,
		},
		done:      make(chan struct{}),
		ev:        make(chan struct{}),
		updEv:     make(chan struct{}),
		chats:     make(map[int64]*chatState),
		users:     make(map[int64]tele.User),
		forbidden: make(map[int64]string),
		chatInfo:  make(map[int64]map[string]any),
		members:   make(map[memberKey]*memberState),
		joinDone:  make(map[memberKey]bool),
		commands:  make(map[string][]tele.Command),
		callbacks: make(map[string]bool),
	}
	s.updates.next = 1
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.ts.URL
	return s
}

// TB is the part of testing.TB the emulator needs to fail a test or tie
// its lifetime to one; *testing.T, *testing.B and *testing.F satisfy it.
// The emulator takes this interface rather than testing.TB so that it does
// not import the testing package into a binary that embeds it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// NewT is New plus t.Cleanup(s.Close). Register it before the bot so the
// bot (whose cleanup runs first, LIFO) stops polling before the server
// goes away.
func NewT(t TB) *Server {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	return s
}

// Close wakes every pending long poll and waiter and shuts the HTTP server
// down. It is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.mu.Lock()
		s.signalLocked()
		s.signalUpdatesLocked()
		s.mu.Unlock()
		s.ts.Close()
	})
}

// Me returns the bot's own user, as getMe reports it.
func (s *Server) Me() tele.User { return s.me }

func (s *Server) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// signalLocked wakes everybody waiting on s.ev. mu must be held.
func (s *Server) signalLocked() {
	close(s.ev)
	s.ev = make(chan struct{})
}

// signalUpdatesLocked wakes long polls (and general waiters). mu must be held.
func (s *Server) signalUpdatesLocked() {
	close(s.updEv)
	s.updEv = make(chan struct{})
}

// ---------------------------------------------------------------------------
// Calls

// Call is one Bot API request the server received.
//
// Parameters are kept in two forms because telebot sends almost everything
// as JSON strings (chat_id "42", reply_markup "{\"inline_keyboard\":...}"),
// while a few methods send real JSON values (setMyCommands, restrictChatMember
// permissions, answerCallbackQuery show_alert):
//
//   - Raw holds every parameter's wire form as a string: string values as
//     they were sent, any other JSON value as its JSON text.
//   - Params holds the decoded value: non-string JSON values decoded
//     (numbers as float64), and string values that themselves contain a
//     JSON object or array (reply_markup, reply_parameters, allowed_updates,
//     commands, scope, permissions...) ALSO decoded into map[string]any /
//     []any. Other strings stay strings ("42" stays "42").
//
// Use the String, Int and Bool accessors rather than type-asserting Params.
// Calls returned by the server are shared snapshots: treat them as read-only.
type Call struct {
	Seq    int               // 1-based position in the server's call log (see Mark)
	Method string            // method name as sent, e.g. "sendMessage"
	Params map[string]any    // decoded parameters, see above
	Raw    map[string]string // wire form of every parameter
	Files  map[string]string // multipart file parts: field name -> file name
	// uploads holds the bytes of small multipart files (see maxKeptFile),
	// so that a sandbox can show a document the bot sent.
	uploads     map[string][]byte
	At          time.Time // when the request arrived
	Status      int       // HTTP status answered (0: client went away first)
	Error       string    // Telegram description when the answer was not ok
	Response    string    // body answered ("" for successful getUpdates, to bound memory)
	ContentType string    // request media type (application/json, multipart/form-data...)
}

// String returns the wire (string) form of parameter key, "" if absent.
func (c Call) String(key string) string { return c.Raw[key] }

// Has reports whether parameter key was sent.
func (c Call) Has(key string) bool { _, ok := c.Raw[key]; return ok }

// Int returns parameter key as an integer. telebot sends integers as
// strings ("chat_id":"-100123"); both forms are accepted. 0 if absent or
// not a number.
func (c Call) Int(key string) int64 {
	v := strings.TrimSpace(c.Raw[key])
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return int64(f)
	}
	return 0
}

// Bool returns parameter key as a boolean ("true", "True", "1", true...).
func (c Call) Bool(key string) bool {
	b, _ := strconv.ParseBool(strings.ToLower(strings.TrimSpace(c.Raw[key])))
	return b
}

// ChatID is shorthand for Int("chat_id").
func (c Call) ChatID() int64 { return c.Int("chat_id") }

// Text is shorthand for String("text").
func (c Call) Text() string { return c.String("text") }

// OK reports whether the server answered {"ok":true,...}.
func (c Call) OK() bool {
	if c.Status != http.StatusOK || c.Error != "" {
		return false
	}
	// A successful getUpdates keeps no Response (see recordLocked).
	return strings.HasPrefix(c.Response, `{"ok":true`) || c.Response == "" && strings.EqualFold(c.Method, "getUpdates")
}

// Buttons returns the inline keyboard sent in reply_markup, nil if none.
func (c Call) Buttons() [][]Button {
	kb, _ := parseInlineKeyboard(c.Raw["reply_markup"])
	return kb.buttons
}

// Mark returns the Seq of the latest recorded call. Combine it with a
// match on Call.Seq to wait only for calls made after some point:
//
//	mark := s.Mark()
//	s.Push(...)
//	s.WaitCall(t, time.Second, "sendMessage", func(c emulator.Call) bool { return c.Seq > mark })
func (s *Server) Mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// methodMatches implements the "" = every method but getUpdates rule:
// long polling would otherwise drown the log of what the bot did.
func methodMatches(want, got string) bool {
	if want == "" {
		return !strings.EqualFold(got, "getUpdates")
	}
	return strings.EqualFold(want, got)
}

// Calls returns the recorded calls to method, in the order the server
// answered them. method "" returns every call except getUpdates (polling
// noise); ask for "getUpdates" explicitly to see those.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if methodMatches(method, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// CallCount returns len(Calls(method)) without copying.
func (s *Server) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if methodMatches(method, c.Method) {
			n++
		}
	}
	return n
}

// AwaitCall waits up to timeout for a call to method (see Calls for "")
// satisfying match (nil matches any), looking at calls already recorded
// first. It returns false on timeout or when the server is closed. match
// runs without the server lock, so it may call other Server methods.
func (s *Server) AwaitCall(timeout time.Duration, method string, match func(Call) bool) (Call, bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	scanned := 0
	for {
		s.mu.Lock()
		fresh := s.calls[scanned:len(s.calls):len(s.calls)]
		scanned = len(s.calls)
		ch := s.ev
		s.mu.Unlock()
		for _, c := range fresh {
			if methodMatches(method, c.Method) && (match == nil || match(c)) {
				return c, true
			}
		}
		select {
		case <-ch:
		case <-timer.C:
			return Call{}, false
		case <-s.done:
			return Call{}, false
		}
	}
}

// WaitCall is AwaitCall that fails the test (t.Fatalf, so call it from the
// test goroutine) with a dump of the recent calls when nothing matched.
func (s *Server) WaitCall(t TB, timeout time.Duration, method string, match func(Call) bool) Call {
	t.Helper()
	c, ok := s.AwaitCall(timeout, method, match)
	if !ok {
		name := method
		if name == "" {
			name = "any method"
		}
		t.Fatalf("emulator: no matching %s call within %v\n%s", name, timeout, s.DumpCalls(40))
	}
	return c
}

// AwaitCallCount waits up to timeout until CallCount(method) >= n. It is
// the cheap way to wait for "the bot answered all N updates".
func (s *Server) AwaitCallCount(timeout time.Duration, method string, n int) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	count, scanned := 0, 0
	for {
		s.mu.Lock()
		for ; scanned < len(s.calls); scanned++ {
			if methodMatches(method, s.calls[scanned].Method) {
				count++
			}
		}
		ch := s.ev
		s.mu.Unlock()
		if count >= n {
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

// WaitCallCount is AwaitCallCount that fails the test on timeout.
func (s *Server) WaitCallCount(t TB, timeout time.Duration, method string, n int) {
	t.Helper()
	if !s.AwaitCallCount(timeout, method, n) {
		t.Fatalf("emulator: %d %s calls after %v, want >= %d\n%s", s.CallCount(method), method, timeout, n, s.DumpCalls(20))
	}
}

// DumpCalls renders the last n calls (getUpdates excluded) one per line,
// for failure messages.
func (s *Server) DumpCalls(n int) string {
	s.mu.Lock()
	var list []Call
	polls := 0
	for _, c := range s.calls {
		if strings.EqualFold(c.Method, "getUpdates") {
			polls++
			continue
		}
		list = append(list, c)
	}
	pending := len(s.updates.q)
	s.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "recent calls (%d total, plus %d getUpdates; %d updates pending):\n", len(list), polls, pending)
	if len(list) > n {
		fmt.Fprintf(&b, "  ... %d earlier calls omitted\n", len(list)-n)
		list = list[len(list)-n:]
	}
	for _, c := range list {
		b.WriteString("  ")
		b.WriteString(describeCall(c))
		b.WriteByte('\n')
	}
	return b.String()
}

func describeCall(c Call) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s -> %d", c.Seq, c.Method, c.Status)
	if c.Error != "" {
		fmt.Fprintf(&b, " (%s)", c.Error)
	}
	keys := make([]string, 0, len(c.Raw))
	for k := range c.Raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := c.Raw[k]
		if k == "reply_markup" {
			if kb := c.Buttons(); kb != nil {
				v = describeButtons(kb)
			}
		}
		fmt.Fprintf(&b, " %s=%s", k, shorten(v, 120))
	}
	return b.String()
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return strconv.Quote(string(r[:n]) + "…")
	}
	return strconv.Quote(s)
}

// ---------------------------------------------------------------------------
// Faults

// Fault describes an injected failure for FailNext.
//
// Status defaults to Code (or 200 when only Body is set, the interesting
// case of a proxy answering garbage with 200). Code defaults to Status, or
// 500 when neither is set. Description defaults to Telegram's wording for
// Code ("Too Many Requests: retry after N" for 429). A Fault with only Delay
// set is not an error: the call is answered normally after the delay, which
// simulates a slow Telegram.
type Fault struct {
	Status      int           // HTTP status; default derived from Code
	Code        int           // error_code in the JSON body
	Description string        // description in the JSON body
	RetryAfter  int           // parameters.retry_after, when > 0
	Body        string        // raw body written instead of the JSON error (may be malformed)
	Delay       time.Duration // wait before answering; ends early if the request is cancelled
}

func (f Fault) delayOnly() bool {
	return f.Status == 0 && f.Code == 0 && f.Body == "" && f.Description == "" && f.RetryAfter == 0
}

type faultRule struct {
	method string
	left   int
	f      Fault
}

// FailNext makes the next n calls to method answer with fault f. method ""
// means any method except getUpdates (so a blanket fault does not stall
// polling); fault getUpdates by naming it. Rules apply in the order they
// were registered; several rules queue up.
func (s *Server) FailNext(method string, n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultRule{method: method, left: n, f: f})
}

func (s *Server) popFaultLocked(method string) (Fault, bool) {
	for i, r := range s.faults {
		if !methodMatches(r.method, method) {
			continue
		}
		r.left--
		if r.left <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return r.f, true
	}
	return Fault{}, false
}

func defaultDescription(code, retry int) string {
	switch code {
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 409:
		return "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	case 429:
		return fmt.Sprintf("Too Many Requests: retry after %d", retry)
	case 500:
		return "Internal Server Error"
	case 502:
		return "Bad Gateway"
	}
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Error"
}

func (f Fault) reply() reply {
	code, status := f.Code, f.Status
	if code == 0 {
		code = status
	}
	if f.Body != "" {
		if status == 0 {
			status = code
		}
		if status == 0 {
			status = http.StatusOK
		}
		return reply{status: status, body: []byte(f.Body), code: code, desc: "(raw body)"}
	}
	if code == 0 {
		code = 500
	}
	if status == 0 {
		status = code
	}
	desc := f.Description
	if desc == "" {
		desc = defaultDescription(code, f.RetryAfter)
	}
	r := errReplyParams(code, desc, f.RetryAfter)
	r.status = status
	return r
}

// ---------------------------------------------------------------------------
// HTTP plumbing

// reply is what a method handler answers.
type reply struct {
	status int
	body   []byte
	code   int    // error_code when not ok (for 429 accounting and Call.Error)
	desc   string // description when not ok
}

func okReply(v any) reply {
	body, err := json.Marshal(map[string]any{"ok": true, "result": v})
	if err != nil {
		return errReply(500, "Internal Server Error: "+err.Error())
	}
	return reply{status: http.StatusOK, body: body}
}

func errReply(code int, desc string) reply { return errReplyParams(code, desc, 0) }

func errReplyParams(code int, desc string, retryAfter int) reply {
	m := map[string]any{"ok": false, "error_code": code, "description": desc}
	if retryAfter > 0 {
		m["parameters"] = map[string]any{"retry_after": retryAfter}
	}
	body, _ := json.Marshal(m)
	return reply{status: code, body: body, code: code, desc: desc}
}

func badRequest(msg string) reply { return errReply(400, "Bad Request: "+msg) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	path := r.URL.Path
	if !strings.HasPrefix(path, "/bot") {
		writeReply(w, errReply(404, "Not Found"))
		return
	}
	rest := path[len("/bot"):]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		writeReply(w, errReply(404, "Not Found"))
		return
	}
	token, method := rest[:slash], rest[slash+1:]

	call := Call{Method: method, At: start}
	call.uploads = make(map[string][]byte)
	params, raw, files, ctype, perr := parseParams(r, call.uploads)
	call.Params, call.Raw, call.Files, call.ContentType = params, raw, files, ctype

	var rep reply
	switch {
	case token != Token:
		rep = errReply(401, "Unauthorized")
	case perr != nil:
		rep = badRequest(perr.Error())
	default:
		rep = s.handle(r.Context(), &call)
	}
	if rep.status == 0 && rep.body == nil {
		// The client went away (cancelled long poll or delay): nothing
		// to write, but keep the call in the log.
		s.mu.Lock()
		s.recordLocked(call, rep)
		s.mu.Unlock()
		return
	}
	if call.Seq == 0 {
		s.mu.Lock()
		s.recordLocked(call, rep)
		s.mu.Unlock()
	}
	writeReply(w, rep)
}

// handle applies faults, then dispatches. Non-blocking handlers run under
// mu and record their call in the same critical section, so a test woken
// by WaitCall already sees the resulting message state.
func (s *Server) handle(ctx context.Context, call *Call) reply {
	s.mu.Lock()
	f, faulted := s.popFaultLocked(call.Method)
	s.mu.Unlock()
	if faulted {
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return reply{desc: "client cancelled the request"}
			case <-s.done:
				t.Stop()
				return errReply(500, "Internal Server Error: server closed")
			}
		}
		if !f.delayOnly() {
			return f.reply()
		}
	}
	if strings.EqualFold(call.Method, "getUpdates") {
		return s.getUpdates(ctx, call)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := s.dispatchLocked(call)
	s.recordLocked(*call, rep)
	call.Seq = len(s.calls)
	return rep
}

func (s *Server) recordLocked(c Call, rep reply) {
	c.Status = rep.status
	c.Error = rep.desc
	if rep.desc != "" || !strings.EqualFold(c.Method, "getUpdates") {
		c.Response = string(rep.body) // delivered updates are not kept twice: memory stays flat under load
	}
	if rep.status == http.StatusTooManyRequests || rep.code == http.StatusTooManyRequests {
		s.tooMany++
	}
	c.Seq = len(s.calls) + 1
	s.calls = append(s.calls, c)
	s.signalLocked()
}

func writeReply(w http.ResponseWriter, rep reply) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(rep.body)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// parseParams accepts the three encodings Telegram accepts (JSON,
// urlencoded, multipart) plus query-string parameters, and normalises them
// into the Params/Raw representation documented on Call. The bytes of
// small uploaded files go to uploads.
func parseParams(r *http.Request, uploads map[string][]byte) (map[string]any, map[string]string, map[string]string, string, error) {
	params := make(map[string]any)
	raw := make(map[string]string)
	var files map[string]string
	set := func(k, v string) {
		raw[k] = v
		params[k] = decodeMaybeJSON(v)
	}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			set(k, vs[0])
		}
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ctype {
	case "multipart/form-data":
		// Read parts by hand: telebot uploads readers with an empty file
		// name, which ParseMultipartForm would mistake for a plain value.
		mr, err := r.MultipartReader()
		if err != nil {
			return params, raw, files, ctype, fmt.Errorf("can't parse multipart body: %v", err)
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return params, raw, files, ctype, fmt.Errorf("can't parse multipart body: %v", err)
			}
			data, err := io.ReadAll(io.LimitReader(part, 64<<20))
			if err != nil {
				return params, raw, files, ctype, fmt.Errorf("can't read multipart body: %v", err)
			}
			name := part.FormName()
			if part.FileName() != "" || part.Header.Get("Content-Type") != "" {
				if files == nil {
					files = make(map[string]string)
				}
				files[name] = part.FileName()
				raw[name] = "attach:" + part.FileName()
				params[name] = raw[name]
				if len(data) <= maxKeptFile {
					uploads[name] = data
				}
			} else {
				set(name, string(data))
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return params, raw, files, ctype, fmt.Errorf("can't parse form body: %v", err)
		}
		for k, vs := range r.PostForm {
			if len(vs) > 0 {
				set(k, vs[0])
			}
		}
	default:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return params, raw, files, ctype, fmt.Errorf("can't read body: %v", err)
		}
		trimmed := strings.TrimSpace(string(body))
		if trimmed == "" || trimmed == "null" { // telebot sends "null" for getMe
			return params, raw, files, ctype, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(trimmed), &obj); err != nil {
			return params, raw, files, ctype, fmt.Errorf("can't parse JSON object: %v", err)
		}
		for k, v := range obj {
			if len(v) > 0 && v[0] == '"' {
				var str string
				if json.Unmarshal(v, &str) == nil {
					set(k, str)
					continue
				}
			}
			raw[k] = string(v)
			var val any
			_ = json.Unmarshal(v, &val)
			params[k] = val
		}
	}
	return params, raw, files, ctype, nil
}

// maxKeptFile bounds the uploaded files kept with their message: enough
// for a CSV report, small enough that a long sandbox session stays light.
const maxKeptFile = 1 << 20

// Changed returns a channel closed at the next observable change (a call
// recorded, a message sent, edited or deleted, an update pushed): a
// sandbox waits on it to refresh its view, then asks again.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ev
}

// decodeMaybeJSON decodes strings holding a JSON object or array (telebot
// double-encodes reply_markup & co) and leaves any other string alone.
func decodeMaybeJSON(v string) any {
	t := strings.TrimSpace(v)
	if len(t) >= 2 && (t[0] == '{' || t[0] == '[') {
		var out any
		if json.Unmarshal([]byte(t), &out) == nil {
			return out
		}
	}
	return v
}

// rawJSON returns parameter key as JSON bytes whether it was sent as a
// real JSON value or as a string holding JSON.
func rawJSON(c *Call, key string) ([]byte, bool) {
	v, ok := c.Params[key]
	if !ok {
		return nil, false
	}
	if str, isStr := v.(string); isStr {
		return []byte(str), true
	}
	b, err := json.Marshal(v)
	return b, err == nil
}
