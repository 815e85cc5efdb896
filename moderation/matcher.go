package moderation

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Code indexes, in the order of codeNames.
const (
	cOffer int8 = iota
	cDelivery
	cStock
	cContact
	cPhone
	cHandle
	cLink
	cPrice
	cQuantity
	cProduct
	cDealer
	cEmoji
	cSolicitation
	cUrgency
	cNewMember
	cStory
	cHarmReduction
	cWarning
	cTalk
	cRecovery
	cHealthService
	cNeutral
	cLearned
	numCodes
)

var codeNames = [numCodes]string{
	CodeOffer, CodeDelivery, CodeStock, CodeContactChannel, CodePhone, CodeHandle, CodeLink, CodePrice,
	CodeQuantity, CodeProduct, CodeDealer, CodeEmoji, CodeSolicitation, CodeUrgency, CodeNewMember,
	CodeStory, CodeHarmReduction, CodeWarning, CodeTalk, CodeRecovery, CodeHealthService, "neutral",
	CodeLearned,
}

func codeIndex(name string) int8 {
	for i, n := range codeNames {
		if n == name {
			return int8(i)
		}
	}
	return -1
}

// Word flags, from the vocabulary lists.
const (
	wFiller uint8 = 1 << iota
	wCurrency
	wWeakCurrency
	wUnit
	wPerUnit
	wTargetWord // a one-word product or dealer term: makes a handle or link a seller's
	wNotPast    // ends like a verb in the imperfect but is not one ("mais", "anglais")
	wAlias      // stands for other words (words[id].alias)
)

// wordInfo is what the matcher knows of one dictionary word.
type wordInfo struct {
	flags uint8
	alias []int32 // the words an alias stands for ("qqn" -> quelqu un)
}

// entry is one compiled lexicon term: its category, how it links, what it
// weighs.
type entry struct {
	code     int8
	polarity int8
	target   bool
	link     linkMode
	weight   float64
	alone    float64
}

// phrase is a sequence of word ids and the entries it triggers: the same
// phrase may be listed in several categories ("envie de parler" is talk
// and neutral).
type phrase struct {
	ids     []int32
	entries []int32
}

// weights are the structural weights, resolved from the lexicon.
type weights struct {
	price, perUnit, quantity, phone, handle, link, messenger, email, health, accountID, pastTense structWeight
	newMember                                                                                     float64
}

// matcher is the compiled form of a lexicon.
type matcher struct {
	dict        map[string]int32 // while compiling only
	words       []wordInfo       // by id; id 0 is "unknown"
	flags       []uint8          // by id: words[id].flags
	phrases     []phrase
	trans       map[uint64]int32 // trie of phrases: node<<32 | word id -> next node (compiling)
	edges       *edgeTable       // the same, for matching
	root        []rootStep       // by word id: the trie node after it from the root
	phraseOff   []int32          // by phrase: where its entries start in phraseEnt
	phraseEnt   []int32
	entFlag     []uint16 // by entry: the flag its matches set on their tokens
	table       *wordTable
	nodes       []trieNode // by node: the phrase that ends there and a filter of its children
	entries     []entry
	st          weights
	helplines   []string
	helplinesCC []string // helplineCC(helplines)
	health      []string
	messenger   []string
	tlds        map[string]bool
	keywords    []string
	question    int32                // the id of "?"
	symbol      [utf8.RuneSelf]int32 // the id of each ASCII character as a word
	la, du, de  int32                // the ids of "la", "du", "de"
	affects     [numCodes]uint32     // dampener -> bit set of the positive codes it lowers fully
	halves      [numCodes]uint32     // dampener -> codes it lowers by half its weight
}

// Link windows, in words. Supply wording looks for a product within a
// short sentence; a request accepts only small words between it and the
// product ("qui a DE LA BONNE tina"), so that "qui a déjà pris de la tina"
// (a question about experience) is not a request.
const (
	nearWindow   = 6
	contactNear  = 12 // supply wording and a contact channel: within a short message
	maxFillers   = 6
	priceWindow  = 6
	quantityNear = 4
)

func compile(lex *Lexicon) *matcher {
	m := &matcher{dict: map[string]int32{}, words: []wordInfo{{}}, tlds: map[string]bool{}}
	id := func(w string) int32 {
		if v, ok := m.dict[w]; ok {
			return v
		}
		v := int32(len(m.words))
		m.dict[w] = v
		m.words = append(m.words, wordInfo{})
		return v
	}
	m.question = id("?")
	m.la, m.du, m.de = id("la"), id("du"), id("de")
	for list, flag := range map[string]uint8{"fillers": wFiller, "currencies": wCurrency, "weak_currencies": wWeakCurrency,
		"units": wUnit, "per_unit": wPerUnit, "not_past_tense": wNotPast} {
		for _, w := range lex.vocab[list] {
			m.words[id(w)].flags |= flag
		}
	}
	m.helplines = lex.vocab["helplines"]
	m.helplinesCC = helplineCC(m.helplines)
	m.health = lex.vocab["health_domains"]
	m.messenger = lex.vocab["messenger_domains"]
	for _, t := range lex.vocab["link_tlds"] {
		m.tlds[strings.TrimPrefix(t, ".")] = true
	}
	m.keywords = lex.vocab["keywords"]

	aliasKeys := make([]string, 0, len(lex.aliases))
	for k := range lex.aliases {
		aliasKeys = append(aliasKeys, k)
	}
	sort.Strings(aliasKeys)
	for _, k := range aliasKeys {
		var ids []int32
		for _, w := range termWords(lex.aliases[k]) {
			ids = append(ids, id(w))
		}
		m.words[id(k)].alias = ids
		m.words[id(k)].flags |= wAlias
	}

	byKey := map[string]int{}
	addPhrase := func(ids []int32, e int32) {
		var sb strings.Builder
		for _, x := range ids {
			sb.WriteString(strconv.Itoa(int(x)))
			sb.WriteByte(' ')
		}
		k := sb.String()
		if i, ok := byKey[k]; ok {
			m.phrases[i].entries = append(m.phrases[i].entries, e)
			return
		}
		byKey[k] = len(m.phrases)
		m.phrases = append(m.phrases, phrase{ids: ids, entries: []int32{e}})
	}
	for _, s := range lex.signals {
		cat := categories[s.code]
		e := entry{code: codeIndex(s.code), polarity: int8(cat.polarity), target: cat.target, link: s.link,
			weight: s.weight, alone: s.alone}
		if s.code == "neutral" {
			e.code = cNeutral
		}
		m.entries = append(m.entries, e)
		ei := int32(len(m.entries) - 1)
		words := termWords(s.key)
		if len(words) == 0 {
			continue
		}
		// Terms are read like messages: an alias in a term ("qqn a")
		// stands for the same words as in a message.
		var ids []int32
		for _, w := range words {
			if v, ok := lex.aliases[w]; ok {
				for _, aw := range termWords(v) {
					ids = append(ids, id(aw))
				}
				continue
			}
			ids = append(ids, id(w))
		}
		addPhrase(ids, ei)
		if len(words) == 1 && cat.target && len(words[0]) >= 2 {
			m.words[ids[0]].flags |= wTargetWord
		}
		if len(words) > 1 && allPlain(words) {
			// "3-mmc" also matches "3mmc", "a vendre" also "avendre".
			addPhrase([]int32{id(strings.Join(words, ""))}, ei)
		}
	}

	// Words are also found with their double letters removed, so that
	// "arrivvage" or "dispoo" match; an exact word wins over another's
	// undoubled form.
	words := make([]string, 0, len(m.dict))
	for w := range m.dict {
		words = append(words, w)
	}
	sort.Strings(words)
	for _, w := range words {
		if u := undouble(nil, []byte(w)); string(u) != w {
			if _, ok := m.dict[string(u)]; !ok {
				m.dict[string(u)] = m.dict[w]
			}
		}
	}

	// A trie over word ids: one map lookup per word of the text walks all
	// phrases at once.
	m.trans = map[uint64]int32{}
	m.nodes = []trieNode{{term: -1}} // node 0 is the root
	for i, p := range m.phrases {
		node := int32(0)
		for _, w := range p.ids {
			key := uint64(node)<<32 | uint64(uint32(w))
			next, ok := m.trans[key]
			if !ok {
				next = int32(len(m.nodes))
				m.nodes = append(m.nodes, trieNode{term: -1})
				m.trans[key] = next
				m.nodes[node].kids[w/64%2] |= 1 << (uint32(w) % 64)
			}
			node = next
		}
		m.nodes[node].term = int32(i)
	}
	m.edges = newEdgeTable(m.trans)
	// The first step from the root, by word id, with the one-word phrase it
	// completes: most matches stop there and touch nothing else.
	m.root = make([]rootStep, len(m.words))
	for id := range m.words {
		m.root[id].term = -1
		if next, ok := m.trans[uint64(uint32(id))]; ok {
			m.root[id] = rootStep{next: next, term: m.nodes[next].term, kids: m.nodes[next].kids}
		}
	}
	// Phrase entries in one flat array, and the token flag each entry
	// sets, for the same reason.
	m.phraseOff = make([]int32, len(m.phrases)+1)
	for i, p := range m.phrases {
		m.phraseOff[i] = int32(len(m.phraseEnt))
		m.phraseEnt = append(m.phraseEnt, p.entries...)
	}
	m.phraseOff[len(m.phrases)] = int32(len(m.phraseEnt))
	m.entFlag = make([]uint16, len(m.entries))
	for i, en := range m.entries {
		switch {
		case en.target:
			m.entFlag[i] = fTarget
		case en.code == cContact:
			m.entFlag[i] = fContact
		case en.polarity == positive && (en.code == cOffer || en.code == cDelivery || en.code == cStock) &&
			en.alone >= selfStanding:
			// Supply wording that stands on its own ("dispo",
			// "livraison") makes a nearby price per unit an offer's.
			m.entFlag[i] = fSupply
			if en.alone >= sellsAlone {
				m.entFlag[i] |= fSells
			}
		}
	}
	m.table = newWordTable(m.dict)
	m.dict = nil // the table answers from now on
	for c := range m.symbol {
		m.symbol[c] = m.table.get([]byte{byte(c)})
	}
	// The flags are read for every word of every message: a compact copy
	// stays in cache.
	m.flags = make([]uint8, len(m.words))
	for i, w := range m.words {
		m.flags[i] = w.flags
	}

	sw := func(k string) structWeight { return lex.structure[k] }
	m.st = weights{price: sw("price"), perUnit: sw("price_per_unit"), quantity: sw("quantity"), phone: sw("phone"),
		handle: sw("handle"), link: sw("link"), messenger: sw("messenger_link"), email: sw("email"),
		health: sw("health_service"), newMember: sw("new_member").weight}

	for name, cat := range categories {
		if cat.polarity != dampener {
			continue
		}
		var mask, half uint32
		for _, a := range cat.affects {
			mask |= 1 << uint(codeIndex(a))
		}
		for _, a := range cat.halves {
			half |= 1 << uint(codeIndex(a))
		}
		m.affects[codeIndex(name)] = mask
		m.halves[codeIndex(name)] = half
	}
	m.affects[cHealthService] = m.affects[cWarning]
	m.st.accountID = sw("account_id")
	m.st.pastTense = sw("past_tense")
	return m
}

func allPlain(words []string) bool {
	for _, w := range words {
		if !isPlainWord(w) {
			return false
		}
	}
	return true
}

// undouble appends w with every run of a repeated ASCII letter reduced to
// one letter.
func undouble(dst, w []byte) []byte {
	for i := 0; i < len(w); i++ {
		if i > 0 && w[i] == w[i-1] && isLetter(w[i]) {
			continue
		}
		dst = append(dst, w[i])
	}
	return dst
}

func hasDouble(w []byte) bool {
	for i := 1; i < len(w); i++ {
		if w[i] == w[i-1] && isLetter(w[i]) {
			return true
		}
	}
	return false
}

// termWords splits a normalised term into the words the tokenizer would
// see: runs of letters and digits, and emoji codes ("emoji:plug").
func termWords(s string) []string {
	b := []byte(s)
	var out []string
	for i := 0; i < len(b); {
		if end := emojiEnd(b, i); end > 0 {
			out = append(out, s[i:end])
			i = end
			continue
		}
		if isWordStart(b, i) {
			j := wordEnd(b, i)
			out = append(out, s[i:j])
			i = j
			continue
		}
		i++
	}
	return out
}

// Token kinds.
const (
	kWord uint8 = iota
	kNumber
	kSymbol
	kPhone
	kHandle
	kLink
	kEmail
	kID // a messenger account id
)

// Token flags.
const (
	fConsumed uint16 = 1 << iota // part of a price or quantity: not matched as a word
	fTarget                      // a product, dealer word or product emoji
	fPrice
	fQuantity
	fContact // a contact channel, phone number, account, link
	fSupply  // supply wording (offer, delivery, stock) that stands on its own
	fHealth  // a help line or a health-service link
	fSells   // supply wording strong enough to make a nearby sum a price ("je fournis, 50 balles")
	fBreak   // the first word of a sentence: phrases do not run across "." "!" "?"
)

// selfStanding is the "alone" weight from which supply wording counts as
// standing on its own.
const selfStanding = 0.25

// sellsAlone is the "alone" weight from which supply wording makes a sum of
// money next to it a selling price: "je fournis tout, participation 50
// balles" is, "si ça intéresse, 80€" is not (a bike for sale).
const sellsAlone = 0.35

type token struct {
	start, end int32
	id         int32
	wsi        int32  // index in the word sequence, -1 if not in it
	uh         uint32 // a word's unigram feature hash (features.go), found while it is scanned
	grams      int32  // where a word's n-gram cells start in the word table's grams, -1: not there
	kind       uint8
	flags      uint16
}

type hit struct {
	entry  int32
	w0, w1 int32 // word sequence range
}

// isWordStart reports an ASCII letter or digit, or a non-ASCII letter or
// digit, at b[i].
func isWordStart(b []byte, i int) bool {
	c := b[i]
	if c < utf8.RuneSelf {
		return isAlnum(c)
	}
	r, _ := utf8.DecodeRune(b[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// wordEnd returns the end of the word starting at i.
func wordEnd(b []byte, i int) int {
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			if !isAlnum(c) {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return i
		}
		i += n
	}
	return i
}

// emojiEnd returns the end of an "emoji:name" word at i, or 0.
func emojiEnd(b []byte, i int) int {
	const p = "emoji:"
	if len(b)-i <= len(p) || string(b[i:i+len(p)]) != p || !isLetter(b[i+len(p)]) {
		return 0
	}
	j := i + len(p)
	for j < len(b) && isLetter(b[j]) {
		j++
	}
	return j
}

// lookup returns the word's id. A word the lexicon does not list is
// tried without its double letters ("arrivvage"), then without a plural
// or feminine ending ("livrées" -> "livre", "plugs" -> "plug", "needs" ->
// "need"), then without an English -ed or -ing ("shipped", "delivering")
// or a French verb ending ("arnaquer", "cherchez", "livrent"), so that the
// lexicon need not list every form.
func (m *matcher) lookup(sc *scratch, w []byte) int32 {
	return m.lookupHash(sc, w, wordHash(w))
}

// lookupHash is lookup for a word whose hash (wordHash) is h. The forms
// without an ending hash the word's beginning again: most words are found
// as written, or have no ending to try.
func (m *matcher) lookupHash(sc *scratch, w []byte, h uint32) int32 {
	if id := m.table.getHash(w, h); id != 0 {
		return id
	}
	return m.lookupMiss(sc, w, h)
}

// lookupMiss is lookupHash for a word not in the table as written.
func (m *matcher) lookupMiss(sc *scratch, w []byte, h uint32) int32 {
	n := len(w)
	if n == 0 {
		return 0
	}
	if hasDouble(w) {
		sc.undouble = undouble(sc.undouble[:0], w)
		if id := m.table.get(sc.undouble); id != 0 {
			return id
		}
	}
	if n < 4 || !isLetter(w[n-1]) {
		return 0
	}
	base := w
	if w[n-1] == 's' {
		base = w[:n-1]
		if id := m.form(sc, base, wordHash(base)); id != 0 {
			return id
		}
	}
	if len(base) >= 4 && base[len(base)-1] == 'e' {
		if id := m.form(sc, base[:len(base)-1], wordHash(base[:len(base)-1])); id != 0 {
			return id
		}
	}
	switch {
	case n >= 6 && string(w[n-3:]) == "ing":
		return m.form(sc, w[:n-3], wordHash(w[:n-3]))
	case n >= 5 && string(w[n-2:]) == "ed":
		return m.form(sc, w[:n-2], wordHash(w[:n-2]))
	case n >= 6 && (string(w[n-2:]) == "er" || string(w[n-2:]) == "ez"):
		// French verbs: "arnaquer", "cherchez" are found as "arnaque",
		// "cherche".
		return m.formE(sc, w[:n-2], wordHash(w[:n-2]))
	case n >= 7 && string(w[n-3:]) == "ent":
		return m.formE(sc, w[:n-3], wordHash(w[:n-3])) // "livrent", "cherchent"
	}
	return 0
}

// form returns the id of w (whose hash is h) as written or without its
// double letters.
func (m *matcher) form(sc *scratch, w []byte, h uint32) int32 {
	if id := m.table.getHash(w, h); id != 0 {
		return id
	}
	if hasDouble(w) {
		sc.undouble = undouble(sc.undouble[:0], w)
		return m.table.get(sc.undouble)
	}
	return 0
}

// formE looks up stem + "e"; h is the hash of stem.
func (m *matcher) formE(sc *scratch, stem []byte, h uint32) int32 {
	sc.stem = append(append(sc.stem[:0], stem...), 'e')
	return m.form(sc, sc.stem, (h^'e')*fnvPrime)
}

// edgeTable is the trie's edges in an open-addressing table: one probe
// where a map lookup would hash and search groups.
type edgeTable struct {
	slots []edgeSlot // a power of two, at most half full
}

type edgeSlot struct {
	key  uint64 // node<<32 | word id; 0 is free (no edge has key 0: id 0 is "unknown")
	next int32
}

func newEdgeTable(trans map[uint64]int32) *edgeTable {
	n := 64
	for n < 2*len(trans) {
		n *= 2
	}
	t := &edgeTable{slots: make([]edgeSlot, n)}
	for k, v := range trans {
		i := edgeHash(k) & uint64(n-1)
		for t.slots[i].key != 0 {
			i = (i + 1) & uint64(n-1)
		}
		t.slots[i] = edgeSlot{key: k, next: v}
	}
	return t
}

func edgeHash(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	return k
}

// get returns the node after the edge, or 0.
func (t *edgeTable) get(k uint64) int32 {
	mask := uint64(len(t.slots) - 1)
	for i := edgeHash(k) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == k {
			return s.next
		}
		if s.key == 0 {
			return 0
		}
	}
}

// rootStep is the trie's first step for one word.
type rootStep struct {
	next int32     // the node, 0 if no phrase starts with the word
	term int32     // the one-word phrase, or -1
	kids [2]uint64 // the node's filter of the words that continue
}

// trieNode is one node of the phrase trie.
type trieNode struct {
	term int32     // the phrase that ends here, or -1
	kids [2]uint64 // a filter of the word ids that continue from here
}

// wordTable is the dictionary on the hot path: an open-addressing hash
// table over one string arena, behind a Bloom filter. Most words of a
// message are not in the lexicon; the filter answers for them without
// touching the table, and a lookup costs one hash of the word.
type wordTable struct {
	bloom [bloomBits / 64]uint64
	slots []wordSlot // a power of two, at most half full
	arena string
	// grams holds, for each word of the table, the cells of its
	// character n-grams (features.go), so that a word found as written
	// need not hash them again.
	grams []uint32
}

type wordSlot struct {
	hash     uint32
	off, len uint32
	id       int32
	grams    int32 // where the word's n-gram cells start in grams
}

// bloomBits sizes the filter: 64 Kbit for a few thousand words.
const bloomBits = 1 << 16

func newWordTable(dict map[string]int32) *wordTable {
	t := &wordTable{}
	n := 64
	for n < 2*len(dict) {
		n *= 2
	}
	t.slots = make([]wordSlot, n)
	keys := make([]string, 0, len(dict))
	for w := range dict {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	var arena strings.Builder
	for _, w := range keys {
		if w == "" {
			continue
		}
		h := wordHash([]byte(w))
		t.bloom[h%bloomBits/64] |= 1 << (h % 64)
		i := h & uint32(n-1)
		for t.slots[i].len != 0 {
			i = (i + 1) & uint32(n-1)
		}
		t.slots[i] = wordSlot{hash: h, off: uint32(arena.Len()), len: uint32(len(w)), id: dict[w], grams: int32(len(t.grams))}
		arena.WriteString(w)
		fs := make([]feature, len(w)+1)
		for _, f := range fs[:charGrams(fs, 0, []byte(w))] {
			t.grams = append(t.grams, f.cell)
		}
	}
	t.arena = arena.String()
	return t
}

// get returns the id of w, or 0.
func (t *wordTable) get(w []byte) int32 { return t.getHash(w, wordHash(w)) }

// getHash returns the id of w, whose hash is h, or 0. The filter is
// inlined; the table is probed for the words that pass it.
func (t *wordTable) getHash(w []byte, h uint32) int32 {
	if t.bloom[h%bloomBits/64]&(1<<(h%64)) == 0 {
		return 0
	}
	return t.probe(w, h)
}

// probe looks w up in the table. The empty word is in no slot (an empty
// slot has length 0).
func (t *wordTable) probe(w []byte, h uint32) int32 {
	id, _ := t.find(w, h)
	return id
}

// find returns the id of w (whose hash is h, past the filter) and where
// the cells of its character n-grams start in t.grams; 0 and -1 if w is
// not in the table as written.
func (t *wordTable) find(w []byte, h uint32) (int32, int32) {
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.len == 0 {
			return 0, -1
		}
		if s.hash == h && int(s.len) == len(w) {
			// Words are short: a loop costs less than a call to compare.
			a := t.arena[s.off : s.off+s.len]
			k := 0
			for k < len(w) && k < len(a) && a[k] == w[k] {
				k++
			}
			if k == len(w) {
				return s.id, s.grams
			}
		}
	}
}

// wordHash is FNV-1a.
func wordHash(w []byte) uint32 {
	h := uint32(fnvOffset)
	for _, c := range w {
		h = (h ^ uint32(c)) * fnvPrime
	}
	return h
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func (m *matcher) appendWord(sc *scratch, toks []token, start, end int, kind uint8) []token {
	w := sc.norm[start:end]
	return m.appendWordID(toks, start, end, kind, m.lookup(sc, w), fnvBytes(hUnigram, w), -1)
}

// appendWordID appends the word b[start:end] whose id is id: one token, or
// the words it is an alias of.
func (m *matcher) appendWordID(toks []token, start, end int, kind uint8, id int32, uh uint32, grams int32) []token {
	if id != 0 && m.flags[id]&wAlias != 0 {
		for _, a := range m.words[id].alias {
			toks = append(toks, token{start: int32(start), end: int32(end), id: a, kind: kWord, wsi: -1, uh: uh, grams: grams})
		}
		return toks
	}
	return append(toks, token{start: int32(start), end: int32(end), id: id, kind: kind, wsi: -1, uh: uh, grams: grams})
}

func isChunkStart(c byte) bool {
	switch c {
	case ' ', '(', '[', '<', '"', '\'', ':', ',', ';':
		return true
	}
	return false
}

// tokenize splits the normalised text b (which is sc.norm) into tokens.
func (m *matcher) tokenize(sc *scratch, b []byte) []token {
	toks := sc.toks[:0]
	sc.gramCells = m.table.grams
	n := len(b)
	hasDot := bytes.IndexByte(b, '.') >= 0 // links and e-mail addresses have one
	// The next dot at or after i, once looked for, and the last space
	// before it: a link needs a dot before the space that ends it.
	dotAt, dotSpace := -1, -1
	for i := 0; i < n; {
		c := b[i]
		if c == ' ' {
			i++
			continue
		}
		if hasDot && (i == 0 || isChunkStart(b[i-1])) && c != '@' {
			if dotAt < i {
				dotAt = indexFrom(b, i, '.')
				dotSpace = -1
				if k := bytes.LastIndexByte(b[i:dotAt], ' '); k >= 0 {
					dotSpace = i + k
				}
			}
			if dotAt < n && dotSpace < i && dotAt < i+maxLink {
				if end, kind := m.linkAt(b, i); end > i {
					toks = append(toks, token{start: int32(i), end: int32(end), kind: kind, wsi: -1})
					i = end
					continue
				}
			}
		}
		if cl := class[c]; cl&(clLetter|clDigit) != 0 {
			// A word or a number: its end, hashes and, if the table has
			// it as written, its id, in one call.
			j, h, uh, id, grams := m.table.scanFind(b, i)
			if j-i >= 30 && !(i > 0 && isWordByte(b[i-1])) {
				// An account id is a word of 30 characters or more.
				if end := idEnd(b, i); end > 0 {
					toks = append(toks, token{start: int32(i), end: int32(end), kind: kID, wsi: -1})
					i = end
					continue
				}
			}
			if cl&clLetter != 0 {
				if i+1 < n && isDigit(b[i+1]) && isDigitLike(c) && !(i > 0 && isWordByte(b[i-1])) {
					if end := phoneEnd(b, i); end > 0 {
						toks = append(toks, token{start: int32(i), end: int32(end), kind: kPhone, wsi: -1})
						i = end
						continue
					}
				}
				if c == 'e' {
					if end := emojiEnd(b, i); end > 0 {
						toks = m.appendWord(sc, toks, i, end, kWord)
						i = end
						continue
					}
				}
				if id == 0 {
					id = m.lookupMiss(sc, b[i:j], h)
				}
				toks = m.appendWordID(toks, i, j, kWord, id, uh, grams)
				i = j
				continue
			}
			if i == 0 || !isAlnum(b[i-1]) {
				if end := phoneEnd(b, i); end > 0 {
					toks = append(toks, token{start: int32(i), end: int32(end), kind: kPhone, wsi: -1})
					i = end
					continue
				}
			}
			wid := id // lookupHash
			if wid == 0 {
				wid = m.lookupMiss(sc, b[i:j], h)
			}
			if wid != 0 && !allDigits(b[i:j]) {
				toks = m.appendWordID(toks, i, j, kWord, wid, uh, -1) // "3mmc", "7j"
				i = j
				continue
			}
			k := i
			for k < n && isDigit(b[k]) {
				k++
			}
			if k+1 < n && (b[k] == '.' || b[k] == ',') && isDigit(b[k+1]) {
				k++
				for k < n && isDigit(b[k]) {
					k++
				}
			}
			id = wid
			if k != j {
				id = m.lookup(sc, b[i:k])
			}
			glued := k < n && isWordStart(b, k) && !isDigit(b[k])
			if glued {
				// A number glued to a word ("4e fois", "20h", "5g") is not
				// the number of a phrase ("la 4" is 4-MMC, "la 4e" is not).
				id = 0
			}
			toks = append(toks, token{start: int32(i), end: int32(k), id: id, kind: kNumber, wsi: -1})
			i = k
			if glued {
				j := wordEnd(b, k)
				toks = m.appendWord(sc, toks, k, j, kWord) // "5g" -> 5, g
				i = j
			}
			continue
		}
		switch {
		case c == '@':
			if i == 0 || !isWordByte(b[i-1]) {
				if end := handleEnd(b, i+1); end-(i+1) >= 3 {
					toks = append(toks, token{start: int32(i), end: int32(end), kind: kHandle, wsi: -1})
					i = end
					continue
				}
			}
			i++
		case c == '+' && i+1 < n && isDigit(b[i+1]):
			if i == 0 || !isAlnum(b[i-1]) {
				if end := phoneEnd(b, i); end > 0 {
					toks = append(toks, token{start: int32(i), end: int32(end), kind: kPhone, wsi: -1})
					i = end
					continue
				}
			}
			i++
		case c < utf8.RuneSelf:
			// A full stop ends a sentence; an ellipsis ("un plug... anal")
			// does not.
			stop := c == '.' && (i == 0 || b[i-1] != '.') && (i+1 == n || b[i+1] != '.')
			if c == '/' || c == '$' || c == '=' || c == '?' || c == '!' || stop {
				toks = append(toks, token{start: int32(i), end: int32(i + 1), id: m.symbol[c], kind: kSymbol, wsi: -1})
			}
			i++
		case isWordStart(b, i):
			j := wordEnd(b, i)
			toks = m.appendWord(sc, toks, i, j, kWord)
			i = j
		default:
			r, size := utf8.DecodeRune(b[i:])
			if unicode.Is(unicode.Sc, r) { // €, £, ¥...
				toks = append(toks, token{start: int32(i), end: int32(i + size), id: m.lookup(sc, b[i:i+size]), kind: kSymbol, wsi: -1})
			}
			i += size
		}
	}
	sc.toks = toks
	return toks
}

// indexFrom returns the index of the first c in b at or after i, or
// len(b).
func indexFrom(b []byte, i int, c byte) int {
	if k := bytes.IndexByte(b[i:], c); k >= 0 {
		return i + k
	}
	return len(b)
}

// scanFind returns the end of the word or number starting with the ASCII
// letter or digit at b[i] (wordEnd), its wordHash, its unigram feature
// hash, and, if the table has the word as written, its id and where its
// n-gram cells start (else 0 and -1): one pass over its ASCII letters and
// digits, and one call where the tokenizer would make two.
func (t *wordTable) scanFind(b []byte, i int) (j int, h, uh uint32, id, grams int32) {
	h, uh = uint32(fnvOffset), hUnigram
	j = i
	for ; j < len(b); j++ {
		c := b[j]
		if class[c]&(clLetter|clDigit) == 0 {
			break
		}
		h = (h ^ uint32(c)) * fnvPrime
		uh = (uh ^ uint32(c)) * fnvPrime
	}
	if j < len(b) && b[j] >= utf8.RuneSelf {
		// Letters of another script may go on: the slow way.
		j = wordEnd(b, j)
		h = wordHash(b[i:j])
		uh = fnvBytes(hUnigram, b[i:j])
	}
	if t.bloom[h%bloomBits/64]&(1<<(h%64)) == 0 {
		return j, h, uh, 0, -1
	}
	id, grams = t.find(b[i:j], h)
	return j, h, uh, id, grams
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// handleEnd returns the end of an account name starting at i (after "@").
func handleEnd(b []byte, i int) int {
	j := i
	for j < len(b) && (isAlnum(b[j]) || b[j] == '_' || b[j] == '.') {
		j++
	}
	for j > i && b[j-1] == '.' {
		j--
	}
	return j
}

// phoneEnd returns the end of a phone number at i, or 0: 9 to 15 digits in
// groups separated by one space, dot or dash, at most two one-digit groups
// unless every group is one digit ("+33 6 12 34 56 78", "0 800 23 13 13",
// "514-555-1234", "0612345678", "0.6.1.2.3.4.5.6.7.8"). Sellers write O for
// 0 and l or i for 1 ("O6 l2 34 56 78"): inside a group that has a real
// digit, those count as digits.
func phoneEnd(b []byte, i int) int {
	j := i
	if b[j] == '+' {
		j++
	}
	digits, real, groups, singles, longest := 0, 0, 0, 0, 0
	end := 0
	for {
		k, r := j, 0
		for k < len(b) && (isDigit(b[k]) || isDigitLike(b[k])) {
			if isDigit(b[k]) {
				r++
			}
			k++
		}
		g := k - j
		if g == 0 || r == 0 || (k < len(b) && isLetter(b[k])) {
			break
		}
		digits += g
		real += r
		groups++
		if digits > 15 {
			return 0 // too long for a phone number; stop early
		}
		if g == 1 {
			singles++
		}
		if g > longest {
			longest = g
		}
		end = k
		if k+1 < len(b) && (b[k] == ' ' || b[k] == '.' || b[k] == '-') && (isDigit(b[k+1]) || isDigitLike(b[k+1])) {
			j = k + 1
			continue
		}
		break
	}
	if digits < 9 || digits > 15 || real < 7 || (singles > 2 && singles != groups) || (groups > 1 && longest > 5) {
		return 0
	}
	if end < len(b) && isWordByte(b[end]) {
		return 0
	}
	return end
}

// isDigitLike reports letters written for digits in phone numbers.
func isDigitLike(c byte) bool { return c == 'o' || c == 'l' || c == 'i' }

// idEnd returns the end of a messenger account id at i, or 0: 30 or more
// hexadecimal characters mixing letters and digits (a Session id is 66).
func idEnd(b []byte, i int) int {
	j, letters, digits := i, 0, 0
	for j < len(b) && (isDigit(b[j]) || 'a' <= b[j] && b[j] <= 'f') {
		if isDigit(b[j]) {
			digits++
		} else {
			letters++
		}
		j++
	}
	if j-i < 30 || letters == 0 || digits == 0 || (j < len(b) && isWordByte(b[j])) {
		return 0
	}
	return j
}

// maxLink bounds the length of a link or e-mail address.
const maxLink = 256

// linkAt returns the end of a link or e-mail address starting at i, or 0.
func (m *matcher) linkAt(b []byte, i int) (int, uint8) {
	e := i
	dot := false
	// Addresses are short; the bound keeps a text without spaces from
	// being scanned once per character.
	limit := min(len(b), i+maxLink)
	for e < limit && b[e] != ' ' {
		if b[e] == '.' {
			dot = true
		}
		e++
	}
	if !dot {
		return 0, 0
	}
	for e > i && strings.IndexByte(".,;:!?)]\"'>", b[e-1]) >= 0 {
		e--
	}
	s := unsafeString(b[i:e])
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "www.") {
		return e, kLink
	}
	if at := strings.IndexByte(s, '@'); at > 0 {
		if m.isHost(s[at+1:]) && localPart(s[:at]) {
			return e, kEmail
		}
		return 0, 0
	}
	if m.isHost(s) {
		return e, kLink
	}
	return 0, 0
}

func localPart(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' && c != '+' {
			return false
		}
	}
	return true
}

// isHost reports whether s starts with a domain name whose ending is a
// known top-level domain ("t.me/x", "shop.fr").
func (m *matcher) isHost(s string) bool {
	h := len(s)
	for k := 0; k < len(s); k++ {
		if c := s[k]; c == '/' || c == ':' || c == '?' || c == '#' {
			h = k
			break
		}
	}
	host := s[:h]
	last := strings.LastIndexByte(host, '.')
	if last <= 0 || last == len(host)-1 {
		return false
	}
	for k := 0; k < len(host); k++ {
		c := host[k]
		if !isAlnum(c) && c != '-' && c != '.' {
			return false
		}
		if c == '.' && (k == 0 || host[k-1] == '.') {
			return false
		}
	}
	tld := host[last+1:]
	for k := 0; k < len(tld); k++ {
		if !isLetter(tld[k]) {
			return false
		}
	}
	return m.tlds[tld]
}

// hostOf returns the domain of a link, without scheme, "www." or path.
func hostOf(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	s = strings.TrimPrefix(s, "www.")
	for k := 0; k < len(s); k++ {
		if c := s[k]; c == '/' || c == ':' || c == '?' || c == '#' {
			return s[:k]
		}
	}
	return s
}

func domainIn(host string, list []string) bool {
	for _, d := range list {
		if host == d || strings.HasSuffix(host, d) && host[len(host)-len(d)-1] == '.' {
			return true
		}
	}
	return false
}

// hasKeyword reports whether an account name or address s names a
// product, a dealer or a shop: one of its parts is a one-word product or
// dealer term ("@tina_paris"), or it contains a keyword ("plugparis").
func (m *matcher) hasKeyword(sc *scratch, s []byte) bool {
	for i := 0; i < len(s); {
		if !isAlnum(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isLetter(s[j]) == isLetter(s[i]) && isAlnum(s[j]) {
			j++
		}
		if j == i {
			j = i + 1
		}
		if id := m.lookup(sc, s[i:j]); id != 0 && m.flags[id]&wTargetWord != 0 && j-i >= 2 {
			return true
		}
		i = j
	}
	str := unsafeString(s)
	for _, k := range m.keywords {
		if strings.Contains(str, k) {
			return true
		}
	}
	return false
}

func (m *matcher) isHelpline(digits []byte, international bool) bool {
	for _, h := range m.helplines {
		if len(digits) >= len(h) && string(digits[:len(h)]) == h {
			return true
		}
	}
	if international {
		// +33 800... is 0800...: the help lines with a country code
		// instead of their 0 (helplineCC).
		for _, h := range m.helplinesCC {
			if len(digits) >= len(h) && string(digits[:len(h)]) == h {
				return true
			}
		}
	}
	return false
}

// helplineCC returns the help lines that start with 0 written with a
// country code instead ("0800" -> "33800", "32800", "41800", "352800").
func helplineCC(helplines []string) []string {
	var out []string
	for _, h := range helplines {
		if len(h) > 1 && h[0] == '0' {
			for _, cc := range []string{"33", "32", "41", "352"} {
				out = append(out, cc+h[1:])
			}
		}
	}
	return out
}

func (m *matcher) isShortHelpline(digits []byte) bool {
	for _, h := range m.helplines {
		if len(h) >= 4 && string(digits) == h {
			return true
		}
	}
	return false
}
