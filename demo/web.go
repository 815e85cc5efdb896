package demo

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

//go:embed web
var webFiles embed.FS

// Limits on what the page may send, Telegram's where it has one.
const (
	maxBody     = 16 << 10 // bytes of one JSON request
	maxText     = 4096     // UTF-16 units of a message, as in Telegram
	maxName     = 32       // characters of a person's name
	maxPeople   = 12
	toastWait   = 5 * time.Second
	eventsEvery = 80 * time.Millisecond // at most this often, one state per change
)

// Handler serves the page and its API. Requests end when ctx does (the
// live updates stream included).
func (s *Sandbox) Handler(ctx context.Context) http.Handler {
	static, _ := fs.Sub(webFiles, "web")
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/state", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.State()) })
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) { s.events(ctx, w, r) })
	mux.HandleFunc("GET /api/file", s.file)
	mux.HandleFunc("POST /api/send", s.send)
	mux.HandleFunc("POST /api/press", s.press)
	mux.HandleFunc("POST /api/join", s.join)
	mux.HandleFunc("POST /api/start", s.start)
	mux.HandleFunc("POST /api/checkin", s.checkIn)
	mux.HandleFunc("POST /api/people", s.addPersonHandler)
	return s.guard(mux)
}

// guard refuses requests from other sites: a page elsewhere could
// otherwise post to the sandbox through the visitor's browser. A request
// must name this sandbox as its host (no DNS rebinding) and, when it
// changes something, send JSON from the same origin.
func (s *Sandbox) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if s.Loopback() && host != "localhost" && net.ParseIP(host) == nil {
			writeError(w, http.StatusMisdirectedRequest, "this sandbox answers only at "+s.URL)
			return
		}
		if r.Method == http.MethodPost {
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				writeError(w, http.StatusUnsupportedMediaType, "send JSON (Content-Type: application/json)")
				return
			}
			if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
				writeError(w, http.StatusForbidden, "requests from another site are refused")
				return
			}
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

// badRequest is an error the page's user caused: its message is shown.
type badRequest struct {
	status int
	msg    string
}

func (e *badRequest) Error() string { return e.msg }

func refuse(status int, format string, args ...any) error {
	return &badRequest{status: status, msg: fmt.Sprintf(format, args...)}
}

func fail(w http.ResponseWriter, err error) {
	var br *badRequest
	if errors.As(err, &br) {
		writeError(w, br.status, br.msg)
		return
	}
	writeError(w, http.StatusInternalServerError, err.Error())
}

// decode reads one JSON object into v, refusing unknown fields and bodies
// larger than maxBody.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return refuse(http.StatusRequestEntityTooLarge, "request too large (at most %d bytes)", maxBody)
		}
		return refuse(http.StatusBadRequest, "invalid request: %v", err)
	}
	return nil
}

// person finds who acts; the page names them by id.
func (s *Sandbox) person(id int64) (*Person, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.people {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, refuse(http.StatusNotFound, "unknown person %d", id)
}

func (p *Person) user() tele.User {
	return tele.User{ID: p.ID, FirstName: p.Name, Username: strings.ToLower(asciiName(p.Name)), LanguageCode: p.Lang}
}

func asciiName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() < 5 {
		b.WriteString("_demo")
	}
	return b.String()
}

// chat finds a chat p may open, and whether p may write in it.
func (s *Sandbox) chat(p *Person, id int64) (*tele.Chat, bool, error) {
	if id == p.ID {
		return emulator.PrivateChat(p.user()), true, nil
	}
	if id == s.modChat {
		if p.Role != "moderator" {
			return nil, false, refuse(http.StatusForbidden, "%s is not in the moderators' chat", p.Name)
		}
		return emulator.Supergroup(id, "Modération"), true, nil
	}
	for _, g := range s.groups {
		if g.ID == id {
			status := s.api.MemberStatus(id, p.ID)
			return emulator.Supergroup(id, g.Title), canWrite(status), nil
		}
	}
	return nil, false, refuse(http.StatusNotFound, "unknown chat %d", id)
}

type sendRequest struct {
	Person  int64  `json:"person"`
	Chat    int64  `json:"chat"`
	Text    string `json:"text"`
	ReplyTo int    `json:"replyTo"`
}

// send posts a message as a person, a reply when ReplyTo is set.
func (s *Sandbox) send(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	if err := s.sendAs(req); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Sandbox) sendAs(req sendRequest) error {
	p, err := s.person(req.Person)
	if err != nil {
		return err
	}
	chat, writable, err := s.chat(p, req.Chat)
	if err != nil {
		return err
	}
	text := strings.TrimSpace(req.Text)
	switch {
	case !utf8.ValidString(text):
		return refuse(http.StatusBadRequest, "the text is not valid UTF-8")
	case text == "":
		return refuse(http.StatusBadRequest, "the message is empty")
	case len(utf16.Encode([]rune(text))) > maxText:
		return refuse(http.StatusRequestEntityTooLarge, "the message is too long: Telegram takes at most %d characters", maxText)
	case !writable:
		return refuse(http.StatusForbidden, "%s cannot write in this group now", p.Name)
	}
	from := p.user()
	var u tele.Update
	if req.ReplyTo != 0 {
		if u, err = s.api.UserReply(chat, &from, text, req.ReplyTo); err != nil {
			return refuse(http.StatusNotFound, "no message %d to reply to in this chat", req.ReplyTo)
		}
	} else {
		u = s.api.UserMessage(chat, &from, text)
	}
	s.api.Push(u)
	return nil
}

type pressRequest struct {
	Person  int64 `json:"person"`
	Chat    int64 `json:"chat"`
	Message int   `json:"message"`
	Row     int   `json:"row"`
	Col     int   `json:"col"`
}

// press taps the button at (Row, Col) of a bot message and returns the
// bot's answer to the tap (a toast or an alert), if it gives one in time.
func (s *Sandbox) press(w http.ResponseWriter, r *http.Request) {
	var req pressRequest
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	p, err := s.person(req.Person)
	if err != nil {
		fail(w, err)
		return
	}
	if _, _, err := s.chat(p, req.Chat); err != nil {
		fail(w, err)
		return
	}
	msg, ok := s.api.Message(req.Chat, req.Message)
	if !ok || msg.Deleted || !msg.FromBot {
		fail(w, refuse(http.StatusNotFound, "no message %d from the bot in this chat", req.Message))
		return
	}
	if req.Row < 0 || req.Row >= len(msg.Buttons) || req.Col < 0 || req.Col >= len(msg.Buttons[req.Row]) {
		fail(w, refuse(http.StatusNotFound, "this message has no such button"))
		return
	}
	b := msg.Buttons[req.Row][req.Col]
	if b.Data == "" {
		fail(w, refuse(http.StatusBadRequest, "this button is a link: open it instead"))
		return
	}
	mark := s.api.Mark()
	u := s.api.PressData(msg, b.Data, p.user())
	s.api.Push(u)
	id := u.Callback.ID
	answer, answered := s.api.AwaitCall(toastWait, "answerCallbackQuery", func(c emulator.Call) bool {
		return c.Seq > mark && c.String("callback_query_id") == id
	})
	res := map[string]any{"ok": true}
	if answered {
		res["toast"] = answer.String("text")
		res["alert"] = answer.Bool("show_alert")
	}
	writeJSON(w, http.StatusOK, res)
}

type joinRequest struct {
	Person int64 `json:"person"`
	Chat   int64 `json:"chat"`
}

// join asks to join a group with join requests, or joins a group in
// restrict mode, as the invite link does.
func (s *Sandbox) join(w http.ResponseWriter, r *http.Request) {
	var req joinRequest
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	p, err := s.person(req.Person)
	if err != nil {
		fail(w, err)
		return
	}
	var group *Group
	for i := range s.groups {
		if s.groups[i].ID == req.Chat {
			group = &s.groups[i]
		}
	}
	if group == nil {
		fail(w, refuse(http.StatusNotFound, "unknown group %d", req.Chat))
		return
	}
	switch status := s.api.MemberStatus(group.ID, p.ID); status {
	case "left", "":
	case "kicked":
		fail(w, refuse(http.StatusForbidden, "%s is banned from this group", p.Name))
		return
	default:
		fail(w, refuse(http.StatusConflict, "%s is already in this group", p.Name))
		return
	}
	chat := emulator.Supergroup(group.ID, group.Title)
	user := p.user()
	if group.Join == "request" {
		s.mu.Lock()
		s.asked[askKey{group.ID, p.ID}] = time.Now()
		s.mu.Unlock()
		s.api.Push(s.api.JoinRequest(chat, user))
	} else {
		s.api.SetMember(group.ID, p.ID, "member")
		s.api.Push(tele.Update{ChatMember: &tele.ChatMemberUpdate{
			Chat: chat, Sender: &user, Unixtime: time.Now().Unix(),
			OldChatMember: &tele.ChatMember{User: &user, Role: tele.Left},
			NewChatMember: &tele.ChatMember{User: &user, Role: tele.Member},
		}})
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

type startRequest struct {
	Person  int64  `json:"person"`
	Payload string `json:"payload"`
}

// start follows a deep link: the person's private chat with the bot
// receives /start and the link's payload.
func (s *Sandbox) start(w http.ResponseWriter, r *http.Request) {
	var req startRequest
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	if req.Payload != "" && !payloadRE.MatchString(req.Payload) {
		fail(w, refuse(http.StatusBadRequest, "invalid link: Telegram accepts 1 to 64 letters, digits, _ and - after ?start="))
		return
	}
	text := strings.TrimSpace("/start " + req.Payload)
	if err := s.sendAs(sendRequest{Person: req.Person, Chat: req.Person, Text: text}); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// checkIn posts the next check-in now.
func (s *Sandbox) checkIn(w http.ResponseWriter, r *http.Request) {
	var req struct{}
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	name, err := s.PostNextCheckIn()
	if err != nil {
		fail(w, refuse(http.StatusConflict, "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "checkin": name})
}

type personRequest struct {
	Name string `json:"name"`
	Lang string `json:"lang"`
	Role string `json:"role"`
}

// addPersonHandler adds someone to the page: a newcomer or a member.
func (s *Sandbox) addPersonHandler(w http.ResponseWriter, r *http.Request) {
	var req personRequest
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	name := strings.TrimSpace(req.Name)
	switch {
	case name == "" || utf8.RuneCountInString(name) > maxName || !utf8.ValidString(name):
		fail(w, refuse(http.StatusBadRequest, "a name takes 1 to %d characters", maxName))
		return
	case req.Lang != "fr" && req.Lang != "en":
		fail(w, refuse(http.StatusBadRequest, "language: fr or en"))
		return
	case req.Role != "newcomer" && req.Role != "member":
		fail(w, refuse(http.StatusBadRequest, "role: newcomer or member (the moderators are set by the configuration)"))
		return
	}
	s.mu.Lock()
	n := len(s.people)
	s.mu.Unlock()
	if n >= maxPeople {
		fail(w, refuse(http.StatusConflict, "at most %d people", maxPeople))
		return
	}
	p := s.addPerson(name, req.Lang, req.Role)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "id": p.ID})
}

// file serves a document the bot sent, to the page's download link.
func (s *Sandbox) file(w http.ResponseWriter, r *http.Request) {
	chat, err1 := strconv.ParseInt(r.URL.Query().Get("chat"), 10, 64)
	id, err2 := strconv.Atoi(r.URL.Query().Get("message"))
	if err1 != nil || err2 != nil {
		writeError(w, http.StatusBadRequest, "chat and message are numbers")
		return
	}
	msg, ok := s.api.Message(chat, id)
	if !ok || msg.Deleted || msg.FileData == nil {
		writeError(w, http.StatusNotFound, "no such file")
		return
	}
	ctype := "application/octet-stream"
	if strings.HasSuffix(msg.FileName, ".csv") {
		ctype = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", msg.FileName))
	_, _ = w.Write(msg.FileData)
}

// events streams the state to the page at each change (server-sent
// events), at most every eventsEvery.
func (s *Sandbox) events(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	var last []byte
	for {
		changed := s.api.Changed()
		data, err := json.Marshal(s.State())
		if err != nil {
			return
		}
		if string(data) != string(last) {
			if _, err := fmt.Fprintf(w, "event: state\ndata: %s\n\n", data); err != nil {
				return
			}
			flusher.Flush()
			last = data
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		case <-r.Context().Done():
			return
		}
		select {
		case <-time.After(eventsEvery):
		case <-ctx.Done():
			return
		case <-r.Context().Done():
			return
		}
	}
}
