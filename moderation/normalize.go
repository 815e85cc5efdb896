package moderation

import (
	"encoding/binary"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns text the way the screener reads it, so that moderators
// and admins (the `screen` tool, tests) can see why a message matched:
//
//   - invisible characters are removed (zero-width spaces and joiners, word
//     joiner, byte order mark, soft hyphen, bidi controls, variation
//     selectors, Hangul fillers): sellers slip them inside words;
//   - Unicode NFKC folds fullwidth, mathematical bold or italic letters,
//     circled letters and ligatures to plain letters;
//   - case and accents are folded (É -> e, ç -> c, œ -> oe, ß -> ss);
//   - Cyrillic, Greek and small-capital look-alikes become the Latin letter
//     they imitate (Cyrillic а, е, о, р, с, і, ј; Greek ο, ρ, ν, κ...);
//   - emoji used as codes become words the lexicon can score, such as
//     "emoji:plug" for 🔌 or "emoji:snow" for ❄️; other emoji are kept;
//   - runs of three or more identical letters shrink to one ("dispooooo" ->
//     "dispo") while doubles that words need stay ("3mmc", "arrivage"), and
//     a word made of one repeated letter keeps two ("zzz" -> "zz");
//   - single letters spaced, dotted or dashed apart are joined ("d i s p o",
//     "t.i.n.a", "d-i-s-p-o" -> "dispo", "tina", "c.c" -> "cc"), and a
//     middle dot inside a word is dropped ("ti·na"); French one-letter words
//     are not joined ("il y a à manger");
//   - leetspeak digits between letters become letters ("c0ke" -> "coke",
//     "t1na" -> "tina"), but numbers are left alone: a leading digit
//     ("3mmc", "4-mec"), prices ("20/g"), quantities ("5g") and phone
//     numbers ("0 800 23 13 13") keep their digits, because prices and
//     numbers are signals too;
//   - runs of white space become one space; a double space between single
//     letters stays, because it separates two spaced-out words and a
//     second reading must not join them.
//
// Normalize is idempotent: Normalize(Normalize(x)) == Normalize(x).
func Normalize(text string) string {
	sc := scratchPool.Get().(*scratch)
	out := normalizeInto(sc, text)
	s := string(out)
	scratchPool.Put(sc)
	return s
}

// normalizeInto normalises text into sc.norm and returns it. The result is
// only valid until sc is reused.
func normalizeInto(sc *scratch, text string) []byte {
	// ASCII text takes normalizeUnicode's first pass (mapText) and
	// returns from it: no separate look to tell ASCII apart.
	buf := sc.normalizeUnicode(sc.norm[:0], text)
	// One look at the text tells which of the next steps can change it.
	leet, run, spaced := survey(buf)
	if leet && deleet(buf) {
		run = true // de-leeting can make a run: "a$$$a"
	}
	if run {
		buf = collapseRuns(buf)
	}
	if n := len(buf); spaced {
		buf = joinSpaced(buf)
		buf = squeezeSpaces(buf)
		if len(buf) != n {
			// Joined words may hide leetspeak or long runs: "c 0 0 k e".
			deleet(buf)
			buf = collapseRuns(buf)
		}
	}
	sc.norm = buf
	return buf
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiFold maps an ASCII byte to what the folded text has: white space
// and control characters to a space, capitals to lower case, DEL to 0
// (dropped), every other byte to itself.
var asciiFold = func() (t [256]byte) {
	for c := range t {
		switch {
		case c <= ' ':
			t[c] = ' '
		case c == 0x7f:
		case 'A' <= c && c <= 'Z':
			t[c] = byte(c + 'a' - 'A')
		default:
			t[c] = byte(c)
		}
	}
	return t
}()

func trimSpace(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

// normalizeUnicode runs the character-level steps on text that is not pure
// ASCII. Removing invisible characters comes first, so that NFKC sees the
// characters as they will stay (a zero-width space between two Hangul jamo
// would otherwise hide a composition until the second call). The mapping
// that follows NFKC (lower case, accents, look-alikes) can in rare scripts
// produce a sequence that NFKC would change again, so the steps repeat
// until the text is stable; ordinary text needs one round.
func (sc *scratch) normalizeUnicode(dst []byte, text string) []byte {
	src := text
	round := 0
	// The common case (French with accents, emoji): only ASCII and
	// stable characters, nothing to remove or compose: map the text as it
	// is. The result is in NFKC as it stands when it is made of ASCII and
	// stable characters too.
	out, ok, normal := mapText(dst[:0], unsafe.Slice(unsafe.StringData(text), len(text)), true)
	if ok {
		if normal || isASCII(unsafeString(out)) || norm.NFKC.IsNormal(out) {
			return out
		}
		sc.tmp3 = append(sc.tmp3[:0], out...)
		src = unsafeString(sc.tmp3)
		round = 1
	}
	dst = out[:0]
	for ; ; round++ {
		var in []byte
		stable, invisible := false, false
		if round == 0 {
			stable, invisible = surveyRunes(src)
		}
		switch {
		case stable && !invisible:
			// The common case (French with accents, emoji): nothing to
			// remove or compose, map the text as it is.
			in = unsafe.Slice(unsafe.StringData(src), len(src))
		case stable:
			// Only invisible characters to remove ("❄️" has a variation
			// selector): what stays is still in NFKC, which would return
			// it unchanged.
			sc.tmp = appendVisible(sc.tmp[:0], src)
			in = sc.tmp
		case round == 0 && !hasInvisible(src) && norm.NFKC.QuickSpanString(src) == len(src):
			in = unsafe.Slice(unsafe.StringData(src), len(src))
		default:
			sc.tmp = appendVisible(sc.tmp[:0], src)
			sc.tmp2 = norm.NFKC.Append(sc.tmp2[:0], sc.tmp...)
			in = sc.tmp2
		}
		dst = dst[:0]
		dst = appendMapped(dst, in)
		if round == 3 || isASCII(unsafeString(dst)) || norm.NFKC.IsNormal(dst) {
			return dst
		}
		sc.tmp3 = append(sc.tmp3[:0], dst...)
		src = unsafeString(sc.tmp3)
	}
}

// surveyRunes reports whether every character of s is ASCII, invisible
// or one that NFKC keeps as it is whatever surrounds it (stableRune), and
// whether there is an invisible one: then NFKC has nothing to do once the
// invisible characters are removed. It reads most texts (accented Latin
// letters, common punctuation, emoji) without the normalisation tables.
func surveyRunes(s string) (stable, invisible bool) {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case stableRune(r):
		case r != utf8.RuneError && isInvisible(r):
			invisible = true
		default:
			return false, invisible
		}
	}
	return true, invisible
}

// stableRune reports a character that NFKC leaves as it is next to any
// other such character: not invisible, quick-check yes, combining class 0
// and composing with nothing before it. Text made of them (and ASCII) is
// in NFKC by the quick-check algorithm: no character to decompose, none to
// reorder, none to compose with the one before. The tables cover the
// scripts and emoji of the groups' messages; other characters take the
// general path.
func stableRune(r rune) bool {
	stableOnce.Do(buildStableTables)
	switch {
	case r < stableLow:
		return stableLowBits[r/64]&(1<<(r%64)) != 0
	case r >= stableEmoji && r < stableEmojiEnd:
		r -= stableEmoji
		return stableEmojiBits[r/64]&(1<<(r%64)) != 0
	}
	return false
}

// The ranges of stableRune's tables: Latin, Greek, Cyrillic, general
// punctuation, currency signs and symbols below U+3000, and the emoji
// blocks.
const (
	stableLow      = 0x3000
	stableEmoji    = 0x1F000
	stableEmojiEnd = 0x1FB00
)

// The tables are built on first use (2 ms), not when a program that never
// screens starts.
var (
	stableOnce      sync.Once
	stableLowBits   [stableLow / 64]uint64
	stableEmojiBits [(stableEmojiEnd - stableEmoji) / 64]uint64
)

func buildStableTables() {
	low, emoji := &stableLowBits, &stableEmojiBits
	var buf [utf8.UTFMax]byte
	stable := func(r rune) bool {
		if r < utf8.RuneSelf || !utf8.ValidRune(r) || isInvisible(r) {
			return false
		}
		s := buf[:utf8.EncodeRune(buf[:], r)]
		p := norm.NFKC.Properties(s)
		return p.BoundaryBefore() && p.CCC() == 0 && norm.NFKC.QuickSpan(s) == len(s)
	}
	for r := rune(0); r < stableLow; r++ {
		if stable(r) {
			low[r/64] |= 1 << (r % 64)
		}
	}
	for r := rune(stableEmoji); r < stableEmojiEnd; r++ {
		if stable(r) {
			emoji[(r-stableEmoji)/64] |= 1 << ((r - stableEmoji) % 64)
		}
	}
}

// hasInvisible reports whether s has an invisible character.
func hasInvisible(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if isInvisible(r) {
			return true
		}
		i += size
	}
	return false
}

// appendVisible appends s without its invisible characters.
func appendVisible(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isInvisible(r) {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return dst
}

// isInvisible reports characters that display as nothing: format
// characters (zero-width space, joiners, word joiner, soft hyphen, bidi
// controls, byte order mark, tags), variation selectors, the combining
// grapheme joiner and Hangul fillers, which render as blanks.
func isInvisible(r rune) bool {
	if r < 0x0300 {
		return r == 0x00AD // Latin letters and signs: only the soft hyphen
	}
	switch {
	case r == utf8.RuneError:
		return false
	case 0xFE00 <= r && r <= 0xFE0F, 0xE0100 <= r && r <= 0xE01EF:
		return true
	case r == 0x034F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0, r == 0x180B, r == 0x180C, r == 0x180D, r == 0x180F:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// appendMapped folds each character of the NFKC text: case, accents,
// look-alikes, emoji codes, punctuation variants and white space.
func appendMapped(dst []byte, s []byte) []byte {
	out, _, _ := mapText(dst, s, false)
	return out
}

// mapText appends s folded (appendMapped) to dst. With stableOnly, it
// stops at the first character that is neither ASCII nor stableRune
// (ok is then false and the output incomplete); normal then reports that
// the output is made of ASCII and stable characters only, so that it is
// in NFKC.
//
// The folded text keeps at most two spaces in a row and none at the
// start. Two spaces survive until the spaced letters are joined, because
// they separate spaced-out words ("c r y s t a l  a v a i l a b l e");
// squeezeSpaces then reduces them to one.
func mapText(dst []byte, s []byte, stableOnly bool) (out []byte, ok, normal bool) {
	out = slices.Grow(dst, len(s)+16)
	spaces := 2 // spaces written in a row; starts at 2 to drop leading ones
	normal = true
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			// A run of ASCII, folded by index into room for all of it.
			if cap(out)-len(out) < len(s)-i {
				out = slices.Grow(out, len(s)-i)
			}
			buf, w := out[:cap(out)], len(out)
			for ; i < len(s); i++ {
				c := s[i]
				if c >= utf8.RuneSelf {
					break
				}
				// Written in any case, kept by moving past it.
				f := asciiFold[c]
				buf[w] = f
				if f > ' ' {
					w++
					spaces = 0
					continue
				}
				if f == ' ' {
					if spaces < 2 {
						w++
					}
					spaces++
				}
			}
			out = buf[:w]
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if stableOnly && !stableRune(r) {
			return out, false, false
		}
		i += n
		if r == utf8.RuneError && n == 1 {
			continue // a byte that is not UTF-8: nothing anyone can read
		}
		if (r == '·' || r == '‧') && len(out) > 0 && isLetter(out[len(out)-1]) && i < len(s) && startsLetter(s[i:]) {
			// A middle dot inside a word joins it: "d·i·s·p·o", "ti·na", and
			// French inclusive writing "ami·e·s".
			continue
		}
		var m string
		found := false
		if r < latinFoldEnd {
			m = latinFold[r]
			found = m != ""
		} else {
			m, found = foldTable[r]
		}
		if !found {
			switch {
			case 0x1F1E6 <= r && r <= 0x1F1FF: // regional indicators 🇩 🇮 spell letters
				out, spaces = append(out, byte('a'+r-0x1F1E6)), 0
				continue
			case 0x1F150 <= r && r <= 0x1F169: // negative circled capitals 🅐
				out, spaces = append(out, byte('a'+r-0x1F150)), 0
				continue
			case 0x1F170 <= r && r <= 0x1F189: // negative squared capitals 🅰
				out, spaces = append(out, byte('a'+r-0x1F170)), 0
				continue
			case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || r == 0x2800:
				if spaces < 2 {
					out = append(out, ' ')
				}
				spaces++
				continue
			case 0x1F3FB <= r && r <= 0x1F3FF: // skin tone modifiers
				continue
			case isInvisible(r), unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), unicode.Is(unicode.Cc, r),
				unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r):
				continue
			}
			if lr := unicode.ToLower(r); lr != r {
				r = lr
				m, found = foldTable[r]
			}
			if !found {
				if normal && !stableRune(r) {
					normal = false
				}
				out = utf8.AppendRune(out, r)
				spaces = 0
				continue
			}
		}
		for k := 0; k < len(m); k++ {
			c := m[k]
			if c == ' ' {
				if spaces < 2 {
					out = append(out, ' ')
				}
				spaces++
				continue
			}
			if c >= utf8.RuneSelf {
				normal = false
			}
			out = append(out, c)
			spaces = 0
		}
	}
	return trimSpace(out), true, normal
}

// startsLetter reports whether s starts with a letter of any script.
func startsLetter(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if s[0] < utf8.RuneSelf {
		return 'a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z'
	}
	r, _ := utf8.DecodeRune(s)
	return unicode.IsLetter(r)
}

// isLetter reports an ASCII lower-case letter (the text is folded by then).
func isLetter(c byte) bool { return class[c]&clLetter != 0 }

func isDigit(c byte) bool { return class[c]&clDigit != 0 }

func isAlnum(c byte) bool { return class[c]&(clLetter|clDigit) != 0 }

// Byte classes, looked up in one table on the per-byte paths.
const (
	clLetter = 1 << iota // a-z (the text is lower case by then)
	clDigit              // 0-9
	clSpacer             // what sellers put between letters
	clLeet               // a digit, $ or @
	clWord               // a letter, a digit or a byte of a non-ASCII character
	clGlue               // gluesLeft: a word byte, an apostrophe, a colon, an @
	clStick              // a word byte, an apostrophe or a colon: makes the letter before it part of a word
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case 'a' <= c && c <= 'z':
			t[c] |= clLetter | clWord
		case '0' <= c && c <= '9':
			t[c] |= clDigit | clLeet | clWord
		case c >= utf8.RuneSelf:
			t[c] |= clWord
		}
		switch c {
		case ' ', '.', '-', '_', '*', '/', '|', '+', '~', '\\':
			t[c] |= clSpacer
		case '$', '@':
			t[c] |= clLeet
		}
		if t[c]&clWord != 0 || c == '\'' || c == ':' || c == '@' {
			t[c] |= clGlue
		}
		if t[c]&clWord != 0 || c == '\'' || c == ':' {
			t[c] |= clStick
		}
	}
	return t
}()

// isWordByte reports bytes that belong to a word: ASCII letters and digits,
// and any byte of a non-ASCII character (a letter of another script that
// the folding kept).
func isWordByte(c byte) bool { return class[c]&clWord != 0 }

// collapseRuns shrinks runs of three or more identical ASCII letters to
// one (two for a word that is nothing else), in place ("dispooooo" -> "dispo", "mmmmh" -> "mh"). Doubles stay,
// because many words need them; the matcher also compares words with all
// doubles removed. "www" is kept so that addresses stay readable.
func collapseRuns(b []byte) []byte {
	// Most texts have no run to collapse: find the first one before
	// rewriting anything.
	start := -1
	for i := 2; i < len(b); i++ {
		if b[i] == b[i-1] && b[i] == b[i-2] && isLetter(b[i]) {
			start = i - 2
			break
		}
	}
	if start < 0 {
		return b
	}
	w := start
	for i := start; i < len(b); {
		c := b[i]
		j := i + 1
		for j < len(b) && b[j] == c {
			j++
		}
		n := j - i
		if isLetter(c) && n >= 3 && !(c == 'w' && n == 3) {
			n = 1
			if (i == 0 || !isWordByte(b[i-1])) && (j == len(b) || !isWordByte(b[j])) {
				// A word made of one repeated letter ("aaa", "zzz") keeps
				// two: a single letter could be joined to its spaced-out
				// neighbours on a second reading.
				n = 2
			}
		}
		for k := 0; k < n; k++ {
			b[w] = c
			w++
		}
		i = j
	}
	return b[:w]
}

// leetDigit maps the characters sellers use for letters; 0 means none.
// 2, 6, 8 and 9 are left alone: they are rarely used that way and often
// real. "!" is not read as "i": chat writers leave out the space after
// it ("dispo!livraison").
func leetDigit(c byte) byte {
	switch c {
	case '0':
		return 'o'
	case '1':
		return 'i'
	case '3':
		return 'e'
	case '4':
		return 'a'
	case '5':
		return 's'
	case '7':
		return 't'
	case '$':
		return 's'
	case '@':
		return 'a'
	}
	return 0
}

// survey reports, in one pass, whether b has a character deleet could
// replace, a run of three identical letters, and letters spaced apart (a
// single letter or digit followed by a spacer and another single one) or a
// double space, the only cases joinSpaced and squeezeSpaces change. De-leeting and collapsing never create or
// remove a spaced-out word, so that answer holds through those steps.
func survey(b []byte) (leet, run, spaced bool) {
	// One pass: the classes of bytes seen, a letter equal to the two
	// before it, and at each spacer (until one is found) the spaced-out
	// test below.
	var seen uint8
	var p1, p2 byte // the two bytes before b[i], 0 before the start
	for i, c := range b {
		cl := class[c]
		seen |= cl
		if c == p1 && c == p2 && cl&clLetter != 0 {
			run = true
		}
		// spacedAt's first tests, inline: a double space, or a letter or
		// digit before the spacer that nothing glues to the left.
		if cl&clSpacer != 0 && !spaced && (c == ' ' && p1 == ' ' || class[p1]&(clLetter|clDigit) != 0 && class[p2]&clGlue == 0) {
			spaced = spacedAt(b, i)
		}
		p2, p1 = p1, c
	}
	return seen&clLeet != 0, run, spaced
}

// spacedAt reports, for the spacer at b[i] (i > 0), a double space or a
// single letter or digit before it and another single one after at most
// three spacers.
func spacedAt(b []byte, i int) bool {
	if b[i] == ' ' && b[i-1] == ' ' {
		return true
	}
	if c := b[i-1]; !isAlnum(c) || i >= 2 && gluesLeft(b[i-2]) || !isSingle(b, i-1) {
		return false
	}
	for j := i; j < len(b) && j < i+3 && isSpacer(b[j]); j++ {
		if isSingle(b, j+1) {
			return true
		}
	}
	return false
}

// Byte-parallel tests on eight bytes of text.
const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
	swarLow7 = 0x7f7f7f7f7f7f7f7f
)

// hasZeroByte reports whether one of the eight bytes of v is 0.
func hasZeroByte(v uint64) bool { return (v-swarOnes)&^v&swarHigh != 0 }

// hasLeet reports whether one of the eight bytes of x is a digit, "$" or
// "@" (the bytes of class clLeet).
func hasLeet(x uint64) bool {
	v := x & swarLow7 // each byte's low 7 bits: no carry between bytes below
	ge0 := v + (0x80-'0')*swarOnes
	ge10 := v + (0x80-('9'+1))*swarOnes
	return ge0&^ge10&^x&swarHigh != 0 || // '0' <= byte <= '9', ASCII
		hasZeroByte(x^('$'*swarOnes)) || hasZeroByte(x^('@'*swarOnes))
}

// deleet replaces leetspeak inside words, in place. A run of digits (or $,
// @) is replaced when it sits between two letters of one word and every
// character of the run has a letter reading ("c0ke", "t1na", "c@ke"); a
// single digit that ends a word of at least three letters is replaced too
// ("cok3", "ket4"). A word that starts with a digit ("3mmc", "4mec", "5g",
// "20e") or a number on its own is never touched, and "@" followed by a
// domain is an e-mail address, not leet.
func deleet(b []byte) (changed bool) {
	for i := 0; i < len(b); {
		// Jump to the next digit, $ or @, then back to the start of its
		// word: most words have none.
		k := i
		for k+8 <= len(b) && !hasLeet(binary.LittleEndian.Uint64(b[k:])) {
			k += 8 // eight bytes at a time: most have none
		}
		for k < len(b) && class[b[k]]&clLeet == 0 {
			k++
		}
		if k == len(b) {
			break
		}
		for k > i && class[b[k-1]]&(clLetter|clDigit|clLeet) != 0 {
			k--
		}
		i = k
		j := i
		for j < len(b) && class[b[j]]&(clLetter|clDigit|clLeet) != 0 {
			j++
		}
		if i > 0 && b[i-1] >= utf8.RuneSelf {
			i = j // glued to another script: not ours to read
			continue
		}
		if deleetWord(b, i, j) {
			changed = true
		}
		i = j
	}
	return changed
}

// deleetWord handles the word b[start:end].
func deleetWord(b []byte, start, end int) (changed bool) {
	w, rest := b[start:end], b[end:]
	p := 0
	for p < len(w) && !isLetter(w[p]) {
		if isDigit(w[p]) {
			return // starts with a number: "3mmc", "20e", "5g"
		}
		p++ // a leading "@" or "$" (a handle, a price): read the rest
	}
	letters := 0
	for p < len(w) {
		if isLetter(w[p]) {
			letters++
			p++
			continue
		}
		q := p
		ok := true
		for q < len(w) && !isLetter(w[q]) {
			if leetDigit(w[q]) == 0 {
				ok = false
			}
			q++
		}
		switch {
		case !ok:
		case q < len(w): // between letters
			if hasByte(w[p:q], '@') && looksLikeEmail(b[start+q:]) {
				break
			}
			for k := p; k < q; k++ {
				w[k] = leetDigit(w[k])
			}
			letters += q - p
			changed = true
		case q-p == 1 && isDigit(w[p]) && letters >= 3 && endsWord(rest): // last character
			w[p] = leetDigit(w[p])
			changed = true
		}
		p = q
	}
	return changed
}

// endsWord reports whether the text after a word lets its last digit be
// read as a letter: the end, a space or punctuation, but not another
// script glued to it nor a decimal part ("ket4.5" is not "keta.5").
func endsWord(rest []byte) bool {
	if len(rest) == 0 {
		return true
	}
	if rest[0] >= utf8.RuneSelf {
		return false
	}
	if (rest[0] == '.' || rest[0] == ',') && len(rest) > 1 && isDigit(rest[1]) {
		return false
	}
	return true
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// looksLikeEmail reports whether b (the text after an "@") starts with a
// domain name: letters, then a dot, then letters.
func looksLikeEmail(b []byte) bool {
	i := 0
	for i < len(b) && (isAlnum(b[i]) || b[i] == '-') {
		i++
	}
	return i > 0 && i+1 < len(b) && b[i] == '.' && isLetter(b[i+1])
}

// isSpacer reports the characters sellers put between letters to break a
// word apart: "d i s p o", "t.i.n.a", "d-i-s-p-o", "d_i_s_p_o", "d/i/s".
func isSpacer(c byte) bool { return class[c]&clSpacer != 0 }

// joinSpaced joins, in place, three or more single characters separated by
// spacers ("d i s p o" -> "dispo", "t.1.n.a" -> "t1na" before de-leet).
// A joined word must start and end with a letter, so that numbers ("1 2
// 3", "0 800") stay apart; one or two single letters (French "y a", "à")
// are left alone. Dotted or dashed words end at a space ("t.i.n.a d.i.s.p.o"
// is two words), and a spaced-out word ends where dots begin ("d i s p o
// t.i.n.a").
func joinSpaced(b []byte) []byte {
	var segs [maxSingles]int // positions of the singles of the current run
	w := 0
	for i := 0; i < len(b); {
		if !isSingle(b, i) {
			b[w] = b[i]
			w++
			i++
			continue
		}
		// Collect the run of singles starting at i.
		n := 0
		segs[n] = i
		n++
		p := i + 1
		for n < maxSingles {
			q := p
			// A double space ends a spaced-out word: "c r y s t a l  a v a i l".
			for q < len(b) && q-p < 3 && isSpacer(b[q]) && !(b[q] == ' ' && q+1 < len(b) && b[q+1] == ' ') {
				q++
			}
			if q == p || q >= len(b) || !isSingle(b, q) {
				break
			}
			segs[n] = q
			n++
			p = q + 1
		}
		end := segs[n-1] + 1
		// Split the run into words and join each.
		for s := 0; s < n; {
			e := s // last single of this word
			typ := sepType(b, segs[s], nextPos(segs[:n], s, end))
			for e+1 < n {
				t := sepType(b, segs[e+1], nextPos(segs[:n], e+1, end))
				if e+1 == n-1 {
					t = typ // the last single has no separator after it
				}
				if t == typ {
					e++
					continue
				}
				if typ != ' ' {
					e++ // a dotted word keeps its last letter
				}
				break
			}
			w = joinWord(b, w, segs[:n], s, e, end)
			s = e + 1
		}
		i = end
	}
	return b[:w]
}

// squeezeSpaces reduces double spaces to one, in place, except between two
// single characters, where a second call must still see the word break
// ("a b  c d" stays, so that it is not read as "abcd" next time).
func squeezeSpaces(b []byte) []byte {
	w := 0
	for i := 0; i < len(b); i++ {
		if b[i] == ' ' && i+1 < len(b) && b[i+1] == ' ' && !(singleBefore(b[:w]) && singleAfter(b, i+2)) {
			continue
		}
		b[w] = b[i]
		w++
	}
	return b[:w]
}

// singleBefore reports whether out ends with a single character, possibly
// followed by a few spacers: the left side of a word break that must stay.
// out is the text already rewritten.
func singleBefore(out []byte) bool {
	k := len(out) - 1
	for n := 0; k >= 0 && n < 3 && isSpacer(out[k]); n++ {
		k--
	}
	return k >= 0 && isAlnum(out[k]) && (k == 0 || !gluesLeft(out[k-1])) && (k+1 == len(out) || !isWordByte(out[k+1]))
}

// singleAfter reports whether b has, from i, a few spacers then a single
// character.
func singleAfter(b []byte, i int) bool {
	for n := 0; i < len(b) && n < 3 && isSpacer(b[i]); n++ {
		i++
	}
	return isSingle(b, i)
}

// gluesLeft reports a character that makes the letter after it part of a
// word: a letter or digit, an apostrophe (j'ai), a colon (emoji:x), an @.
func gluesLeft(c byte) bool { return class[c]&clGlue != 0 }

// countLetters counts the letters among singles first..last, and the
// digits between them that read as letters ("t 1 n").
func countLetters(b []byte, segs []int, first, last int) int {
	n := 0
	for k := first; k <= last; k++ {
		if c := b[segs[k]]; isLetter(c) || leetDigit(c) != 0 {
			n++
		}
	}
	return n
}

// onlyWordLetters reports a run made only of letters that are words on
// their own in French or English ("il y a à manger", "a, à, y, ô, I"):
// those are sentences, not a word spaced out.
func onlyWordLetters(b []byte, segs []int, first, last int) bool {
	for k := first; k <= last; k++ {
		switch b[segs[k]] {
		case 'a', 'y', 'o', 'i':
		default:
			return false
		}
	}
	return true
}

// copySegs writes singles s..e and their separators unchanged.
func copySegs(b []byte, w int, segs []int, s, e, end int) int {
	stop := nextPos(segs, e, end)
	if e == len(segs)-1 {
		stop = end
	}
	for k := segs[s]; k < stop; k++ {
		b[w] = b[k]
		w++
	}
	return w
}

// dotted reports whether the letters at i and j are separated by dots or
// stars only ("c.c", "m*d"), not spaces or dashes ("y a", "a-t-il").
func dotted(b []byte, i, j int) bool {
	for k := i + 1; k < j; k++ {
		if b[k] != '.' && b[k] != '*' {
			return false
		}
	}
	return j > i+1
}

// maxSingles bounds a run of single characters; longer runs are split,
// which only matters for pathological input.
const maxSingles = 64

// nextPos returns the position after single k's separator: the next single,
// or end.
func nextPos(segs []int, k, end int) int {
	if k+1 < len(segs) {
		return segs[k+1]
	}
	return end
}

// sepType returns ' ' when the separator after the single at pos (up to
// next) is only spaces, else its first other character.
func sepType(b []byte, pos, next int) byte {
	for k := pos + 1; k < next; k++ {
		if b[k] != ' ' {
			return b[k]
		}
	}
	return ' '
}

// joinWord writes singles s..e of the run to b[w:], joined when they form
// a word (at least three, starting and ending with a letter), as they were
// otherwise; the separator after e is copied too unless e ends the run.
func joinWord(b []byte, w int, segs []int, s, e, end int) int {
	first, last := s, e
	for first <= last && !isLetter(b[segs[first]]) {
		first++
	}
	for last >= first && !isLetter(b[segs[last]]) {
		last--
	}
	// One digit at either end belongs to the word when three letters
	// remain: "t 1 n 4" is "t1n4" (tina), "3 m m c" is "3mmc".
	if letters := countLetters(b, segs, first, last); letters >= 3 {
		if last+1 <= e && isDigit(b[segs[last+1]]) && leetDigit(b[segs[last+1]]) != 0 {
			last++
		}
		if first-1 >= s && isDigit(b[segs[first-1]]) {
			first--
		}
	}
	if onlyWordLetters(b, segs, first, last) {
		return copySegs(b, w, segs, s, e, end)
	}
	minLen := 3
	if last == first+1 && dotted(b, segs[first], segs[last]) {
		minLen = 2 // "c.c", "m.d": two letters dotted apart are a word too
	}
	copyRange := func(from, to int) {
		for k := from; k < to; k++ {
			b[w] = b[k]
			w++
		}
	}
	stop := nextPos(segs, e, end)
	if e == len(segs)-1 {
		stop = end
	}
	if last-first+1 < minLen {
		copyRange(segs[s], stop)
		return w
	}
	copyRange(segs[s], segs[first])
	for k := first; k <= last; k++ {
		b[w] = b[segs[k]]
		w++
	}
	copyRange(segs[last]+1, stop)
	return w
}

// isSingle reports whether b[i] is a letter or digit standing alone between
// non-word characters. An apostrophe or colon next to it (j'ai, emoji:x)
// makes it part of a word.
func isSingle(b []byte, i int) bool {
	return i < len(b) && class[b[i]]&(clLetter|clDigit) != 0 &&
		(i == 0 || class[b[i-1]]&clGlue == 0) &&
		(i+1 >= len(b) || class[b[i+1]]&clStick == 0)
}
