package moderation

import (
	"math"
	"slices"
)

// Features of a screened text for the learned model. They are read off
// the work the rules have already done (the normalised text, its tokens and
// the rules' reasons), so that the model costs little more than the rules.
//
// Two families:
//   - dense: for each rule code, the strongest weight the rules gave it
//     (dampeners as positive numbers), and the rules' own score: the model
//     learns how much each signal really means and how they combine;
//   - hashed: word unigrams and bigrams of the normalised text, and
//     character 4-grams inside each word (with word boundaries), so
//     that "vendo", "entrego", "livreur" or "chama no privado" count even
//     though no rule names them, and spelling variants share n-grams.
//     They are hashed into a fixed table (the "hashing trick"): the model
//     holds no vocabulary, and a table cell is shared by many n-grams, so
//     the weights name no word.

// hashBits sets the size of the hashed feature table: 2^18 cells.
const hashBits = 18

// numBuckets is the number of cells in the hashed feature table.
const numBuckets = 1 << hashBits

// numDense is the number of dense features: one per rule code but
// new_member (applied after the model), plus the rules' score.
const numDense = int(numCodes) + 1

// denseScore is the index of the rules' score among the dense features.
const denseScore = int(numCodes)

// Prefixes that keep the feature families apart in the hash.
const (
	pUnigram byte = 'u'
	pBigram  byte = 'b'
	pChar    byte = 'c'
	pKind    byte = 'k'
)

// Hashing is FNV-1a (fnvOffset, fnvPrime, shared with the matcher's word
// table): a fixed, documented hash, so that the weights file means the same
// on every machine and in every release.

func fnvByte(h uint32, c byte) uint32 { return (h ^ uint32(c)) * fnvPrime }

func fnvBytes(h uint32, b []byte) uint32 {
	for _, c := range b {
		h = (h ^ uint32(c)) * fnvPrime
	}
	return h
}

// The hash after each family's prefix byte, where its features' hashes
// start: constants, so that the hot loops do not hash the prefix again.
const (
	hUnigram = uint32((fnvOffset ^ uint64(pUnigram)) * fnvPrime % (1 << 32))
	hBigram  = uint32((fnvOffset ^ uint64(pBigram)) * fnvPrime % (1 << 32))
	hKind    = uint32((fnvOffset ^ uint64(pKind)) * fnvPrime % (1 << 32))
	hChar    = uint32((fnvOffset ^ uint64(pChar)) * fnvPrime % (1 << 32))
)

// charStart[c] is the hash of a character n-gram after its first byte c:
// one table look-up instead of two multiplications.
var charStart = func() (t [256]uint32) {
	for c := range t {
		t[c] = fnvByte(hChar, byte(c))
	}
	return t
}()

// bigramStart[c] is the hash of a bigram after its first byte c.
var bigramStart = func() (t [256]uint32) {
	for c := range t {
		t[c] = fnvByte(hBigram, byte(c))
	}
	return t
}()

// numberHash[k] is the unigram hash of a number of k digits (9 for 9 or
// more): numbers count by shape.
var numberHash = func() (t [10]uint32) {
	for k := range t {
		t[k] = fnvByte(fnvByte(hUnigram, '#'), byte('0'+k))
	}
	return t
}()

// bucket folds a 32-bit hash into the table, mixing the high bits in.
func bucket(h uint32) uint32 { return (h ^ h>>hashBits) & (numBuckets - 1) }

// feature is one hashed feature occurrence; start and end locate the words
// it comes from in the normalised text (start < 0 for character n-grams),
// so that the strongest ones can be shown to moderators as evidence.
type feature struct {
	cell       uint32
	start, end int32
}

// maxWordsForChars bounds the words whose character n-grams are taken, and
// maxFeatures the features of one text: a long text is judged on its
// beginning plus its words, and screening time stays bounded.
const (
	maxWordsForChars = 200
	maxFeatures      = 4096
)

// extract fills sc.feats with the hashed features of the normalised text
// b, whose tokens sc.toks the rules have just produced, and sc.dense with
// the dense features.
func (sc *scratch) extract(b []byte, ruleScore float64) {
	for i := range sc.dense {
		sc.dense[i] = 0
	}
	for _, r := range sc.reasons {
		if r.code < 0 || r.code >= numCodes {
			continue
		}
		w := float32(r.w)
		if w < 0 {
			w = -w
		}
		if w > sc.dense[r.code] {
			sc.dense[r.code] = w
		}
	}
	sc.dense[denseScore] = float32(ruleScore)

	// fs[:n] are the features so far, written by index into room made
	// for each token before it is read: a token adds its unigram, a
	// bigram and at most one 4-gram per byte.
	fs := sc.feats[:cap(sc.feats)]
	n := 0
	prev, prevStart, prevShown := uint32(0), int32(-1), false
	words := 0
	toks := sc.toks
	cells := sc.gramCells
	for i := range toks {
		if n >= maxFeatures {
			break
		}
		t := &toks[i]
		kind := t.kind
		if kind == kSymbol {
			// Punctuation and currency signs: the rules read prices, and a
			// "?" taught the model that questions are requests, flagging
			// members asking about their health (cross-validation: no
			// loss without them).
			continue
		}
		l := int(t.end - t.start)
		if n+2+l > len(fs) {
			// fs is all its capacity: Grow keeps what is written.
			fs = slices.Grow(fs, max(n+2+l, 2*len(fs), 256)-len(fs))
			fs = fs[:cap(fs)]
		}
		var h uint32
		var shown bool
		switch kind {
		case kWord:
			h = t.uh // fnvBytes(hUnigram, word), from the tokenizer
			if words < maxWordsForChars {
				if g := int(t.grams); g >= 0 {
					// A word of the lexicon: its n-grams' cells are ready.
					for k, c := range cells[g : g+gramCount(l)] {
						fs[n+k] = feature{cell: c, start: -1}
					}
					n += gramCount(l)
				} else {
					n = charGrams(fs, n, b[t.start:t.end])
				}
			}
			words++
			// A word's bytes are all letters, digits or bytes of another
			// script (emoji codes have five letters before their colon):
			// it reads as a reason from minEvidence bytes.
			shown = l >= minEvidence
		case kNumber:
			// Numbers by shape: "20", "60" and "80" mean the same here;
			// their length tells a price from a year.
			h = numberHash[min(l, 9)]
			shown = evidence(b, feature{start: t.start, end: t.end}).start >= 0
		default:
			// Phones, handles, links, e-mails and account ids by kind,
			// and whether the rules took them for a health service.
			k := kind
			if t.flags&fHealth != 0 {
				k |= 0x80
			}
			h = fnvByte(hKind, k)
			shown = evidence(b, feature{start: t.start, end: t.end}).start >= 0
		}
		uni := feature{cell: bucket(h), start: -1, end: -1}
		if shown {
			uni.start, uni.end = t.start, t.end
		}
		fs[n] = uni
		n++
		if prevStart >= 0 && t.flags&fBreak == 0 {
			bi := feature{cell: bucket(bigramHash(prev, h)), start: prevStart, end: t.end}
			if !prevShown && !shown {
				// Count, unless one of the words reads as a reason alone:
				// the pair's span holds that word's letters.
				bi = evidence(b, bi)
			}
			fs[n] = bi
			n++
		}
		prev, prevStart, prevShown = h, t.start, shown
	}
	fs = fs[:n]
	if len(fs) > maxFeatures {
		fs = fs[:maxFeatures]
	}
	sc.feats = fs
	if len(fs) < minFeatures {
		// A text of a word or two weighs its signals less: "💊" or
		// "livraison" alone is no deal, "🔌 Marseille ?" still is one.
		f := float32(math.Sqrt(float64(len(fs)) / minFeatures))
		for i := range sc.dense {
			sc.dense[i] *= f
		}
	}
}

// bigramHash is the hash of two words' hashes, their bytes low first;
// written so that it is inlined (a call in the extraction loop spills
// every register).
func bigramHash(prev, h uint32) uint32 {
	bh := bigramStart[uint8(prev)]
	bh = (bh ^ prev>>8&0xff) * fnvPrime
	bh = (bh ^ prev>>16&0xff) * fnvPrime
	bh = (bh ^ prev>>24) * fnvPrime
	bh = (bh ^ h&0xff) * fnvPrime
	bh = (bh ^ h>>8&0xff) * fnvPrime
	bh = (bh ^ h>>16&0xff) * fnvPrime
	return (bh ^ h>>24) * fnvPrime
}

// charGrams writes the 4-grams of "^word$" to fs[n:] (room for len(w)-1
// of them) and returns the new count. Cross-validation chose 4-grams
// alone over 3- to 5-grams: as good or better, with half the features, so
// half the time.
//
// The grams are hashed straight from the word, without building "^word$":
// the first and the last one take the boundary marks, the others are four
// bytes of the word, each starting from charStart.
func charGrams(fs []feature, n int, w []byte) int {
	l := len(w)
	if l < 2 {
		return n // "^x$" has no 4-gram
	}
	if l == 2 {
		fs[n] = feature{cell: bucket(gram(charStart['^'], w[0], w[1], '$')), start: -1}
		return n + 1
	}
	out := fs[n : n+l-1 : n+l-1]
	out[0] = feature{cell: bucket(gram(charStart['^'], w[0], w[1], w[2])), start: -1}
	for i := 0; i+3 < l; i++ {
		g := w[i : i+4 : i+4]
		out[i+1] = feature{cell: bucket(gram(charStart[g[0]], g[1], g[2], g[3])), start: -1}
	}
	out[l-2] = feature{cell: bucket(gram(charStart[w[l-3]], w[l-2], w[l-1], '$')), start: -1}
	return n + l - 1
}

// gramCount is how many 4-grams a word of n bytes has (charGrams).
func gramCount(n int) int {
	switch {
	case n < 2:
		return 0
	case n == 2:
		return 1
	}
	return n - 1
}

// gram finishes the hash of a 4-gram whose first byte is hashed in h.
func gram(h uint32, b, c, d byte) uint32 {
	return fnvByte(fnvByte(fnvByte(h, b), c), d)
}

// featureScale is what each hashed feature of a text with n features is
// multiplied by: 1/√n, so that long texts do not score high for their
// length alone, but never more than 1/√minFeatures, so that a text of one
// or two words ("tina", "💊", "livraison") cannot score high on the strength
// of a single word either.
func featureScale(n int) float64 {
	return 1 / math.Sqrt(float64(max(n, minFeatures)))
}

// minFeatures is the floor of featureScale (cross-validated).
const minFeatures = 24

// minEvidence is how many letters or digits a word feature's text needs to
// be shown to moderators as a reason: "livreur" or "80€ le" tells them
// something, "g" or "sur" does not. Short features still count in the
// score.
const minEvidence = 4

// evidence keeps f's span only when it reads as a reason. It stops
// counting at minEvidence: most words get there in a few bytes.
func evidence(b []byte, f feature) feature {
	n := 0
	for _, c := range b[f.start:f.end] {
		if class[c]&clWord != 0 { // a letter, a digit or a byte of another script
			if n++; n >= minEvidence {
				return f
			}
		}
	}
	f.start, f.end = -1, -1
	return f
}
