package charter

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What goldmark does not know about: Telegram's length limit per message,
// counted in UTF-16 code units, and HTML that must be valid in every message
// on its own. Blocks are packed into parts, cut when too long, and each part
// closes the tags it opened so that the next one can reopen them.

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
