package charter

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// goldmark parses the Markdown (see markdown for what a charter leaves out of
// CommonMark); its tree is walked into runs of raw text tagged with the
// Telegram entities they sit in, which only turn into HTML at the very end.
// Escaping therefore happens in exactly one place (toHTML), no source
// character can ever become markup, and a message can be cut anywhere in its
// text with every part reopening the tags it needs.

// style is the set of Telegram entities a run of text sits in.
type style struct {
	quote, pre, code                bool
	bold, italic, underline, strike bool
	href                            string
}

// clean enforces Telegram's nesting rules, which reject the whole message when
// broken: pre and code may neither contain nor sit inside bold, italic,
// underline or strikethrough, and a link may not contain code.
func (s style) clean() style {
	if s.href != "" {
		s.code = false
	}
	if s.code || s.pre {
		s.bold, s.italic, s.underline, s.strike = false, false, false, false
	}
	return s
}

// tag is one HTML element as opened in a part.
type tag struct{ name, href string }

// tags lists the elements of s outermost first, always in the same order, so
// that two runs sharing entities share a prefix of tags and stay inside them.
// Block-wide styles (quote, heading bold and underline) come before the
// inline italic so that a heading with one italic word keeps one <u>.
func (s style) tags() []tag {
	var t []tag
	if s.quote {
		t = append(t, tag{name: "blockquote"})
	}
	if s.href != "" {
		t = append(t, tag{name: "a", href: s.href})
	}
	if s.bold {
		t = append(t, tag{name: "b"})
	}
	if s.underline {
		t = append(t, tag{name: "u"})
	}
	if s.strike {
		t = append(t, tag{name: "s"})
	}
	if s.italic {
		t = append(t, tag{name: "i"})
	}
	if s.code {
		t = append(t, tag{name: "code"})
	}
	if s.pre {
		t = append(t, tag{name: "pre"})
	}
	return t
}

// run is raw (unescaped) text with its entities.
type run struct {
	text string
	st   style
}

// Render turns charter Markdown into Telegram HTML messages, each with at
// most limit characters of visible text as Telegram counts them (UTF-16 code
// units, tags removed, entities as one character). A limit of zero or less
// means MaxMessageLen; a limit below 2 is raised to 2 so that any single
// character, emoji included, fits in a part. Blocks are packed greedily and a
// block too long for one message is cut at line breaks, then spaces, then
// anywhere, with each part valid HTML on its own. Markdown that renders to
// nothing gives no parts.
func Render(md string, limit int) []string {
	parts, _ := render(normalise(md), limit)
	return parts
}

// render is Render on normalised text, also returning the first heading
// because Parse needs both from a single pass.
func render(md string, limit int) (parts []string, title string) {
	if limit <= 0 {
		limit = MaxMessageLen
	}
	if limit < 2 {
		limit = 2
	}
	blocks, title := parseBlocks(md)
	return pack(blocks, limit), title
}

// ruleText stands for a thematic break (---): on a phone a short line reads
// as a section change where an HTML <hr> does not exist.
const ruleText = "———"

// parseBlocks parses the document with goldmark and turns it into blocks of
// runs. Blocks are what parts are packed from, so that a part never ends in
// the middle of a paragraph when it can be avoided: headings, rules, code
// blocks and quotes are blocks of their own, and paragraphs and lists written
// without a blank line between them stay one block, joined by a line break,
// as the admin wrote them.
func parseBlocks(md string) (blocks [][]run, title string) {
	src := []byte(md)
	w := walker{src: src}
	doc := markdown.Parse(text.NewReader(src))
	var prev ast.Node
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if len(w.cur) > 0 && joinsPrevious(prev, n) {
			w.add("\n", style{})
		} else {
			w.flush()
		}
		w.block(n, style{}, 0)
		prev = n
	}
	w.flush()
	return w.blocks, w.title
}

// joinsPrevious reports whether top-level block n continues the block before
// it on the next line rather than starting a block of its own.
func joinsPrevious(prev, n ast.Node) bool {
	lines := func(n ast.Node) bool {
		k := n.Kind()
		return k == ast.KindParagraph || k == ast.KindList
	}
	return prev != nil && lines(prev) && lines(n) && !n.HasBlankPreviousLines()
}

// walker turns goldmark's tree into runs.
type walker struct {
	src    []byte
	blocks [][]run
	cur    []run  // the block being built
	title  string // plain text of the first heading
}

// flush ends the current block; a block with nothing visible is dropped,
// since Telegram refuses an empty message.
func (w *walker) flush() {
	if !blank(w.cur) {
		w.blocks = append(w.blocks, w.cur)
	}
	w.cur = nil
}

// add appends text with its style. Neighbouring runs of the same style need
// no merging: toHTML keeps their tags open across them.
func (w *walker) add(s string, st style) {
	if s != "" {
		w.cur = append(w.cur, run{text: s, st: st.clean()})
	}
}

// children renders the blocks inside a container (quote, list item), one per
// line, with an empty line where the source has one. In a quote, the
// separators stay inside the quote so that it is one <blockquote>.
func (w *walker) children(n ast.Node, st style, depth int) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if c != n.FirstChild() {
			w.separate(c, st)
		}
		w.block(c, st, depth)
	}
}

// separate starts the line of block n, after an empty line when the admin
// left one.
func (w *walker) separate(n ast.Node, st style) {
	sep := "\n"
	if n.HasBlankPreviousLines() || w.afterEmptyQuoteLine(n) {
		sep = "\n\n"
	}
	w.add(sep, style{quote: st.quote})
}

// afterEmptyQuoteLine reports whether the line before block n holds nothing
// but quote markers (">" alone): goldmark does not count it as blank, but
// for the reader it is the same empty line.
func (w *walker) afterEmptyQuoteLine(n ast.Node) bool {
	pos := n.Pos()
	if pos <= 0 || pos > len(w.src) {
		return false
	}
	start := bytes.LastIndexByte(w.src[:pos], '\n')
	if start <= 0 {
		return false
	}
	prev := w.src[bytes.LastIndexByte(w.src[:start], '\n')+1 : start]
	return len(bytes.Trim(prev, " \t>")) == 0
}

// block renders one block node on the current line.
func (w *walker) block(n ast.Node, st style, depth int) {
	switch n := n.(type) {
	case *ast.Heading:
		h := st
		h.bold = true
		h.underline = n.Level == 1
		from := len(w.cur)
		w.inline(n, h)
		if w.title == "" && !blank(w.cur[from:]) {
			w.title = plain(w.cur[from:])
		}
	case *ast.ThematicBreak:
		w.add(ruleText, style{quote: st.quote})
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		// Trailing spaces and blank edges are invisible in a chat but would
		// count against the length limit.
		var code strings.Builder
		lines := n.Lines()
		for i := range lines.Len() {
			seg := lines.At(i)
			code.WriteString(strings.TrimRight(string(seg.Value(w.src)), " \t\n"))
			code.WriteByte('\n')
		}
		w.add(strings.Trim(code.String(), "\n"), style{quote: st.quote, pre: true})
	case *ast.Blockquote:
		// Telegram has no nested quotes: a quote in a quote is one quote.
		q := st
		q.quote = true
		w.children(n, q, depth)
	case *ast.List:
		w.list(n, st, depth)
	case *ast.Paragraph, *ast.TextBlock:
		w.inline(n, st)
	default:
		w.children(n, st, depth)
	}
}

// list renders a list with markers that read well in a chat, where
// Markdown's "- " would look like a typo: "•" for items, "◦" for nested
// items indented by three spaces per level (at most three levels), and
// ordered items numbered from the list's first number.
func (w *walker) list(l *ast.List, st style, depth int) {
	pad := strings.Repeat("   ", min(depth, 3))
	num := l.Start
	for item := l.FirstChild(); item != nil; item = item.NextSibling() {
		if item != l.FirstChild() {
			w.separate(item, st)
		}
		marker := "• "
		switch {
		case item.FirstChild() == nil:
			// A marker alone on its line is more likely text ("*", "-")
			// than an empty item, and an empty bullet reads as a glitch.
			marker = string(l.Marker)
			if l.IsOrdered() {
				marker = w.number(item, num) + marker
			}
		case l.IsOrdered():
			marker = w.number(item, num) + string(l.Marker) + " "
		case depth > 0:
			marker = "◦ "
		}
		num++
		if w.atLineStart() {
			marker = pad + marker
		}
		w.add(marker, style{quote: st.quote})
		w.children(item, st, depth+1)
	}
}

// atLineStart reports whether nothing was written on the current line yet;
// a list that starts an item ("- - a") goes on its parent's line, unindented.
func (w *walker) atLineStart() bool {
	return len(w.cur) == 0 || strings.HasSuffix(w.cur[len(w.cur)-1].text, "\n")
}

// number is the number of an ordered item as the admin wrote it, as the bot
// always showed it ("1." on every line stays "1."), or its position in the
// list when the source cannot tell.
func (w *walker) number(item ast.Node, fallback int) string {
	pos := item.Pos()
	end := pos
	for pos >= 0 && end < len(w.src) && end-pos < 9 && '0' <= w.src[end] && w.src[end] <= '9' {
		end++
	}
	if pos < 0 || end == pos {
		return strconv.Itoa(fallback)
	}
	return string(w.src[pos:end])
}

// inline renders the inline content of n with the entities of st.
func (w *walker) inline(n ast.Node, st style) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			v := c.Segment.Value(w.src)
			if !c.IsRaw() {
				// Backslash escapes are resolved; entities are not, so
				// that "&amp;" shows as typed.
				v = util.UnescapePunctuations(v)
			}
			w.add(string(v), st)
			if c.SoftLineBreak() || c.HardLineBreak() {
				// In a chat, a line break is meant.
				w.add("\n", st)
			}
		case *ast.String:
			w.add(string(c.Value), st)
		case *ast.CodeSpan:
			var code strings.Builder
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if t, ok := t.(*ast.Text); ok {
					code.Write(t.Segment.Value(w.src))
				}
			}
			cs := st
			cs.code = true
			w.add(strings.ReplaceAll(code.String(), "\n", " "), cs)
		case *ast.Emphasis:
			e := st
			if c.Level >= 2 {
				e.bold = true
			} else {
				e.italic = true
			}
			w.inline(c, e)
		case *ast.Link:
			w.link(c, c.Destination, st)
		case *ast.Image:
			// Telegram messages hold no images: the picture's link is
			// shown after the "!" as written.
			w.add("!", st)
			w.link(c, c.Destination, st)
		default:
			w.inline(c, st)
		}
	}
}

// link renders a link whose label is n's content. Only web, Telegram and
// mail links with a visible label become clickable: anything else
// (javascript:, data:, file:, a relative path) is shown as the admin wrote
// it, so that a pasted or malicious link can never become clickable.
// Telegram cannot nest links, so a link inside a link label stays text too.
func (w *walker) link(n ast.Node, dest []byte, st style) {
	href := string(util.UnescapePunctuations(dest))
	if st.href == "" && allowedURL(href) && !strings.ContainsFunc(href, badURLRune) {
		label := walker{src: w.src}
		l := st
		l.href = href
		label.inline(n, l)
		if !blank(label.cur) {
			w.cur = append(w.cur, label.cur...)
			return
		}
	}
	w.add("[", st)
	w.inline(n, st)
	if v, ok := n.AttributeString(tailAttr); ok {
		tail := v.(text.Segment)
		w.add(string(tail.Value(w.src)), st)
	}
}

// badURLRune refuses spaces, controls and angle brackets in a destination:
// CommonMark allows some in "<…>" destinations, but in a charter they are
// far more likely a broken or hostile link than a real one.
func badURLRune(r rune) bool { return r <= ' ' || r == 0x7f || r == '<' || r == '>' }

// allowedURL is the link allowlist: schemes a member can safely open.
func allowedURL(u string) bool {
	l := strings.ToLower(u)
	for _, p := range []string{"https://", "http://", "tg://", "mailto:"} {
		if strings.HasPrefix(l, p) && len(l) > len(p) {
			return true
		}
	}
	return false
}

// plain is the visible text of runs.
func plain(b []run) string {
	var sb strings.Builder
	for _, r := range b {
		sb.WriteString(r.text)
	}
	return sb.String()
}

// blank reports runs with nothing visible, which Telegram would refuse
// as an empty message.
func blank(b []run) bool { return strings.TrimSpace(plain(b)) == "" }
