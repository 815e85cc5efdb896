package demo

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// maxShown bounds the messages of one chat the page receives: the latest
// ones, as a phone shows the end of a conversation.
const maxShown = 150

// State is everything the page shows, as JSON.
type State struct {
	People      []PersonView         `json:"people"`
	Chats       map[string]*ChatView `json:"chats"`
	NextCheckIn string               `json:"nextCheckIn"` // "vendredi 18:00", "" when none
	Bot         string               `json:"bot"`         // the bot's @username
}

// PersonView is one person and the chats they can open.
type PersonView struct {
	ID    int64        `json:"id"`
	Name  string       `json:"name"`
	Lang  string       `json:"lang"`
	Role  string       `json:"role"`
	Chats []AccessView `json:"chats"`
}

// AccessView is a chat as one person sees it from outside: whether they
// are in it and may write.
type AccessView struct {
	Chat string `json:"chat"` // key in State.Chats
	// Status: member, administrator, restricted, left, kicked, or asked
	// (a join request waits).
	Status   string `json:"status"`
	CanWrite bool   `json:"canWrite"`
}

// ChatView is one chat and its latest messages.
type ChatView struct {
	ID       string        `json:"id"`
	Kind     string        `json:"kind"` // private, group, moderators
	Title    string        `json:"title"`
	Join     string        `json:"join,omitempty"`
	Messages []MessageView `json:"messages"`
}

// MessageView is one message as a Telegram client draws it.
type MessageView struct {
	ID        int            `json:"id"`
	From      string         `json:"from"`
	FromBot   bool           `json:"fromBot"`
	SenderID  int64          `json:"senderId"`
	HTML      string         `json:"html"` // safe HTML, built here from the text and its entities
	Buttons   [][]ButtonView `json:"buttons,omitempty"`
	Protected bool           `json:"protected,omitempty"`
	Edited    bool           `json:"edited,omitempty"`
	Time      string         `json:"time"`
	ReplyTo   *QuoteView     `json:"replyTo,omitempty"`
	File      *FileView      `json:"file,omitempty"`
}

// ButtonView is an inline button: a callback (pressed through the
// sandbox), a deep link into the bot's private chat, or a web link.
type ButtonView struct {
	Text  string `json:"text"`
	Kind  string `json:"kind"` // callback, start, url
	Start string `json:"start,omitempty"`
	URL   string `json:"url,omitempty"`
}

// QuoteView is the message a reply answers.
type QuoteView struct {
	ID   int    `json:"id"`
	From string `json:"from"`
	Text string `json:"text"`
}

// FileView is a document the bot sent.
type FileView struct {
	Name    string `json:"name"`
	URL     string `json:"url,omitempty"`
	Preview string `json:"preview,omitempty"`
}

func chatKey(id int64) string { return fmt.Sprint(id) }

// State builds the page's view of the sandbox now.
func (s *Sandbox) State() State {
	s.mu.Lock()
	people := append([]*Person(nil), s.people...)
	asked := make(map[askKey]bool, len(s.asked))
	for k := range s.asked {
		asked[k] = true
	}
	s.mu.Unlock()

	names := map[int64]string{emulator.BotID: emulator.BotFirstName}
	for _, p := range people {
		names[p.ID] = p.Name
	}
	st := State{Chats: map[string]*ChatView{}, Bot: emulator.BotUsername}
	if o, ok := s.nextCheckIn(); ok {
		loc := s.main.Config.Location
		st.NextCheckIn = o.CheckIn + " " + o.At.In(loc).Format("02/01 15:04")
	}
	addChat := func(id int64, kind, title, join string) {
		st.Chats[chatKey(id)] = &ChatView{ID: chatKey(id), Kind: kind, Title: title, Join: join, Messages: s.messages(id, names)}
	}
	addChat(s.modChat, "moderators", "Modération", "")
	for _, g := range s.groups {
		addChat(g.ID, "group", g.Title, g.Join)
	}
	for _, p := range people {
		addChat(p.ID, "private", emulator.BotFirstName, "")
		pv := PersonView{ID: p.ID, Name: p.Name, Lang: p.Lang, Role: p.Role}
		pv.Chats = append(pv.Chats, AccessView{Chat: chatKey(p.ID), Status: "member", CanWrite: true})
		for _, g := range s.groups {
			status := s.api.MemberStatus(g.ID, p.ID)
			if asked[askKey{g.ID, p.ID}] && (status == "left" || status == "") {
				status = "asked"
			}
			pv.Chats = append(pv.Chats, AccessView{Chat: chatKey(g.ID), Status: status, CanWrite: canWrite(status)})
		}
		if p.Role == "moderator" {
			pv.Chats = append(pv.Chats, AccessView{Chat: chatKey(s.modChat), Status: "member", CanWrite: true})
		}
		if p.Role == "newcomer" {
			for _, a := range pv.Chats[1:] {
				if a.CanWrite {
					pv.Role = "member" // approved: a member now
				}
			}
		}
		st.People = append(st.People, pv)
	}
	return st
}

func canWrite(status string) bool {
	return status == "member" || status == "administrator" || status == "creator"
}

// messages renders the latest messages of a chat that are still there.
func (s *Sandbox) messages(chatID int64, names map[int64]string) []MessageView {
	all := s.api.Messages(chatID)
	byID := make(map[int]emulator.Message, len(all))
	var shown []emulator.Message
	for _, m := range all {
		byID[m.ID] = m
		if m.Deleted || (!m.FromBot && strings.TrimSpace(m.Plain) == "") {
			continue // deleted, or a service message without text
		}
		shown = append(shown, m)
	}
	if len(shown) > maxShown {
		shown = shown[len(shown)-maxShown:]
	}
	sort.SliceStable(shown, func(i, j int) bool { return shown[i].ID < shown[j].ID })
	out := make([]MessageView, 0, len(shown))
	for _, m := range shown {
		v := MessageView{
			ID: m.ID, FromBot: m.FromBot, SenderID: m.SenderID, From: names[m.SenderID],
			Protected: m.Protected, Edited: m.Edits > 0, Time: m.Date.Local().Format("15:04"),
		}
		if v.From == "" {
			v.From = fmt.Sprint(m.SenderID)
		}
		v.HTML = renderHTML(m.Plain, m.Entities)
		if !m.FromBot && chatID > 0 && strings.HasPrefix(m.Plain, "/start ") {
			// A followed deep link: Telegram's clients show /start, not the
			// link's payload.
			v.HTML = renderHTML("/start", nil)
		}
		v.Buttons = buttonViews(m.Buttons)
		if m.ReplyTo != 0 {
			q := QuoteView{ID: m.ReplyTo}
			if t, ok := byID[m.ReplyTo]; ok && !t.Deleted {
				q.From, q.Text = names[t.SenderID], excerpt(t.Plain, 80)
			}
			v.ReplyTo = &q
		}
		if m.Kind == "document" {
			f := &FileView{Name: m.FileName}
			if m.FileData != nil {
				f.URL = fmt.Sprintf("/api/file?chat=%d&message=%d", chatID, m.ID)
				f.Preview = excerpt(string(m.FileData), 1200)
			}
			v.File = f
		}
		out = append(out, v)
	}
	return out
}

func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func buttonViews(kb [][]emulator.Button) [][]ButtonView {
	var out [][]ButtonView
	for _, row := range kb {
		var r []ButtonView
		for _, b := range row {
			v := ButtonView{Text: b.Text, Kind: "callback"}
			if b.URL != "" {
				v.Kind, v.URL = "url", safeURL(b.URL)
				if p, ok := startPayload(b.URL); ok {
					v.Kind, v.Start, v.URL = "start", p, ""
				}
			}
			r = append(r, v)
		}
		out = append(out, r)
	}
	return out
}

// payloadRE is what Telegram accepts after ?start=.
var payloadRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// startPayload reads a deep link into the bot's private chat
// (https://t.me/<bot>?start=<payload>).
func startPayload(link string) (string, bool) {
	u, err := url.Parse(link)
	if err != nil || (u.Host != "t.me" && u.Host != "telegram.me") || !strings.EqualFold(strings.Trim(u.Path, "/"), emulator.BotUsername) {
		return "", false
	}
	p := u.Query().Get("start")
	if p == "" {
		return "", true // opens the private chat: /start with no payload
	}
	return p, payloadRE.MatchString(p)
}

// messageLinkRE is a link to a message of a supergroup, as the cards'
// "see the message" links are: https://t.me/c/<id without -100>/<message>.
var messageLinkRE = regexp.MustCompile(`^https://t\.me/c/([0-9]{1,15})/([0-9]{1,9})$`)

// messageLink reads such a link: the page opens the message in the
// sandbox's own chat rather than in Telegram.
func messageLink(link string) (chat int64, msg int, ok bool) {
	m := messageLinkRE.FindStringSubmatch(link)
	if m == nil {
		return 0, 0, false
	}
	if _, err := fmt.Sscan("-100"+m[1], &chat); err != nil {
		return 0, 0, false
	}
	if _, err := fmt.Sscan(m[2], &msg); err != nil {
		return 0, 0, false
	}
	return chat, msg, true
}

// safeURL keeps links the page may open: web, phone and mail links.
func safeURL(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "tel", "mailto":
		return u.String()
	}
	return ""
}

var entityTags = map[string][2]string{
	"bold":                  {"<b>", "</b>"},
	"italic":                {"<i>", "</i>"},
	"underline":             {"<u>", "</u>"},
	"strikethrough":         {"<s>", "</s>"},
	"spoiler":               {`<span class="spoiler">`, "</span>"},
	"code":                  {"<code>", "</code>"},
	"pre":                   {"<pre>", "</pre>"},
	"blockquote":            {"<blockquote>", "</blockquote>"},
	"expandable_blockquote": {"<blockquote>", "</blockquote>"},
}

// renderHTML draws text with its entities as HTML the page can insert:
// every character escaped, only known formatting kept, links limited to
// web, phone and mail addresses, deep links into the bot marked for the
// page. Commands and web addresses in plain text become links, as in
// Telegram's clients.
func renderHTML(text string, ents []emulator.Entity) string {
	units := utf16.Encode([]rune(text))
	type event struct {
		at    int
		open  bool
		order int
		tag   string
	}
	var events []event
	for i, e := range ents {
		if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > len(units) {
			continue
		}
		open, closing := "", ""
		if e.Type == "text_link" {
			open, closing = linkTag(e.URL), "</a>"
		} else if t, ok := entityTags[e.Type]; ok {
			open, closing = t[0], t[1]
		} else {
			continue
		}
		events = append(events, event{e.Offset, true, i, open}, event{e.Offset + e.Length, false, i, closing})
	}
	// Closings before openings at the same place; outer entities (earlier,
	// longer) open first and close last.
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i], events[j]
		if a.at != b.at {
			return a.at < b.at
		}
		if a.open != b.open {
			return !a.open
		}
		if a.open {
			return a.order < b.order
		}
		return a.order > b.order
	})
	var b strings.Builder
	pos := 0
	inLink := 0
	for _, ev := range events {
		if ev.at > pos {
			writeText(&b, string(utf16.Decode(units[pos:ev.at])), inLink > 0)
			pos = ev.at
		}
		b.WriteString(ev.tag)
		if strings.HasPrefix(ev.tag, "<a ") {
			inLink++
		} else if ev.tag == "</a>" {
			inLink--
		}
	}
	writeText(&b, string(utf16.Decode(units[pos:])), inLink > 0)
	return b.String()
}

func linkTag(link string) string {
	if p, ok := startPayload(link); ok {
		return `<a href="#" data-start="` + html.EscapeString(p) + `">`
	}
	if chat, msg, ok := messageLink(link); ok {
		return fmt.Sprintf(`<a href="#" data-goto-chat="%d" data-goto-message="%d">`, chat, msg)
	}
	if u := safeURL(link); u != "" {
		return `<a href="` + html.EscapeString(u) + `" target="_blank" rel="noopener noreferrer">`
	}
	return `<a>`
}

// autoLinkRE finds what Telegram's clients make clickable in plain text:
// bot commands and web addresses.
var autoLinkRE = regexp.MustCompile(`(^|[\s(])(/[a-zA-Z][a-zA-Z0-9_]{0,31})\b|https?://[^\s<>"]+[^\s<>".,;:!?)]`)

func writeText(b *strings.Builder, s string, inLink bool) {
	if inLink {
		b.WriteString(html.EscapeString(s))
		return
	}
	last := 0
	for _, m := range autoLinkRE.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		if m[4] >= 0 { // a command, after its leading space
			b.WriteString(html.EscapeString(s[last:m[4]]))
			cmd := s[m[4]:m[5]]
			b.WriteString(`<a href="#" class="cmd" data-cmd="` + html.EscapeString(cmd) + `">` + html.EscapeString(cmd) + `</a>`)
			last = m[5]
			continue
		}
		b.WriteString(html.EscapeString(s[last:start]))
		b.WriteString(linkTag(s[start:end]) + html.EscapeString(s[start:end]) + "</a>")
		last = end
	}
	b.WriteString(html.EscapeString(s[last:]))
}
