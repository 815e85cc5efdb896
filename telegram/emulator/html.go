package emulator

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// entity is a Telegram MessageEntity (offsets in UTF-16 code units).
type entity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

func entitiesJSON(ents []entity) []any {
	if len(ents) == 0 {
		return nil
	}
	out := make([]any, len(ents))
	for i, e := range ents {
		out[i] = e
	}
	return out
}

// utf16Len counts UTF-16 code units, the unit of Telegram's length limits
// and entity offsets (an emoji outside the BMP counts 2).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// render turns text sent with parse_mode into what users see plus its
// entities. Only HTML is validated (it is what the bot uses, and where
// unescaped user input breaks messages); other modes pass through.
func render(text, mode string) (string, []entity, error) {
	if strings.EqualFold(mode, "html") {
		return parseHTML(text)
	}
	return text, nil, nil
}

// htmlTags maps the tags Telegram supports to entity types.
var htmlTags = map[string]string{
	"b": "bold", "strong": "bold",
	"i": "italic", "em": "italic",
	"u": "underline", "ins": "underline",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"a":          "text_link",
	"code":       "code",
	"pre":        "pre",
	"tg-spoiler": "spoiler", "span": "spoiler",
	"blockquote": "blockquote",
	"tg-emoji":   "custom_emoji",
}

func isTagNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// parseHTML follows Telegram's (tdlib's) HTML parser closely enough to
// reject what Telegram rejects, with the same error wording: unknown tags,
// unbalanced or crossed tags, unclosed tags, and (stricter than Telegram,
// on purpose, to catch missing escaping) any '&' that does not start
// &lt; &gt; &amp; &quot; or a numeric entity.
func parseHTML(src string) (string, []entity, error) {
	type open struct {
		name   string
		ent    entity
		merged bool // <code class="language-x"> inside <pre>: folds into the pre entity
	}
	var (
		out   strings.Builder
		u16   int
		stack []open
		ents  []entity
	)
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '&':
			r, n, err := decodeHTMLEntity(src, i)
			if err != nil {
				return "", nil, err
			}
			out.WriteRune(r)
			u16 += utf16Len(string(r))
			i += n
		case c == '<' && i+1 < len(src) && src[i+1] == '/':
			end := strings.IndexByte(src[i:], '>')
			if end < 0 {
				return "", nil, fmt.Errorf("Unclosed end tag at byte offset %d", i)
			}
			name := strings.ToLower(strings.TrimSpace(src[i+2 : i+end]))
			if len(stack) == 0 {
				return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", i)
			}
			top := stack[len(stack)-1]
			if name != top.name {
				return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top.name, name)
			}
			stack = stack[:len(stack)-1]
			if !top.merged {
				top.ent.Length = u16 - top.ent.Offset
				if top.ent.Length > 0 {
					ents = append(ents, top.ent)
				}
			}
			i += end + 1
		case c == '<':
			j := i + 1
			for j < len(src) && isTagNameChar(src[j]) {
				j++
			}
			name := strings.ToLower(src[i+1 : j])
			typ, ok := htmlTags[name]
			if !ok {
				return "", nil, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, i)
			}
			attrs, next, err := parseAttrs(src, i, j)
			if err != nil {
				return "", nil, err
			}
			o := open{name: name, ent: entity{Type: typ, Offset: u16}}
			switch name {
			case "a":
				o.ent.URL = attrs["href"]
			case "span":
				if attrs["class"] != "tg-spoiler" {
					return "", nil, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", i)
				}
			case "tg-emoji":
				if attrs["emoji-id"] == "" {
					return "", nil, fmt.Errorf("Custom emoji entity must have an \"emoji-id\" attribute at byte offset %d", i)
				}
				o.ent.CustomEmojiID = attrs["emoji-id"]
			case "blockquote":
				if _, ok := attrs["expandable"]; ok {
					o.ent.Type = "expandable_blockquote"
				}
			case "code":
				if n := len(stack); n > 0 && stack[n-1].name == "pre" && strings.HasPrefix(attrs["class"], "language-") {
					stack[n-1].ent.Language = strings.TrimPrefix(attrs["class"], "language-")
					o.merged = true
				}
			}
			stack = append(stack, o)
			i = next
		default:
			r, size := utf8.DecodeRuneInString(src[i:])
			out.WriteString(src[i : i+size])
			if r >= 0x10000 {
				u16 += 2
			} else {
				u16++
			}
			i += size
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	for k := range ents {
		if ents[k].Type == "text_link" && ents[k].URL == "" {
			ents[k].Type = "" // <a> without href is plain text in Telegram
		}
	}
	kept := ents[:0]
	for _, e := range ents {
		if e.Type != "" {
			kept = append(kept, e)
		}
	}
	sort.SliceStable(kept, func(a, b int) bool {
		if kept[a].Offset != kept[b].Offset {
			return kept[a].Offset < kept[b].Offset
		}
		return kept[a].Length > kept[b].Length
	})
	return out.String(), kept, nil
}

// parseAttrs parses attributes from src[j:] up to '>' of the tag starting
// at byte start; it returns them and the index after '>'.
func parseAttrs(src string, start, j int) (map[string]string, int, error) {
	attrs := map[string]string{}
	for {
		for j < len(src) && isSpace(src[j]) {
			j++
		}
		if j >= len(src) {
			return nil, 0, fmt.Errorf("Unclosed start tag at byte offset %d", start)
		}
		if src[j] == '>' {
			return attrs, j + 1, nil
		}
		k := j
		for k < len(src) && isTagNameChar(src[k]) {
			k++
		}
		if k == j {
			return nil, 0, fmt.Errorf("Empty attribute name in the tag at byte offset %d", start)
		}
		name := strings.ToLower(src[j:k])
		j = k
		for j < len(src) && isSpace(src[j]) {
			j++
		}
		if j >= len(src) || src[j] != '=' {
			attrs[name] = ""
			continue
		}
		j++
		for j < len(src) && isSpace(src[j]) {
			j++
		}
		if j >= len(src) {
			return nil, 0, fmt.Errorf("Unclosed start tag at byte offset %d", start)
		}
		var val string
		if q := src[j]; q == '"' || q == '\'' {
			end := strings.IndexByte(src[j+1:], q)
			if end < 0 {
				return nil, 0, fmt.Errorf("Unclosed start tag at byte offset %d", start)
			}
			val = src[j+1 : j+1+end]
			j += end + 2
		} else {
			k := j
			for k < len(src) && !isSpace(src[k]) && src[k] != '>' {
				k++
			}
			val = src[j:k]
			j = k
		}
		attrs[name] = unescapeAttr(val)
	}
}

// unescapeAttr decodes entities in attribute values leniently: a bad one
// is kept literally, which is what Telegram does inside href.
func unescapeAttr(v string) string {
	if !strings.Contains(v, "&") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		if v[i] == '&' {
			if r, n, err := decodeHTMLEntity(v, i); err == nil {
				b.WriteRune(r)
				i += n
				continue
			}
		}
		b.WriteByte(v[i])
		i++
	}
	return b.String()
}

// decodeHTMLEntity decodes the entity at src[i] ('&'), returning the rune
// and the number of bytes consumed.
func decodeHTMLEntity(src string, i int) (rune, int, error) {
	end := strings.IndexByte(src[i:min(len(src), i+12)], ';')
	if end < 0 {
		return 0, 0, fmt.Errorf("Character '&' at byte offset %d must be escaped as \"&amp;\"", i)
	}
	name := src[i+1 : i+end]
	switch name {
	case "lt":
		return '<', end + 1, nil
	case "gt":
		return '>', end + 1, nil
	case "amp":
		return '&', end + 1, nil
	case "quot":
		return '"', end + 1, nil
	}
	if strings.HasPrefix(name, "#") {
		num, base := name[1:], 10
		if strings.HasPrefix(num, "x") || strings.HasPrefix(num, "X") {
			num, base = num[1:], 16
		}
		if v, err := strconv.ParseUint(num, base, 32); err == nil && v > 0 && v <= utf8.MaxRune && !(v >= 0xD800 && v <= 0xDFFF) {
			return rune(v), end + 1, nil
		}
	}
	return 0, 0, fmt.Errorf("Unsupported HTML entity \"&%s;\" at byte offset %d", name, i)
}

// ---------------------------------------------------------------------------
// Inline keyboards

type keyboard struct {
	buttons [][]Button
	obj     any    // {"inline_keyboard": ...} echoed in results; nil when none
	key     string // canonical form for "message is not modified"
}

// buttonActions are the fields that make an inline button do something;
// a button with none of them is a "text button", which Telegram refuses.
var buttonActions = []string{
	"callback_data", "url", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game", "pay", "copy_text",
}

// parseInlineKeyboard validates reply_markup like Telegram and extracts the
// inline keyboard. Reply keyboards, force_reply and remove_keyboard are
// accepted but not attached to the message. The error is a Telegram
// description without its "Bad Request: " prefix.
func parseInlineKeyboard(raw string) (keyboard, string) {
	if strings.TrimSpace(raw) == "" {
		return keyboard{}, ""
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &top); err != nil {
		return keyboard{}, "can't parse reply keyboard markup JSON object"
	}
	ik, ok := top["inline_keyboard"]
	if !ok {
		return keyboard{}, ""
	}
	var rows [][]map[string]any
	if err := json.Unmarshal(ik, &rows); err != nil {
		return keyboard{}, "can't parse inline keyboard button: field \"inline_keyboard\" must be an Array of Arrays of InlineKeyboardButton"
	}
	var kb keyboard
	var echo [][]map[string]any
	for _, row := range rows {
		var brow []Button
		var erow []map[string]any
		for _, b := range row {
			text, _ := b["text"].(string)
			if text == "" {
				return keyboard{}, "can't parse inline keyboard button: Text must be non-empty"
			}
			action := ""
			for _, a := range buttonActions {
				if _, ok := b[a]; ok {
					action = a
					break
				}
			}
			if action == "" {
				return keyboard{}, "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
			}
			bt := Button{Text: text}
			bt.Data, _ = b["callback_data"].(string)
			bt.URL, _ = b["url"].(string)
			if _, has := b["callback_data"]; has && (bt.Data == "" || len(bt.Data) > 64) {
				return keyboard{}, "BUTTON_DATA_INVALID"
			}
			if _, has := b["url"]; has && bt.URL == "" {
				return keyboard{}, "BUTTON_URL_INVALID"
			}
			brow = append(brow, bt)
			e := map[string]any{"text": text, action: b[action]}
			erow = append(erow, e)
		}
		if len(brow) > 0 {
			kb.buttons = append(kb.buttons, brow)
			echo = append(echo, erow)
		}
	}
	if len(kb.buttons) == 0 {
		return keyboard{}, "" // an empty inline keyboard removes the keyboard
	}
	kb.obj = map[string]any{"inline_keyboard": echo}
	kb.key = buttonsKey(kb.buttons)
	return kb, ""
}

func buttonsKey(kb [][]Button) string {
	if len(kb) == 0 {
		return ""
	}
	b, _ := json.Marshal(kb)
	return string(b)
}

// markupFromButtons rebuilds a reply_markup object from Buttons, for
// messages the server has not seen itself.
func markupFromButtons(kb [][]Button) (any, string) {
	if len(kb) == 0 {
		return nil, ""
	}
	var rows [][]map[string]any
	for _, row := range kb {
		var r []map[string]any
		for _, b := range row {
			e := map[string]any{"text": b.Text}
			if b.URL != "" {
				e["url"] = b.URL
			} else {
				e["callback_data"] = b.Data
			}
			r = append(r, e)
		}
		rows = append(rows, r)
	}
	return map[string]any{"inline_keyboard": rows}, buttonsKey(kb)
}
