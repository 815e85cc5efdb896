package charter

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// telegramText checks a part the way Telegram's HTML parser would judge it,
// independently of the renderer's own bookkeeping: only the allowed tags,
// each closed in order, nesting Telegram accepts, no empty element, only the
// entities Telegram knows, no raw "<" or ">". It returns the visible text.
func telegramText(part string) (string, error) {
	var text strings.Builder
	type open struct {
		name  string
		start int // text length when opened, to catch empty elements
	}
	var stack []open
	has := func(names ...string) bool {
		return slices.ContainsFunc(stack, func(o open) bool { return slices.Contains(names, o.name) })
	}
	for i := 0; i < len(part); {
		switch c := part[i]; c {
		case '<':
			j := strings.IndexByte(part[i:], '>')
			if j < 0 {
				return "", fmt.Errorf("unterminated tag at byte %d", i)
			}
			raw := part[i+1 : i+j]
			i += j + 1
			if name, ok := strings.CutPrefix(raw, "/"); ok {
				if len(stack) == 0 || stack[len(stack)-1].name != name {
					return "", fmt.Errorf("closing </%s> does not match %v", name, stack)
				}
				if stack[len(stack)-1].start == text.Len() {
					return "", fmt.Errorf("empty <%s> element", name)
				}
				stack = stack[:len(stack)-1]
				continue
			}
			name, attrs, _ := strings.Cut(raw, " ")
			switch name {
			case "b", "i", "u", "s", "code", "pre", "blockquote":
				if attrs != "" {
					return "", fmt.Errorf("unexpected attributes in <%s>", raw)
				}
			case "a":
				href, ok := strings.CutPrefix(attrs, `href="`)
				if !ok || !strings.HasSuffix(href, `"`) {
					return "", fmt.Errorf("bad link tag <%s>", raw)
				}
				href = strings.TrimSuffix(href, `"`)
				if strings.ContainsAny(href, `"<>`) {
					return "", fmt.Errorf("unescaped href in <%s>", raw)
				}
				if !allowedURL(strings.NewReplacer("&amp;", "&", "&quot;", `"`, "&lt;", "<", "&gt;", ">").Replace(href)) {
					return "", fmt.Errorf("link with a forbidden scheme <%s>", raw)
				}
			default:
				return "", fmt.Errorf("tag <%s> is not allowed", raw)
			}
			switch {
			case has("code", "pre"):
				return "", fmt.Errorf("<%s> inside code", name)
			case (name == "code" || name == "pre") && has("b", "i", "u", "s", "a"):
				return "", fmt.Errorf("<%s> inside formatting %v", name, stack)
			case name == "a" && has("a"), name == "blockquote" && has("blockquote"):
				return "", fmt.Errorf("nested <%s>", name)
			}
			stack = append(stack, open{name, text.Len()})
		case '&':
			j := strings.IndexByte(part[i:], ';')
			if j < 0 {
				return "", fmt.Errorf("bare & at byte %d", i)
			}
			switch part[i : i+j+1] {
			case "&amp;":
				text.WriteByte('&')
			case "&lt;":
				text.WriteByte('<')
			case "&gt;":
				text.WriteByte('>')
			case "&quot;":
				text.WriteByte('"')
			default:
				return "", fmt.Errorf("unknown entity %q", part[i:i+j+1])
			}
			i += j + 1
		case '>':
			return "", fmt.Errorf("raw > at byte %d", i)
		default:
			r, size := utf8.DecodeRuneInString(part[i:])
			if r == utf8.RuneError && size <= 1 {
				return "", fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
			text.WriteRune(r)
			i += size
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("unclosed %v", stack)
	}
	return text.String(), nil
}

// telegramLen counts characters as Telegram does, in UTF-16 code units.
func telegramLen(s string) int { return len(utf16.Encode([]rune(s))) }
