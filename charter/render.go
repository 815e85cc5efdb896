package charter

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rendering works on runs of raw text tagged with the Telegram entities they
// sit in, and only turns them into HTML at the very end. Escaping therefore
// happens in exactly one place (toHTML), no source character can ever become
// markup, and a message can be cut anywhere in its text with every part
// reopening the tags it needs.

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

// parseBlocks splits the document into blocks (headings, paragraphs and lists,
// quotes, code blocks, rules), each as runs. Blocks are what parts are packed
// from, so that a part never ends in the middle of a paragraph when it can be
// avoided.
func parseBlocks(md string) (blocks [][]run, title string) {
	lines := strings.Split(md, "\n")
	var group []string // pending lines of a paragraph or a quote
	quote := false
	add := func(b []run) {
		if !blank(b) {
			blocks = append(blocks, b)
		}
	}
	flush := func() {
		if len(group) > 0 {
			add(lineBlock(group, quote))
			group = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		text := strings.TrimLeft(line, " \t")
		switch {
		case text == "":
			flush()
		case strings.HasPrefix(text, "```"):
			flush()
			var code []string
			for i++; i < len(lines); i++ {
				if strings.HasPrefix(strings.TrimLeft(lines[i], " \t"), "```") {
					break
				}
				code = append(code, strings.TrimRight(lines[i], " \t"))
			}
			add([]run{{text: strings.Trim(strings.Join(code, "\n"), "\n"), st: style{pre: true}}})
		case isHeading(text):
			flush()
			level, content := heading(text)
			b := parseInline(content, true)
			for j := range b {
				b[j].st.bold = true
				b[j].st.underline = level == 1
				b[j].st = b[j].st.clean()
			}
			if title == "" && !blank(b) {
				title = plain(b)
			}
			add(b)
		case isRule(text):
			flush()
			add([]run{{text: ruleText}})
		case text[0] == '>':
			if !quote {
				flush()
				quote = true
			}
			group = append(group, strings.TrimLeft(text, "> \t"))
		default:
			if quote {
				flush()
				quote = false
			}
			group = append(group, line)
		}
	}
	flush()
	return blocks, title
}

// lineBlock renders consecutive lines of one paragraph, list or quote, kept
// one per line as the admin wrote them: in a chat, a line break is meant.
func lineBlock(lines []string, quote bool) []run {
	var out []run
	gap := false
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			// Only quotes keep empty lines (a lone ">"); collapse them.
			gap = len(out) > 0
			continue
		}
		if len(out) > 0 {
			sep := "\n"
			if gap {
				sep = "\n\n"
			}
			out = append(out, run{text: sep})
		}
		gap = false
		out = append(out, renderLine(l)...)
	}
	if quote {
		for i := range out {
			out[i].st.quote = true
		}
	}
	return out
}

// renderLine renders one line, turning list markers into bullets that read
// well in a chat, where Markdown's "- " would look like a typo.
func renderLine(line string) []run {
	indent := 0
	for _, c := range line {
		switch c {
		case ' ':
			indent++
			continue
		case '\t':
			indent += 4
			continue
		}
		break
	}
	text := strings.TrimLeft(line, " \t")
	level := min(indent/2, 3)
	pad := strings.Repeat("   ", level)
	var prefix, content string
	switch {
	case len(text) >= 2 && strings.IndexByte("-*+", text[0]) >= 0 && (text[1] == ' ' || text[1] == '\t'):
		bullet := "• "
		if level > 0 {
			bullet = "◦ "
		}
		prefix, content = pad+bullet, strings.TrimLeft(text[2:], " \t")
	case orderedMarker(text) > 0:
		n := orderedMarker(text)
		prefix, content = pad+text[:n]+" ", strings.TrimLeft(text[n:], " \t")
	default:
		content = text
	}
	runs := parseInline(content, true)
	if prefix != "" {
		runs = append([]run{{text: prefix}}, runs...)
	}
	return runs
}

// orderedMarker returns the length of a "12." or "12)" marker followed by a
// space at the start of text, or 0.
func orderedMarker(text string) int {
	n := 0
	for n < len(text) && n < 9 && text[n] >= '0' && text[n] <= '9' {
		n++
	}
	if n == 0 || n+1 >= len(text) || (text[n] != '.' && text[n] != ')') {
		return 0
	}
	if text[n+1] != ' ' && text[n+1] != '\t' {
		return 0
	}
	return n + 1
}

// isHeading accepts "#" to "######" followed by a space or nothing; "#tag"
// stays text because hashtags are common in Telegram.
func isHeading(text string) bool {
	n := 0
	for n < len(text) && text[n] == '#' {
		n++
	}
	return n >= 1 && n <= 6 && (n == len(text) || text[n] == ' ' || text[n] == '\t')
}

// heading returns the level and text of a heading line, without the optional
// closing hashes ("## Titre ##").
func heading(text string) (level int, content string) {
	for level < len(text) && text[level] == '#' {
		level++
	}
	content = strings.TrimSpace(text[level:])
	if t := strings.TrimRight(content, "#"); t != content && (t == "" || strings.HasSuffix(t, " ") || strings.HasSuffix(t, "\t")) {
		content = strings.TrimSpace(t)
	}
	return level, content
}

// isRule reports a thematic break: three or more of the same "-", "*" or "_",
// spaces allowed between them.
func isRule(text string) bool {
	c := text[0]
	if c != '-' && c != '*' && c != '_' {
		return false
	}
	n := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case c:
			n++
		case ' ', '\t':
		default:
			return false
		}
	}
	return n >= 3
}

// Inline Markdown follows the CommonMark delimiter algorithm, so that nested
// and unbalanced markers behave as admins expect from other editors, with one
// difference: "*" may not open or close emphasis inside a word, exactly like
// "_", so that "3*2" or "ami*e*s" never turn italic by accident.

type tokenKind uint8

const (
	tokText tokenKind = iota
	tokCode
	tokLink
	tokDelim
)

// token is a piece of one line before emphasis is resolved.
type token struct {
	kind  tokenKind
	text  string // text or code content
	runs  []run  // link text
	href  string
	ch    byte // delimiter character
	count int  // delimiter characters not yet used by emphasis
	orig  int  // length of the delimiter run as written
	// canOpen and canClose come from the flanking rules.
	canOpen, canClose bool
	// opens and closes record the emphasis each match adds, innermost first;
	// true means bold.
	opens, closes []bool
}

// parseInline renders one line of Markdown. links is false inside link text,
// because Telegram cannot nest links.
func parseInline(s string, links bool) []run {
	toks := tokenize(s, links)
	matchEmphasis(toks)
	return emit(toks)
}

func tokenize(s string, links bool) []token {
	var toks []token
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			toks = append(toks, token{kind: tokText, text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			text.WriteByte(s[i+1])
			i += 2
		case c == '`':
			n := runLength(s, i)
			if end := closingTicks(s, i+n, n); end >= 0 {
				flush()
				toks = append(toks, token{kind: tokCode, text: codeContent(s[i+n : end])})
				i = end + n
			} else {
				text.WriteString(s[i : i+n])
				i += n
			}
		case c == '[' && links:
			if label, href, next, ok := parseLink(s, i); ok {
				flush()
				toks = append(toks, token{kind: tokLink, runs: parseInline(label, false), href: href})
				i = next
			} else {
				text.WriteByte(c)
				i++
			}
		case c == '*' || c == '_':
			n := runLength(s, i)
			prev, next := ' ', ' '
			if i > 0 {
				prev, _ = utf8.DecodeLastRuneInString(s[:i])
			}
			if i+n < len(s) {
				next, _ = utf8.DecodeRuneInString(s[i+n:])
			}
			left := !unicode.IsSpace(next) && (!isPunct(next) || unicode.IsSpace(prev) || isPunct(prev))
			right := !unicode.IsSpace(prev) && (!isPunct(prev) || unicode.IsSpace(next) || isPunct(next))
			flush()
			toks = append(toks, token{
				kind: tokDelim, ch: c, count: n, orig: n,
				canOpen:  left && (!right || isPunct(prev)),
				canClose: right && (!left || isPunct(next)),
			})
			i += n
		default:
			text.WriteByte(c)
			i++
		}
	}
	flush()
	return toks
}

// matchEmphasis pairs delimiter runs as CommonMark's "process emphasis" does.
// Because delimiters between a matched pair are dropped, matches always nest
// and can never produce overlapping tags. The stack only ever holds
// delimiters before the current one and the search floor (bottom) remembers
// failed searches, which keeps hostile input from taking quadratic time.
func matchEmphasis(toks []token) {
	type key struct {
		ch      byte
		canOpen bool
		mod3    int
	}
	var stack []int         // indexes of earlier delimiters that may still open
	bottom := map[key]int{} // openers at or below this index were searched in vain
	for i := range toks {
		cl := &toks[i]
		if cl.kind != tokDelim {
			continue
		}
		if cl.canClose {
			k := key{cl.ch, cl.canOpen, cl.orig % 3}
			low, seen := bottom[k]
			if !seen {
				low = -1
			}
			for cl.count > 0 {
				found := -1
				for sj := len(stack) - 1; sj >= 0 && stack[sj] > low; sj-- {
					op := &toks[stack[sj]]
					if op.ch != cl.ch {
						continue
					}
					// CommonMark's "rule of 3" keeps "*a**b*" from pairing oddly.
					if (op.canClose || cl.canOpen) && (op.orig+cl.orig)%3 == 0 && (op.orig%3 != 0 || cl.orig%3 != 0) {
						continue
					}
					found = sj
					break
				}
				if found < 0 {
					bottom[k] = i - 1
					break
				}
				op := &toks[stack[found]]
				n := 1
				if op.count >= 2 && cl.count >= 2 {
					n = 2
				}
				op.count -= n
				cl.count -= n
				op.opens = append(op.opens, n == 2)
				cl.closes = append(cl.closes, n == 2)
				// Delimiters between the pair can no longer match anything.
				stack = stack[:found+1]
				if op.count == 0 {
					stack = stack[:found]
				}
			}
		}
		if cl.count > 0 && cl.canOpen {
			stack = append(stack, i)
		}
	}
}

// emit turns resolved tokens into runs; unused delimiter characters are
// plain text, which is how an unclosed "**" stays literal.
func emit(toks []token) []run {
	var out []run
	var buf strings.Builder // text of the run being built, to avoid quadratic concatenation
	var bufStyle style
	add := func(text string, st style) {
		if text == "" {
			return
		}
		st = st.clean()
		if buf.Len() > 0 && st != bufStyle {
			out = append(out, run{text: buf.String(), st: bufStyle})
			buf.Reset()
		}
		buf.WriteString(text)
		bufStyle = st
	}
	bold, italic := 0, 0
	for _, t := range toks {
		cur := style{bold: bold > 0, italic: italic > 0}
		switch t.kind {
		case tokText:
			add(t.text, cur)
		case tokCode:
			cur.code = true
			add(t.text, cur)
		case tokLink:
			for _, r := range t.runs {
				st := r.st
				st.bold = st.bold || cur.bold
				st.italic = st.italic || cur.italic
				st.href = t.href
				add(r.text, st)
			}
		case tokDelim:
			for _, b := range t.closes {
				if b {
					bold--
				} else {
					italic--
				}
			}
			add(strings.Repeat(string(t.ch), t.count), style{bold: bold > 0, italic: italic > 0})
			for k := len(t.opens) - 1; k >= 0; k-- {
				if t.opens[k] {
					bold++
				} else {
					italic++
				}
			}
		}
	}
	if buf.Len() > 0 {
		out = append(out, run{text: buf.String(), st: bufStyle})
	}
	return out
}

// parseLink reads "[label](url)" at s[i]. Only web, Telegram and mail links
// are accepted: anything else (javascript:, data:, file:) stays literal text
// so that a pasted or malicious link can never become clickable.
func parseLink(s string, i int) (label, href string, next int, ok bool) {
	depth, j := 0, i
	for ; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
			continue
		case '[':
			depth++
		case ']':
			depth--
		}
		if depth == 0 {
			break
		}
	}
	if j+1 >= len(s) || s[j+1] != '(' {
		return "", "", 0, false
	}
	label = s[i+1 : j]
	k, par := j+2, 0
	for ; k < len(s); k++ {
		c := s[k]
		if c <= ' ' || c == '<' || c == '>' || c == 0x7f {
			return "", "", 0, false
		}
		if c == '(' {
			par++
		} else if c == ')' {
			if par == 0 {
				break
			}
			par--
		}
	}
	if k >= len(s) {
		return "", "", 0, false
	}
	href = s[j+2 : k]
	if strings.TrimSpace(label) == "" || !allowedURL(href) {
		return "", "", 0, false
	}
	return label, href, k + 1, true
}

func allowedURL(u string) bool {
	l := strings.ToLower(u)
	for _, p := range []string{"https://", "http://", "tg://", "mailto:"} {
		if strings.HasPrefix(l, p) && len(l) > len(p) {
			return true
		}
	}
	return false
}

// runLength counts how many times s[i] repeats from i.
func runLength(s string, i int) int {
	n := 1
	for i+n < len(s) && s[i+n] == s[i] {
		n++
	}
	return n
}

// closingTicks finds a backtick run of exactly n from i, or -1.
func closingTicks(s string, i, n int) int {
	for i < len(s) {
		if s[i] != '`' {
			i++
			continue
		}
		m := runLength(s, i)
		if m == n {
			return i
		}
		i += m
	}
	return -1
}

// codeContent drops the one space CommonMark allows on each side so that code
// starting or ending with a backtick can be written.
func codeContent(c string) string {
	if len(c) >= 2 && c[0] == ' ' && c[len(c)-1] == ' ' && strings.Trim(c, " ") != "" {
		return c[1 : len(c)-1]
	}
	return c
}

func isASCIIPunct(c byte) bool {
	return c < 0x80 && c > ' ' && c != 0x7f && !('0' <= c && c <= '9') && !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z')
}

func isPunct(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }

// pack fills parts greedily with whole blocks, one empty line between them.
func pack(blocks [][]run, limit int) []string {
	var parts []string
	var cur []run
	curLen := 0
	flush := func() {
		if len(cur) > 0 {
			parts = append(parts, toHTML(cur))
		}
		cur, curLen = nil, 0
	}
	for _, b := range blocks {
		n := runsLen(b)
		if len(cur) > 0 && curLen+2+n <= limit {
			cur = append(cur, run{text: "\n\n"})
			cur = append(cur, b...)
			curLen += 2 + n
			continue
		}
		flush()
		if n <= limit {
			cur = append(cur, b...)
			curLen = n
			continue
		}
		pieces := splitBlock(b, limit)
		for _, p := range pieces[:len(pieces)-1] {
			parts = append(parts, toHTML(p))
		}
		cur = pieces[len(pieces)-1]
		curLen = runsLen(cur)
	}
	flush()
	return parts
}

// splitBlock cuts a block longer than limit into pieces that each fit,
// preferring line breaks (list items stay whole), then spaces (words stay
// whole), and cutting inside a word only when nothing else fits. Whitespace
// at a cut is dropped so that no part starts or ends blank.
func splitBlock(b []run, limit int) [][]run {
	var flat strings.Builder
	offs := make([]int, len(b))
	for i, r := range b {
		offs[i] = flat.Len()
		flat.WriteString(r.text)
	}
	s := flat.String()
	var pieces [][]run
	start := skipSpace(s, 0)
	for start < len(s) {
		end := fit(s, start, limit)
		if end == len(s) {
			pieces = append(pieces, sliceRuns(b, offs, start, trimSpaceEnd(s, start, end)))
			break
		}
		cut := lastByte(s, start, end, func(c byte) bool { return c == '\n' })
		if cut < 0 {
			cut = lastByte(s, start, end, func(c byte) bool { return c == ' ' || c == '\t' })
		}
		next := cut + 1
		if cut < 0 {
			cut = end
			if cut == start {
				_, size := utf8.DecodeRuneInString(s[start:])
				cut = start + size
			}
			next = cut
		}
		if e := trimSpaceEnd(s, start, cut); e > start {
			pieces = append(pieces, sliceRuns(b, offs, start, e))
		}
		start = skipSpace(s, next)
	}
	return pieces
}

// fit returns the largest rune boundary end such that s[start:end] fits in
// limit UTF-16 code units.
func fit(s string, start, limit int) int {
	n := 0
	for i, r := range s[start:] {
		n += utf16Len(r)
		if n > limit {
			return start + i
		}
	}
	return len(s)
}

// lastByte finds the last byte matching sep in s(start:end], or -1. A
// separator right at end is allowed because it is dropped, not kept.
func lastByte(s string, start, end int, sep func(byte) bool) int {
	for j := min(end, len(s)-1); j > start; j-- {
		if sep(s[j]) {
			return j
		}
	}
	return -1
}

func skipSpace(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

func trimSpaceEnd(s string, start, end int) int {
	for end > start {
		r, size := utf8.DecodeLastRuneInString(s[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= size
	}
	return end
}

// sliceRuns returns fresh runs covering bytes [from, to) of the block's text,
// finding the first run by binary search so that cutting a huge block into
// many small parts stays fast.
func sliceRuns(b []run, offs []int, from, to int) []run {
	var out []run
	first, _ := slices.BinarySearch(offs, from+1)
	for i := max(first-1, 0); i < len(b) && offs[i] < to; i++ {
		lo, hi := max(offs[i], from), min(offs[i]+len(b[i].text), to)
		if lo < hi {
			out = append(out, run{text: b[i].text[lo-offs[i] : hi-offs[i]], st: b[i].st})
		}
	}
	return out
}

// utf16Len is how many characters Telegram counts for r.
func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func runsLen(b []run) int {
	n := 0
	for _, r := range b {
		n += textLen(r.text)
	}
	return n
}

func plain(b []run) string {
	var sb strings.Builder
	for _, r := range b {
		sb.WriteString(r.text)
	}
	return sb.String()
}

// blank reports a block with nothing visible, which Telegram would refuse
// as an empty message.
func blank(b []run) bool { return strings.TrimSpace(plain(b)) == "" }

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

// toHTML writes runs as Telegram HTML, closing and reopening only the tags
// that change between runs; every tag opened is closed by the end.
func toHTML(runs []run) string {
	var b strings.Builder
	var open []tag
	for _, r := range runs {
		if r.text == "" {
			continue
		}
		want := r.st.tags()
		k := 0
		for k < len(open) && k < len(want) && open[k] == want[k] {
			k++
		}
		for j := len(open) - 1; j >= k; j-- {
			b.WriteString("</" + open[j].name + ">")
		}
		for _, t := range want[k:] {
			if t.href != "" {
				b.WriteString(`<a href="` + attrEscaper.Replace(t.href) + `">`)
			} else {
				b.WriteString("<" + t.name + ">")
			}
		}
		open = want
		textEscaper.WriteString(&b, r.text)
	}
	for j := len(open) - 1; j >= 0; j-- {
		b.WriteString("</" + open[j].name + ">")
	}
	return b.String()
}
