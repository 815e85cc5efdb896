package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"
)

// Button is one inline keyboard button of a message.
type Button struct {
	Text string // label shown to the user
	Data string // callback_data (telebot format: "\f<unique>|<data>"); "" for URL buttons
	URL  string // url of a URL button
}

// Message is the server's current view of one message of a chat: what a
// user scrolling the chat would see, plus bookkeeping useful in asserts.
// It is a snapshot: later edits do not change a Message already returned.
type Message struct {
	ID        int
	ChatID    int64
	Text      string // text (or caption) exactly as the bot sent it, markup included ("<b>Hi</b>")
	Plain     string // what users see: Text with HTML tags stripped and entities decoded ("Hi")
	ParseMode string // parse_mode sent with the text ("" / "HTML" / "MarkdownV2"...)
	Kind      string // "text", "photo" or "document"
	Buttons   [][]Button
	Protected bool // sent with protect_content
	Deleted   bool
	Edits     int   // successful edits of text, caption or markup
	FromBot   bool  // sent by the bot (vs a user message built by UserMessage or pushed)
	SenderID  int64 // user id of the sender (BotID for bot messages)
	ReplyTo   int   // id of the message replied to, 0 if none
	Date      time.Time
	ThreadID  int // message_thread_id (forum topic), 0 if none
	// Entities are the formatting of Plain (bold, links...), as Telegram
	// clients receive it; a sandbox renders Plain with them.
	Entities []Entity
	// FileName and FileData describe a document the bot uploaded (data
	// kept up to 1 MiB, nil beyond or for a file sent by id or URL).
	FileName string
	FileData []byte
}

// Entity is one formatting span of a message's Plain text, offsets and
// lengths in UTF-16 code units as in Telegram's MessageEntity.
type Entity struct {
	Type   string // bold, italic, underline, strikethrough, spoiler, code, pre, text_link, blockquote...
	Offset int
	Length int
	URL    string // text_link only
}

// Button returns the button Press would pick for text: the one whose label
// equals text (case-insensitive), else the only one containing it; false if
// there is none or the choice is ambiguous.
func (m Message) Button(text string) (Button, bool) {
	b, err := findButton(m, text)
	return b, err == nil
}

type chatState struct {
	info      tele.Chat
	nextMsgID int
	msgs      []*msgState
	byID      map[int]*msgState

	// flood control state (see limits.go)
	window   []time.Time
	tokens   float64
	tokensAt time.Time
}

type msgState struct {
	Message
	entities  []entity
	markup    any    // inline keyboard object echoed in results, nil if none
	markupKey string // canonical form of Buttons for "not modified" checks
	editDate  int64
	sender    *tele.User     // user messages
	media     map[string]any // "photo"/"document" objects for media messages
	origin    map[string]any // forward_origin for forwarded messages
}

func (ms *msgState) snapshot() Message {
	m := ms.Message
	m.Buttons = cloneButtons(ms.Buttons)
	if len(ms.entities) > 0 {
		m.Entities = make([]Entity, len(ms.entities))
		for i, e := range ms.entities {
			m.Entities[i] = Entity{Type: e.Type, Offset: e.Offset, Length: e.Length, URL: e.URL}
		}
	}
	return m
}

func cloneButtons(kb [][]Button) [][]Button {
	if kb == nil {
		return nil
	}
	out := make([][]Button, len(kb))
	for i, row := range kb {
		out[i] = append([]Button(nil), row...)
	}
	return out
}

func (s *Server) chatLocked(id int64) *chatState {
	c := s.chats[id]
	if c == nil {
		typ := tele.ChatPrivate
		if id < 0 {
			typ = tele.ChatSuperGroup
		}
		c = &chatState{info: tele.Chat{ID: id, Type: typ}, nextMsgID: 1, byID: make(map[int]*msgState)}
		s.chats[id] = c
	}
	return c
}

// noteChatLocked remembers what we learn about a chat so that results
// carry realistic chat objects (title, names).
func (s *Server) noteChatLocked(ch *tele.Chat) {
	if ch == nil || ch.ID == 0 {
		return
	}
	c := s.chatLocked(ch.ID)
	if ch.Type != "" {
		c.info.Type = ch.Type
	}
	if ch.Title != "" {
		c.info.Title = ch.Title
	}
	if ch.FirstName != "" {
		c.info.FirstName = ch.FirstName
	}
	if ch.LastName != "" {
		c.info.LastName = ch.LastName
	}
	if ch.Username != "" {
		c.info.Username = ch.Username
	}
}

func (s *Server) noteUserLocked(u *tele.User) {
	if u == nil || u.ID == 0 || u.ID == BotID {
		return
	}
	s.users[u.ID] = *u
	c := s.chatLocked(u.ID) // the private chat with a user has the user's id
	if c.info.FirstName == "" {
		c.info.FirstName = u.FirstName
		c.info.LastName = u.LastName
		c.info.Username = u.Username
	}
}

func (s *Server) addMessageLocked(c *chatState, ms *msgState) {
	c.msgs = append(c.msgs, ms)
	c.byID[ms.ID] = ms
	if ms.ID >= c.nextMsgID {
		c.nextMsgID = ms.ID + 1
	}
	s.signalLocked()
}

func (s *Server) lookupLocked(chatID int64, id int) *msgState {
	if c := s.chats[chatID]; c != nil {
		return c.byID[id]
	}
	return nil
}

// NextMessageID allocates the next message id of a chat. Ids are per chat
// and shared with the ids the server gives to bot messages, as in Telegram,
// so user and bot messages interleave consistently.
func (s *Server) NextMessageID(chatID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	id := c.nextMsgID
	c.nextMsgID++
	return id
}

// Messages returns every known message of the chat (bot messages and user
// messages built by UserMessage or pushed), in the order they appeared,
// including deleted ones (flagged Deleted).
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID, false)
}

// BotMessages returns the messages the bot sent to the chat and has not
// deleted, oldest first.
func (s *Server) BotMessages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID, true)
}

func (s *Server) messagesLocked(chatID int64, botOnly bool) []Message {
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	out := make([]Message, 0, len(c.msgs))
	for _, ms := range c.msgs {
		if botOnly && (!ms.FromBot || ms.Deleted) {
			continue
		}
		out = append(out, ms.snapshot())
	}
	return out
}

// LastBotMessage returns the newest message the bot sent to the chat that
// is not deleted.
func (s *Server) LastBotMessage(chatID int64) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		for i := len(c.msgs) - 1; i >= 0; i-- {
			if ms := c.msgs[i]; ms.FromBot && !ms.Deleted {
				return ms.snapshot(), true
			}
		}
	}
	return Message{}, false
}

// Message returns the current state of one message.
func (s *Server) Message(chatID int64, id int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ms := s.lookupLocked(chatID, id); ms != nil {
		return ms.snapshot(), true
	}
	return Message{}, false
}

// AwaitBotMessage waits up to timeout until one of the chat's current bot
// messages (see BotMessages) satisfies match (nil: any), and returns the
// oldest such message. Edits wake it too, so it can wait for a message to
// reach some state. To wait for a new message only, match on ID greater
// than a previously seen one. match runs without the server lock.
func (s *Server) AwaitBotMessage(timeout time.Duration, chatID int64, match func(Message) bool) (Message, bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		msgs := s.messagesLocked(chatID, true)
		ch := s.ev
		s.mu.Unlock()
		for _, m := range msgs {
			if match == nil || match(m) {
				return m, true
			}
		}
		select {
		case <-ch:
		case <-timer.C:
			return Message{}, false
		case <-s.done:
			return Message{}, false
		}
	}
}

// WaitBotMessage is AwaitBotMessage that fails the test (t.Fatalf, so call
// it from the test goroutine) with a dump of the chat and of the recent
// calls when nothing matched.
func (s *Server) WaitBotMessage(t TB, timeout time.Duration, chatID int64, match func(Message) bool) Message {
	t.Helper()
	m, ok := s.AwaitBotMessage(timeout, chatID, match)
	if !ok {
		t.Fatalf("emulator: no matching bot message in chat %d within %v\n%s%s", chatID, timeout, s.DumpChat(chatID), s.DumpCalls(20))
	}
	return m
}

// DumpChat renders the chat's messages one per line, for failure messages.
func (s *Server) DumpChat(chatID int64) string {
	msgs := s.Messages(chatID)
	var b strings.Builder
	fmt.Fprintf(&b, "chat %d (%d messages):\n", chatID, len(msgs))
	for _, m := range msgs {
		who := fmt.Sprintf("user %d", m.SenderID)
		if m.FromBot {
			who = "bot"
		}
		fmt.Fprintf(&b, "  #%d %s", m.ID, who)
		if m.Deleted {
			b.WriteString(" [deleted]")
		}
		if m.Edits > 0 {
			fmt.Fprintf(&b, " [edits=%d]", m.Edits)
		}
		if m.ReplyTo != 0 {
			fmt.Fprintf(&b, " [reply to #%d]", m.ReplyTo)
		}
		if m.Kind != "text" {
			fmt.Fprintf(&b, " [%s]", m.Kind)
		}
		fmt.Fprintf(&b, " %s", shorten(m.Text, 200))
		if len(m.Buttons) > 0 {
			b.WriteString(" buttons: ")
			b.WriteString(describeButtons(m.Buttons))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func describeButtons(kb [][]Button) string {
	var rows []string
	for _, row := range kb {
		var cells []string
		for _, bt := range row {
			if bt.URL != "" {
				cells = append(cells, fmt.Sprintf("%q->%s", bt.Text, bt.URL))
			} else {
				cells = append(cells, fmt.Sprintf("%q(%q)", bt.Text, bt.Data))
			}
		}
		rows = append(rows, "["+strings.Join(cells, " ")+"]")
	}
	return strings.Join(rows, " ")
}

// ---------------------------------------------------------------------------
// JSON views, shaped like Telegram's objects.

func userJSON(u tele.User) map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": u.IsBot, "first_name": u.FirstName}
	if u.LastName != "" {
		m["last_name"] = u.LastName
	}
	if u.Username != "" {
		m["username"] = u.Username
	}
	if u.LanguageCode != "" {
		m["language_code"] = u.LanguageCode
	}
	return m
}

func (s *Server) meJSON() map[string]any {
	m := userJSON(s.me)
	m["can_join_groups"] = true
	m["can_read_all_group_messages"] = false
	m["supports_inline_queries"] = false
	return m
}

func (s *Server) chatJSONLocked(id int64) map[string]any {
	info := s.chatLocked(id).info
	m := map[string]any{"id": id, "type": string(info.Type)}
	if info.Title != "" {
		m["title"] = info.Title
	}
	if info.FirstName != "" {
		m["first_name"] = info.FirstName
	}
	if info.LastName != "" {
		m["last_name"] = info.LastName
	}
	if info.Username != "" {
		m["username"] = info.Username
	}
	return m
}

func (s *Server) messageJSONLocked(ms *msgState, withReply bool) map[string]any {
	m := map[string]any{
		"message_id": ms.ID,
		"date":       ms.Date.Unix(),
		"chat":       s.chatJSONLocked(ms.ChatID),
	}
	switch {
	case ms.FromBot:
		m["from"] = s.meJSON()
	case ms.sender != nil:
		m["from"] = userJSON(*ms.sender)
	case ms.SenderID != 0:
		if u, ok := s.users[ms.SenderID]; ok {
			m["from"] = userJSON(u)
		}
	}
	ents := entitiesJSON(ms.entities)
	switch ms.Kind {
	case "text":
		m["text"] = ms.Plain
		if ents != nil {
			m["entities"] = ents
		}
	default:
		for k, v := range ms.media {
			m[k] = v
		}
		if ms.Plain != "" {
			m["caption"] = ms.Plain
			if ents != nil {
				m["caption_entities"] = ents
			}
		}
	}
	if ms.markup != nil {
		m["reply_markup"] = ms.markup
	}
	if ms.Protected {
		m["has_protected_content"] = true
	}
	if ms.ThreadID != 0 {
		m["message_thread_id"] = ms.ThreadID
		m["is_topic_message"] = true
	}
	if ms.editDate != 0 {
		m["edit_date"] = ms.editDate
	}
	for k, v := range ms.origin {
		m[k] = v
	}
	if withReply && ms.ReplyTo != 0 {
		if target := s.lookupLocked(ms.ChatID, ms.ReplyTo); target != nil {
			m["reply_to_message"] = s.messageJSONLocked(target, false)
		}
	}
	return m
}

// teleMessageLocked converts our JSON view into a telebot Message (used to
// build callback updates), so what the bot receives matches what Telegram
// would embed.
func (s *Server) teleMessageLocked(ms *msgState) *tele.Message {
	b, _ := json.Marshal(s.messageJSONLocked(ms, true))
	var m tele.Message
	_ = json.Unmarshal(b, &m)
	return &m
}
