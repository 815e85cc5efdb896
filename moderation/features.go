package moderation

import (
	"math"
	"math/bits"
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
//     character 5-grams inside each word (with word boundaries), so
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
// new_member (applied after the model), the rules' score, and the product
// of each pair of positive codes.
const numDense = int(numCodes) + 1 + numPairs

// numPositive is the number of positive rule codes (cOffer..cUrgency),
// whose pairs are dense features too: a contact app with a price says more
// than each alone (cross-validation: a few tenths of a point more dealers
// at the same benign rate, for 91 multiplications).
const numPositive = int(cUrgency) + 1

// numPairs is the number of pairs of positive codes.
const numPairs = numPositive * (numPositive - 1) / 2

// densePair0 is the index of the first pair feature.
const densePair0 = int(numCodes) + 1

// denseSet is a set of dense features' indexes: those extract may have
// made non-zero, so that the pairs and the model's sum skip the others
// (most of them: a message has a few of the rules' signals, so a few of
// their pairs).
type denseSet [(numDense + 63) / 64]uint64

func (s *denseSet) add(i int) { s[i>>6] |= 1 << (i & 63) }

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
// the dense features, noting in sc.denseSet which of them may not be zero.
func (sc *scratch) extract(b []byte, ruleScore float64) {
	sc.dense = [numDense]float32{}
	var set denseSet
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
			set[0] |= 1 << r.code
		}
	}
	sc.dense[denseScore] = float32(ruleScore)
	if sc.dense[denseScore] != 0 {
		set.add(denseScore)
	}
	// The pairs of the positive codes found: the others are 0·x = 0 (the
	// codes' weights are never negative here).
	for a := set[0] & (1<<numPositive - 1); a != 0; a &= a - 1 {
		i := bits.TrailingZeros64(a)
		row := densePair0 + i*(2*numPositive-i-1)/2 - i - 1 // the pair (i, j) is row+j
		for c := a & (a - 1); c != 0; c &= c - 1 {
			j := bits.TrailingZeros64(c)
			sc.dense[row+j] = sc.dense[i] * sc.dense[j]
			set.add(row + j)
		}
	}
	sc.denseSet = set

	// fs[:n] are the features so far, written by index into room made
	// for each token before it is read: a token adds its unigram, a
	// bigram and at most one 5-gram per byte.
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
	fs = fs[:n] // dedup keeps at most maxFeatures of them
	if sc.seen == nil {
		sc.seen = new(cellSet)
	}
	fs = sc.seen.dedup(fs)
	sc.feats = fs
	if len(fs) < minFeatures {
		// A text of a word or two weighs its signals less: "💊" or
		// "livraison" alone is no deal, "🔌 Marseille ?" still is one.
		f := float32(math.Sqrt(float64(len(fs)) / minFeatures))
		for w, m := range sc.denseSet {
			for ; m != 0; m &= m - 1 {
				sc.dense[w*64+bits.TrailingZeros64(m)] *= f
			}
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

// charGrams writes the 5-grams of "^word$" to fs[n:] (room for len(w)-2
// of them) and returns the new count. Cross-validation chose 5-grams
// alone over 4-grams alone, 3- to 5-grams, 4- and 5-grams, 5- and 6-grams
// and 6-grams: as many dealers or a few more at the same benign rate, and
// the members' own stories (relapse, own use, health questions) further
// below the threshold, with one feature fewer a word than 4-grams. A word
// of one or two letters has no 5-gram ("^ab$"); its unigram counts.
//
// The grams are hashed straight from the word, without building "^word$":
// the first and the last one take the boundary marks, the others are five
// bytes of the word, each starting from charStart.
func charGrams(fs []feature, n int, w []byte) int {
	l := len(w)
	if l < 3 {
		return n
	}
	if l == 3 {
		fs[n] = feature{cell: bucket(gram(charStart['^'], w[0], w[1], w[2], '$')), start: -1}
		return n + 1
	}
	out := fs[n : n+l-2 : n+l-2]
	out[0] = feature{cell: bucket(gram(charStart['^'], w[0], w[1], w[2], w[3])), start: -1}
	for i := 0; i+4 < l; i++ {
		g := w[i : i+5 : i+5]
		out[i+1] = feature{cell: bucket(gram(charStart[g[0]], g[1], g[2], g[3], g[4])), start: -1}
	}
	out[l-3] = feature{cell: bucket(gram(charStart[w[l-4]], w[l-3], w[l-2], w[l-1], '$')), start: -1}
	return n + l - 2
}

// gramCount is how many 5-grams a word of n bytes has (charGrams).
func gramCount(n int) int {
	if n < 3 {
		return 0
	}
	return n - 2
}

// gram finishes the hash of a 5-gram whose first byte is hashed in h.
func gram(h uint32, b, c, d, e byte) uint32 {
	return fnvByte(fnvByte(fnvByte(fnvByte(h, b), c), d), e)
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

// cellSet finds the cells a text has already used: each cell counts once
// per text, so that a word or a sentence said again does not count again.
// Without it, an offer followed by a greeting pasted fifty times scored
// as the greeting: the repeated cells' weights grew with the number of
// copies, faster than the 1/√n of featureScale shrinks them.
//
// A slot holds gen<<32 | cell: the slots of earlier texts are smaller
// than gen<<32, so that one comparison tells a free slot, and one more a
// cell already seen, without clearing the table between texts. A text
// probes only the first slots, a power of two at least four times its
// number of features: a message's fifty features probe 2 KB, which stay
// in the processor's first-level cache, instead of 48 KB spread over
// two arrays.
type cellSet struct {
	gen  uint32
	slot [cellSetSize]uint64
}

// cellSetSize is at least twice maxFeatures (checked at compile time): an
// open-addressing table never more than half full.
const (
	cellSetBits    = 13
	cellSetSize    = 1 << cellSetBits
	cellSetMinBits = 6
)

var _ [cellSetSize - 2*maxFeatures]struct{}

// dedup keeps the first feature of each cell, in order.
func (cs *cellSet) dedup(fs []feature) []feature {
	if len(fs) > maxFeatures {
		fs = fs[:maxFeatures]
	}
	cs.gen++
	if cs.gen == 0 {
		cs.slot = [cellSetSize]uint64{}
		cs.gen = 1
	}
	tag := uint64(cs.gen) << 32
	// The slots used: a power of two at least 4·len(fs) (few collisions),
	// at most the table.
	nb := min(max(bits.Len(uint(4*len(fs))), cellSetMinBits), cellSetBits)
	shift := uint(32 - nb)
	mask := uint32(1)<<nb - 1
	t := &cs.slot
	j := 0
	for i := range fs {
		c := fs[i].cell
		k := tag | uint64(c)
		h := (c * 0x9e3779b1) >> shift
		for {
			s := t[h&(cellSetSize-1)]
			if s < tag { // free in this text
				break
			}
			if s == k {
				goto seen
			}
			h = (h + 1) & mask
		}
		t[h&(cellSetSize-1)] = k
		if j != i { // features move only after the first repeat
			fs[j] = fs[i]
		}
		j++
	seen:
	}
	return fs[:j]
}
