package moderation

import (
	"bytes"
	"math/bits"
)

// item is a structural signal found among the numbers.
type item struct {
	kind        uint8 // iPrice, iPerUnit, iQuantity
	weak        bool  // a price with a weak currency ("20e"): counts only next to a product
	first, last int32 // tokens
}

const (
	iPrice uint8 = iota
	iPerUnit
	iQuantity
)

// targetFlags are what a supply or request term links to.
const targetFlags = fTarget | fPrice | fQuantity

// score finds every signal in the normalised text b, leaves the reasons
// (sorted, deduplicated) in sc.reasons and returns the score.
func (m *matcher) score(sc *scratch, b []byte) float64 {
	sc.reasons = sc.reasons[:0]
	sc.hits = sc.hits[:0]
	sc.items = sc.items[:0]
	for set := sc.dampSet; set != 0; set &= set - 1 {
		d := bits.TrailingZeros32(set)
		sc.damp[d] = 0
		sc.dampTop[d] = [3]rawReason{}
	}
	sc.dampSet = 0
	if len(b) == 0 {
		return 0
	}
	toks := m.tokenize(sc, b)
	ws := sc.ws[:0]
	brk := false
	for i := range toks {
		switch toks[i].kind {
		case kSymbol:
			if c := b[toks[i].start]; c == '.' || c == '!' || c == '?' {
				brk = true
			}
			continue
		case kWord, kNumber:
		case kPhone, kHandle, kLink, kEmail, kID:
			// In the sequence (with no word id) so that "dispo, mp" and
			// "menu: t.me/..." see the contact next to the supply word; a
			// help line or a health service is not a contact channel.
			if m.isHealth(sc, b, toks[i]) {
				toks[i].flags |= fHealth
			} else {
				toks[i].flags |= fContact
			}
		default:
			continue
		}
		if brk {
			toks[i].flags |= fBreak
			brk = false
		}
		toks[i].wsi = int32(len(ws))
		ws = append(ws, int32(i))
	}
	sc.ws = ws
	m.numbers(sc, b, toks)
	// Whether a token is a target (fTarget): only match and
	// markShorthands mark them.
	anyTarget := m.match(sc, toks, ws)
	if m.markShorthands(b, toks, ws) {
		anyTarget = true
	}
	anyPrice := len(sc.items) > 0

	// Lexicon terms.
	for _, h := range sc.hits {
		e := &m.entries[h.entry]
		start, end := toks[ws[h.w0]].start, toks[ws[h.w1-1]].end
		switch e.polarity {
		case dampener:
			sc.dampen(b, e.code, e.weight, start, end)
			continue
		case neutral:
			continue
		}
		w := e.weight
		if e.link != linkNone {
			ok, at := m.linked(toks, ws, e.link, h.w0, h.w1, e.code)
			switch {
			case !ok:
				w = e.alone
			case at >= 0 && e.link != linkNear:
				// Show the request with its product: "qui a de la tina".
				t := toks[ws[at]]
				if t.end > end && t.end-start <= maxEvidence {
					end = t.end
				} else if t.start < start && end-t.start <= maxEvidence {
					start = t.start
				}
			}
		}
		sc.add(e.code, w, start, end)
	}

	// Prices and quantities.
	for _, it := range sc.items {
		t := toks[it.first]
		start, end := t.start, toks[it.last].end
		num := it.first
		for toks[num].kind != kNumber && num < it.last {
			num++
		}
		at := toks[num].wsi
		switch it.kind {
		case iPrice:
			w := m.st.price.alone
			if it.weak {
				w = 0
			}
			if near(toks, ws, at, priceWindow, fTarget|fQuantity|fSells, it) {
				w = m.st.price.weight
			}
			sc.add(cPrice, w, start, end)
		case iPerUnit:
			w := m.st.perUnit.alone
			if near(toks, ws, at, priceWindow, fTarget|fSupply, it) {
				w = m.st.perUnit.weight
			}
			sc.add(cPrice, w, start, end)
		case iQuantity:
			w := m.st.quantity.alone
			if near(toks, ws, at, quantityNear, fTarget, it) {
				w = m.st.quantity.weight
			}
			sc.add(cQuantity, w, start, end)
		}
	}

	// Phone numbers, accounts, links; and the past tense of verbs the
	// lexicon does not list.
	for i := range toks {
		t := &toks[i]
		if t.kind == kSymbol || t.kind == kWord && t.id != 0 {
			continue
		}
		s := b[t.start:t.end]
		switch t.kind {
		case kWord:
			if m.st.pastTense.weight > 0 && m.isPastTense(sc, s) {
				sc.dampen(b, cStory, m.st.pastTense.weight, t.start, t.end)
			}
		case kNumber:
			if t.flags&fConsumed == 0 && len(s) >= 4 && allDigits(s) && m.isShortHelpline(s) {
				sc.dampen(b, cHealthService, m.st.health.weight, t.start, t.end)
			}
		case kPhone:
			if t.flags&fHealth != 0 {
				sc.dampen(b, cHealthService, m.st.health.weight, t.start, t.end)
				continue
			}
			w := m.st.phone.alone
			if anyTarget || anyPrice {
				w = m.st.phone.weight
			}
			sc.add(cPhone, w, t.start, t.end)
		case kHandle:
			w := m.st.handle.alone
			if m.hasKeyword(sc, s[1:]) || anyTarget || anyPrice {
				w = m.st.handle.weight
			}
			sc.add(cHandle, w, t.start, t.end)
		case kEmail:
			sc.add(cContact, m.st.email.weight, t.start, t.end)
		case kID:
			sc.add(cContact, m.st.accountID.weight, t.start, t.end)
		case kLink:
			host := hostOf(unsafeString(s))
			switch {
			case t.flags&fHealth != 0:
				sc.dampen(b, cHealthService, m.st.health.weight, t.start, t.end)
			case domainIn(host, m.messenger):
				w := m.st.messenger.alone
				if anyTarget || m.hasKeyword(sc, s) {
					w = m.st.messenger.weight
				}
				sc.add(cLink, w, t.start, t.end)
			default:
				w := m.st.link.alone
				if m.hasKeyword(sc, s) {
					w = m.st.link.weight
				}
				sc.add(cLink, w, t.start, t.end)
			}
		}
	}

	// Reported speech: a message that quotes a seller ("il m'a envoyé
	// « 3mmc 20/g dispo »") is a warning or a story, not an offer; what is
	// inside quotes counts half, unless the quote is the whole message.
	if qs, qe, ok := quoteSpan(b); ok {
		for i := range sc.reasons {
			if r := &sc.reasons[i]; r.start >= qs && r.start < qe {
				r.w *= quoteShare
			}
		}
	}

	// Dampeners lower the signals they explain.
	var present uint32
	for _, r := range sc.reasons {
		present |= 1 << uint(r.code)
	}
	for set := sc.dampSet; set != 0; set &= set - 1 {
		d := bits.TrailingZeros32(set)
		if sc.damp[d] == 0 || (m.affects[d]|m.halves[d])&present == 0 {
			continue
		}
		for i := range sc.reasons {
			bit := uint32(1) << uint(sc.reasons[i].code)
			switch {
			case m.affects[d]&bit != 0:
				sc.reasons[i].w *= 1 - sc.damp[d]
			case m.halves[d]&bit != 0:
				sc.reasons[i].w *= 1 - sc.damp[d]/2
			}
		}
	}
	n := 0
	for _, r := range sc.reasons {
		if r.w >= 0.005 {
			sc.reasons[n] = r
			n++
		}
	}
	sc.reasons = sc.reasons[:n]
	for set := sc.dampSet; set != 0; set &= set - 1 {
		d := bits.TrailingZeros32(set)
		if sc.damp[d] > 0 && (m.affects[d]|m.halves[d])&present != 0 {
			sc.reasons = append(sc.reasons, sc.dampAt[d])
		}
	}
	sc.sortDedup(b)

	// Noisy-OR over all signals, except that within the codes a member's
	// story is made of (product names, doses, prices, dealer words, private
	// contact) each further signal counts half as much as the previous
	// one: "tina, G, 3mmc, coke, j'ai tout pris" does not add up to an
	// offer. Supply and request wording, and product emoji (🔌❄️💎🍬 is a
	// seller's menu, not a story), count fully.
	var rank [numCodes]int
	keep := 1.0
	for _, r := range sc.reasons {
		if r.w <= 0 {
			continue
		}
		c := r.w
		if diminishing(r.code) {
			for k := 0; k < rank[r.code]; k++ {
				c /= 2
			}
		}
		rank[r.code]++
		keep *= 1 - c
	}
	score := 1 - keep
	if score < 0 {
		score = 0
	}
	if score > 1 {
		score = 1
	}
	return score
}

// maxReasons bounds the signals kept for one text: a real message has a
// handful, and sorting stays cheap on a pathological one.
const maxReasons = 64

// diminishing reports the codes whose repeated signals count less and less.
func diminishing(code int8) bool {
	switch code {
	case cProduct, cPrice, cQuantity, cDealer, cContact:
		return true
	}
	return false
}

func (sc *scratch) add(code int8, w float64, start, end int32) {
	if w <= 0 || len(sc.reasons) >= maxReasons {
		return
	}
	sc.reasons = append(sc.reasons, rawReason{code: code, w: w, start: start, end: end})
}

// dampen records a dampener: the strongest of each kind counts.
// dampen records a dampener. Up to three different terms of one kind
// count: each further one half as much as the previous, so that a warning
// that says "signalés", "répondez pas" and "prévenez les modos" weighs more
// than one that only says "attention".
func (sc *scratch) dampen(b []byte, code int8, w float64, start, end int32) {
	if w <= 0 {
		return
	}
	top := &sc.dampTop[code]
	r := rawReason{code: code, w: w, start: start, end: end}
	for k := 0; k < len(top); k++ {
		if top[k].w > 0 && string(evidenceOf(b, top[k])) == string(evidenceOf(b, r)) {
			if w <= top[k].w {
				return
			}
			copy(top[k:], top[k+1:])
			top[len(top)-1] = rawReason{}
			break
		}
	}
	for k := 0; k < len(top); k++ {
		if w > top[k].w {
			copy(top[k+1:], top[k:len(top)-1])
			top[k] = r
			break
		}
	}
	keep := 1.0
	for k, t := range top {
		keep *= 1 - t.w/float64(int(1)<<k)
	}
	sc.damp[code] = 1 - keep
	sc.dampSet |= 1 << uint(code)
	sc.dampAt[code] = rawReason{code: code, w: -(1 - keep), start: top[0].start, end: top[0].end}
}

// near reports whether a token with one of flags lies within window words
// of word position at, outside the item's own tokens.
func near(toks []token, ws []int32, at int32, window int, flags uint16, it item) bool {
	if at < 0 {
		return false
	}
	lo, hi := int(at)-window, int(at)+window
	if lo < 0 {
		lo = 0
	}
	if hi >= len(ws) {
		hi = len(ws) - 1
	}
	for q := lo; q <= hi; q++ {
		ti := ws[q]
		if ti >= it.first && ti <= it.last {
			continue
		}
		if toks[ti].flags&flags != 0 {
			return true
		}
	}
	return false
}

// numbers finds prices, prices per unit and quantities: a number with a
// currency ("50€", "€50", "50 balles"), with a unit ("5g", "10 ml"), or
// both ("20/g", "20€ le g", "60 le demi", "le g à 60").
func (m *matcher) numbers(sc *scratch, b []byte, toks []token) {
	for i := 0; i < len(toks); i++ {
		t := &toks[i]
		if t.kind != kNumber || t.flags&fConsumed != 0 {
			continue
		}
		first, last := i, i
		price, weak, perUnit := false, false, false
		if i > 0 && toks[i-1].kind == kSymbol && m.hasFlag(toks[i-1], wCurrency) && adjacent(b, toks[i-1], *t) {
			price, first = true, i-1
		}
		j := i + 1
		if j < len(toks) && adjacent(b, toks[last], toks[j]) {
			switch {
			case m.hasFlag(toks[j], wCurrency):
				price, weak, last = true, false, j
				j++
			case m.hasFlag(toks[j], wWeakCurrency) && !price:
				price, weak, last = true, true, j
				j++
			}
		}
		// Forward price per unit: "20/g", "20€ le g", "60 le demi", "100 les 5g".
		if j < len(toks) && adjacent(b, toks[last], toks[j]) && (isSlash(b, toks[j]) || m.hasFlag(toks[j], wPerUnit)) {
			k := j + 1
			if k+1 < len(toks) && toks[k].kind == kNumber && m.hasFlag(toks[k+1], wUnit) {
				k++
			}
			if k < len(toks) && m.hasFlag(toks[k], wUnit) && toks[k].kind == kWord {
				perUnit, last = true, k
				j = k + 1
			}
		}
		// Backward: "le g à 60", "1g = 60": a unit, a per-unit word or "=",
		// then this number with nothing glued after it (not "20h").
		if !perUnit && i >= 2 && (isSymbol(b, toks[i-1], '=') || m.hasFlag(toks[i-1], wPerUnit)) &&
			m.hasFlag(toks[i-2], wUnit) && toks[i-2].kind == kWord && (price || !gluedWord(b, toks, i)) {
			perUnit = true
			first = i - 2
			if i >= 3 && toks[i-3].kind == kNumber && toks[i-3].flags&fQuantity != 0 {
				first = i - 3
			}
		}
		kind := iPrice
		switch {
		case perUnit:
			kind = iPerUnit
		case price:
		case j < len(toks) && m.hasFlag(toks[j], wUnit) && toks[j].kind == kWord && adjacent(b, *t, toks[j]):
			kind, last = iQuantity, j
		default:
			continue
		}
		for k := first; k <= last; k++ {
			toks[k].flags |= fConsumed
		}
		switch kind {
		case iQuantity:
			toks[i].flags |= fQuantity
			toks[last].flags |= fQuantity
		case iPerUnit:
			// Only a price per unit is what supply wording links to: a sum
			// of money and a word like "si ça intéresse" would otherwise
			// vouch for each other ("je vends mon vélo si ça intéresse,
			// 80€").
			toks[i].flags |= fPrice
		}
		sc.items = append(sc.items, item{kind: kind, weak: weak && !perUnit, first: int32(first), last: int32(last)})
		i = last
	}
}

func (m *matcher) hasFlag(t token, f uint8) bool {
	return t.id != 0 && m.flags[t.id]&f != 0
}

// adjacent reports tokens separated by at most one space.
func adjacent(b []byte, a, c token) bool {
	gap := c.start - a.end
	return gap == 0 || gap == 1 && b[a.end] == ' '
}

func isSlash(b []byte, t token) bool { return isSymbol(b, t, '/') }

func isSymbol(b []byte, t token, c byte) bool {
	return t.kind == kSymbol && t.end-t.start == 1 && b[t.start] == c
}

// gluedWord reports a word glued to number i ("20h", "3x").
func gluedWord(b []byte, toks []token, i int) bool {
	return i+1 < len(toks) && toks[i+1].start == toks[i].end && toks[i+1].kind == kWord
}

// match finds lexicon terms, longest first, and marks products; it
// reports whether it marked a target.
func (m *matcher) match(sc *scratch, toks []token, ws []int32) (anyTarget bool) {
	for p := 0; p < len(ws); {
		t := &toks[ws[p]]
		if t.id == 0 || t.flags&fConsumed != 0 {
			p++
			continue
		}
		// Walk the trie as far as the text allows; keep the longest phrase.
		step := m.root[t.id]
		if step.next == 0 {
			p++
			continue
		}
		best, n := step.term, 1
		node, kids := step.next, &step.kids
		for k := p + 1; k < len(ws); k++ {
			tk := &toks[ws[k]]
			if tk.id == 0 || tk.flags&(fConsumed|fBreak) != 0 || kids[tk.id/64%2]&(1<<(uint32(tk.id)%64)) == 0 {
				break
			}
			next := m.edges.get(uint64(node)<<32 | uint64(uint32(tk.id)))
			if next == 0 {
				break
			}
			node = next
			nd := &m.nodes[node]
			kids = &nd.kids
			if nd.term >= 0 {
				best, n = nd.term, k-p+1
			}
		}
		if best < 0 {
			p++
			continue
		}
		for _, e := range m.phraseEnt[m.phraseOff[best]:m.phraseOff[best+1]] {
			sc.hits = append(sc.hits, hit{entry: e, w0: int32(p), w1: int32(p + n)})
			if f := m.entFlag[e]; f != 0 {
				for k := p; k < p+n; k++ {
					toks[ws[k]].flags |= f
				}
				if f&fTarget != 0 {
					anyTarget = true
				}
			}
		}
		p += n
	}
	return anyTarget
}

// markShorthands marks products named by one character after an article:
// "la 3", "de la 4" (3-MMC, 4-MMC), "de la T" (Tina), "de la C" (cocaine),
// "du K", also when the article belongs to a phrase ("j'ai de la 3", "ya de
// la T"). Alone these characters mean nothing.
func (m *matcher) markShorthands(b []byte, toks []token, ws []int32) (marked bool) {
	for q := 1; q < len(ws); q++ {
		t := &toks[ws[q]]
		if t.end-t.start != 1 || t.flags&fConsumed != 0 {
			continue
		}
		switch c := b[t.start]; {
		case t.kind == kNumber && '2' <= c && c <= '4' && !gluedWord(b, toks, int(ws[q])):
		case t.kind == kWord && (c == 't' || c == 'c' || c == 'k' || c == 'g'):
			if int(t.end) < len(b) && b[t.end] == '\'' {
				continue // "t'as", "c'est"
			}
		default:
			continue
		}
		p := toks[ws[q-1]]
		if p.kind == kWord && p.id != 0 && (p.id == m.la || p.id == m.du || p.id == m.de) && p.end+1 == t.start {
			t.flags |= fTarget
			marked = true
		}
	}
	return marked
}

// linked reports whether the term at words [w0, w1) has what it needs
// next to it, and where (a word position, or -1). Supply wording also
// accepts a contact channel ("dispo, mp", "menu: t.me/..."); a request
// needs a product.
func (m *matcher) linked(toks []token, ws []int32, mode linkMode, w0, w1 int32, code int8) (bool, int32) {
	switch mode {
	case linkNear:
		window, want := nearWindow, targetFlags
		if code == cOffer || code == cDelivery || code == cStock {
			window = contactNear
		}
		lo, hi := int(w0)-window, int(w1)+window
		if lo < 0 {
			lo = 0
		}
		if hi > len(ws) {
			hi = len(ws)
		}
		for q := lo; q < hi; q++ {
			if q >= int(w0) && q < int(w1) {
				continue
			}
			f := toks[ws[q]].flags
			d := q - int(w1) + 1
			if q < int(w0) {
				d = int(w0) - q
			}
			if f&want != 0 && d <= nearWindow || f&fContact != 0 && window == contactNear {
				return true, int32(q)
			}
		}
		return false, -1
	case linkAfter:
		return m.scan(toks, ws, int(w1), 1)
	case linkAsk:
		if m.endsQuestion(toks, ws[w1-1]) {
			return true, -1
		}
		return m.scan(toks, ws, int(w1), 1)
	case linkBefore:
		return m.scan(toks, ws, int(w0)-1, -1)
	case linkEither:
		if ok, at := m.scan(toks, ws, int(w1), 1); ok {
			return ok, at
		}
		return m.scan(toks, ws, int(w0)-1, -1)
	}
	return true, -1
}

// endsQuestion reports whether the request ending at token last is
// followed, after at most a few small words, by a question mark: "qui a
// ?", "t'as de quoi ce soir ?", "anyone holding tonight?". The question
// stands for the product named earlier or implied. Only terms with link
// "ask" read it so: "qui est chaud ?" is about a hike.
func (m *matcher) endsQuestion(toks []token, last int32) bool {
	for k, skipped := int(last)+1, 0; k < len(toks) && skipped <= 3; k++ {
		t := toks[k]
		switch {
		case t.kind == kSymbol && t.id == m.question:
			return true
		case m.hasFlag(t, wFiller):
			skipped++
		default:
			return false
		}
	}
	return false
}

// scan walks from word q in direction dir over small words (fillers,
// numbers) and reports whether the first other word is a target.
func (m *matcher) scan(toks []token, ws []int32, q, dir int) (bool, int32) {
	for skipped := 0; q >= 0 && q < len(ws); q += dir {
		t := &toks[ws[q]]
		if t.flags&targetFlags != 0 {
			return true, int32(q)
		}
		if skipped >= maxFillers {
			break
		}
		if t.kind == kNumber || m.hasFlag(*t, wFiller) {
			skipped++
			continue
		}
		break
	}
	return false, -1
}

// isHealth reports a help-line phone number or a link to a health service.
func (m *matcher) isHealth(sc *scratch, b []byte, t token) bool {
	s := b[t.start:t.end]
	switch t.kind {
	case kPhone:
		sc.undouble = sc.undouble[:0]
		for _, c := range s {
			if isDigit(c) {
				sc.undouble = append(sc.undouble, c)
			}
		}
		return m.isHelpline(sc.undouble, s[0] == '+')
	case kLink:
		return domainIn(hostOf(unsafeString(s)), m.health)
	}
	return false
}

// isPastTense reports a French verb in the imperfect ("payais", "prenait",
// "allaient"): a story. The conditional ("voudrais", "pourrait"), which
// asks, ends in -rais and is left out, as are the words of
// vocabulary.not_past_tense ("mais", "jamais", "anglais", "s'il te plait").
func (m *matcher) isPastTense(sc *scratch, w []byte) bool {
	n := len(w)
	var stem int
	switch {
	case n >= 7 && string(w[n-5:]) == "aient":
		stem = n - 5
	case n >= 5 && (string(w[n-3:]) == "ais" || string(w[n-3:]) == "ait"):
		stem = n - 3
	default:
		return false
	}
	if stem < 2 || w[stem-1] == 'r' || !isLetter(w[stem-1]) {
		return false
	}
	for _, c := range w {
		if !isLetter(c) {
			return false
		}
	}
	if id := m.table.get(w); id != 0 && m.flags[id]&wNotPast != 0 {
		return false
	}
	return true
}

// quoteShare is what a signal inside quotation marks counts.
const quoteShare = 0.5

// quoteSpan returns the span from the first to the last double quote of b
// when it leaves at least a third of the message outside.
func quoteSpan(b []byte) (int32, int32, bool) {
	first := bytes.IndexByte(b, '"')
	if first < 0 {
		return 0, 0, false
	}
	last := bytes.LastIndexByte(b, '"')
	if last == first || (last-first)*3 > len(b)*2 {
		return 0, 0, false
	}
	return int32(first), int32(last), true
}
