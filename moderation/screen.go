// Package moderation screens the messages of a peer self-support group for
// dealer-like content: offers to sell, supply or deliver products, and
// requests to buy them. It returns a score, a flag and human-readable
// reasons; it never acts on a message, knows nothing of Telegram or
// storage, and does no I/O: the lexicon and the model come as bytes.
//
// The members of the group talk about products, doses, prices they paid,
// cravings and relapse: that is what the group is for, and a false flag on
// a member who dares to speak about a relapse is the worst failure of this
// filter. So a product name alone weighs little; what flags is the shape of
// a deal: supply wording, a price per unit, delivery, redirection to
// another messenger, a request for a product. Stories, harm-reduction
// advice, warnings about a batch and offers to talk lower the score of the
// signals they explain.
//
// How a message is read:
//
//  1. Normalize folds the usual tricks (look-alike letters, zero-width
//     characters, leetspeak, spaced letters, emoji codes).
//  2. A tokenizer finds words, numbers, phone numbers, @handles, links and
//     e-mail addresses.
//  3. Numbers followed by a currency or a unit become prices and quantities
//     ("20/g", "60 le demi", "5g"); phone numbers that are help lines and
//     links to health services are set aside.
//  4. Lexicon terms (words and phrases) are matched, longest first, so that
//     "plug anal" is not the dealer's "plug" and "je suis dispo" is not a
//     product being "dispo".
//  5. Terms that need a product (requests, most supply words) look for one:
//     right after the request with only small words between ("qui a de la
//     tina"), or within a few words for supply wording ("tina dispo").
//  6. Dampeners (a story in the past, recovery, harm-reduction advice, a
//     warning, an offer to talk, a help line) lower the signals they
//     explain; what is quoted from someone else counts half.
//  7. The rules' signals are combined into a score (see Verdict), and the
//     learned model (model.go, features.go) weighs them together with
//     hashed word and character n-grams into the final score, calibrated so
//     that the threshold keeps its meaning. A deployment's corrections
//     learned from its moderators' decisions (learn.go) are added within
//     bounds.
//
// A Screener is built once from a Lexicon and is safe for concurrent use;
// screening a message takes a few microseconds and allocates only the
// reasons it returns.
package moderation

import (
	"math"
	"sync"
	"unsafe"
)

// DefaultThreshold is the score from which a message is flagged when the
// configuration leaves moderation.threshold at 0. The learned model is
// calibrated so that 0.5 is the threshold k-fold cross-validation chose on
// the training part of the corpus (the lowest that keeps benign flags under
// 1 % and no relapse, own-use, harm-reduction or health message flagged);
// with the rules alone, 0.5 is where one ordinary signal stays below and
// two independent dealer signals pass.
const DefaultThreshold = 0.5

// Kind is what is screened. The rules are the same for every kind: a name
// or a bio that reads like a seller's advertisement is as telling as a
// message. The kind is kept for the reasons' context and for future
// weighting.
type Kind int

// Kinds of screened text.
const (
	Message Kind = iota // a group message, also edited
	Caption             // the caption of a photo, video or document
	Forward             // a forwarded post
	Bio                 // a join requester's bio
	Name                // a join requester's name and username
)

// Context is what the screener may know about where a text comes from.
type Context struct {
	Kind Kind
	// NewMember is true for the first messages of a newly admitted member:
	// dealers join to sell at once. It raises a non-zero score by the
	// lexicon's structure.new_member share (25 % by default: 0.4 becomes
	// 0.5); a message with no signal stays at 0, and neither does a
	// newcomer telling their own use (a story, recovery or harm-reduction
	// dampener as strong as the model's member guard). Nothing else about
	// who the author is ever changes a score.
	NewMember bool
}

// Reason is one signal found in the text.
type Reason struct {
	// Code is stable and has no sentence in it: the bot renders it through
	// its locale files. ReasonCodes lists them.
	Code string
	// Evidence is the fragment that matched, as it appears in the
	// normalised text (at most 40 bytes), so that moderators see why:
	// "dispo", "20/g", "wickr", "qui a de la tina".
	Evidence string
	// Weight is what the signal counted for, after its context (rounded to
	// 0.001): a positive weight raised the score; a negative one (story,
	// recovery, harm_reduction, warning, talk, health_service) is a
	// dampener that lowered the signals it explains by that share. The bot
	// may show only positive reasons on its cards; the `screen` tool shows
	// all, so that admins see why a message was let through.
	Weight float64
}

// Verdict is the screener's answer for one text.
type Verdict struct {
	// Score is in 0..1: the positive signals combined as independent
	// evidence (noisy-OR: 1 - ∏(1 - weight)), after the dampeners have
	// multiplied the signals they explain by (1 - their weight). Within the
	// codes a member's story is made of (product, dealer, price, quantity,
	// contact_channel) each further signal counts half as much as the
	// previous one. A new member's score is then raised (Context).
	Score float64
	// Flag is Score >= the screener's threshold.
	Flag bool
	// Reasons are sorted by weight, strongest first, one per code and
	// evidence; dampeners (negative weights) come last and appear only when
	// there was something to dampen. A new_member reason (no evidence; its
	// weight is what the bonus added) appears only when the bonus changed
	// the outcome, so that moderators know the message alone would not have
	// been flagged.
	Reasons []Reason
}

// Screener screens texts with one lexicon and threshold. It is immutable
// after NewScreener and safe for concurrent use.
type Screener struct {
	threshold float64
	m         *matcher
	model     *Model       // nil: the rules alone
	adj       *Adjustments // nil: none learned from this deployment
}

// NewScreener compiles lex (nil means DefaultLexicon) into a matcher and
// uses the embedded model (EmbeddedModel). A threshold <= 0 means
// DefaultThreshold.
func NewScreener(lex *Lexicon, threshold float64) *Screener {
	return NewRulesScreener(lex, threshold).WithModel(EmbeddedModel())
}

// NewRulesScreener is NewScreener with the rules alone: it does not read
// the embedded model, so that training can run when the features have
// changed and the embedded weights no longer fit them.
func NewRulesScreener(lex *Lexicon, threshold float64) *Screener {
	if lex == nil {
		lex = DefaultLexicon()
	}
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	return &Screener{threshold: threshold, m: compile(lex)}
}

// WithModel returns a screener that shares s's rules and threshold and
// scores with m; nil or a RulesOnly model means the rules alone.
func (s *Screener) WithModel(m *Model) *Screener {
	c := *s
	if m != nil && m.Mode == RulesOnly {
		m = nil
	}
	c.model = m
	return &c
}

// WithAdjustments returns a screener that shares s's rules and model and
// adds a deployment's corrections learned from its moderators (nil: none).
func (s *Screener) WithAdjustments(a *Adjustments) *Screener {
	c := *s
	c.adj = a
	return &c
}

// Model returns the model in use, nil for the rules alone.
func (s *Screener) Model() *Model { return s.model }

// Threshold returns the score from which texts are flagged.
func (s *Screener) Threshold() float64 { return s.threshold }

// Screen scores one text. It never fails: any input, however malformed,
// gets a verdict.
func (s *Screener) Screen(text string, ctx Context) Verdict {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	b := normalizeInto(sc, text)
	score := s.m.score(sc, b)
	if s.model != nil && len(b) > 0 {
		score = s.learned(sc, b, score)
	}
	v := Verdict{Score: score}
	if ctx.NewMember && score > 0 && !sc.ownStory() {
		boosted := score * (1 + s.m.st.newMember)
		if boosted > 1 {
			boosted = 1
		}
		if boosted >= s.threshold && score < s.threshold {
			// Shown only when it changed the outcome: moderators then know
			// the message alone would not have been flagged.
			sc.reasons = append(sc.reasons, rawReason{code: cNewMember, w: boosted - score, start: -1})
			sc.sortDedup(b)
		}
		v.Score = boosted
	}
	v.Flag = v.Score >= s.threshold
	v.Reasons = sc.export(b)
	return v
}

// ownStory reports whether the rules read the author telling their own
// life, as the model's member guard does (tellsOwnStory). A newcomer who
// introduces themselves with their use, their old dealer and what they
// paid is the member the group exists for: their first messages get no
// new-member share then.
func (sc *scratch) ownStory() bool {
	return tellsOwnStory(sc.damp[cStory], sc.damp[cRecovery], sc.damp[cHarmReduction])
}

// learned scores with the model, given the rules' score, and adds the
// strongest word features as reasons.
func (s *Screener) learned(sc *scratch, b []byte, rules float64) float64 {
	sc.extract(b, rules)
	p := sigmoid(s.model.logit(sc, s.adj))
	for i, f := range sc.top {
		if f.start < 0 || sc.topW[i] < learnedEvidence {
			continue
		}
		// The share of the odds this feature brought, for ordering and
		// display next to the rules' weights.
		w := 1 - math.Exp(-sc.topW[i])
		sc.insert(rawReason{code: cLearned, w: w, start: f.start, end: f.end}, b)
	}
	return p
}

// scratch holds the buffers one Screen call needs; pooled so that a call
// allocates only its result.
type scratch struct {
	norm, tmp, tmp2, tmp3 []byte
	undouble, stem        []byte
	toks                  []token
	ws                    []int32
	hits                  []hit
	items                 []item
	reasons               []rawReason
	damp                  [numCodes]float64
	dampSet               uint32 // the codes whose damp is set
	dampAt                [numCodes]rawReason
	dampTop               [numCodes][3]rawReason
	evidence              []byte
	feats                 []feature
	gramCells             []uint32 // the word table's n-gram cells (tokenize sets it)
	seen                  *cellSet
	dense                 [numDense]float32
	denseSet              denseSet // the dense features that may not be 0
	top                   [2]feature
	topW                  [2]float64
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		norm: make([]byte, 0, 512), tmp: make([]byte, 0, 512), tmp2: make([]byte, 0, 512),
		toks: make([]token, 0, 128), ws: make([]int32, 0, 128), hits: make([]hit, 0, 32),
		reasons: make([]rawReason, 0, 32), evidence: make([]byte, 0, 256),
		feats: make([]feature, 0, 512),
	}
}}

// unsafeString views b as a string without copying, for map lookups and
// checks that do not keep it.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// rawReason is a reason before export: evidence as a span of the
// normalised text.
type rawReason struct {
	code       int8
	w          float64
	start, end int32 // evidence span; start < 0: no evidence
}

// sortDedup sorts the reasons by weight and keeps one per code and
// evidence (the strongest).
func (sc *scratch) sortDedup(b []byte) {
	rs := sc.reasons
	// Insertion sort: a handful of reasons, and sort.Slice would allocate.
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0; j-- {
			// before, with the common case (different weights) inline.
			if w, pw := rs[j].w, rs[j-1].w; w != pw {
				if !(w > pw) {
					break
				}
			} else if !rs[j].before(rs[j-1], b) {
				break
			}
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	n := 0
	var codes uint32 // the codes kept so far: evidence is compared within a code only
	for i := range rs {
		dup := false
		bit := uint32(1) << uint(rs[i].code)
		if codes&bit != 0 {
			for j := 0; j < n; j++ {
				if rs[j].code == rs[i].code && string(evidenceOf(b, rs[j])) == string(evidenceOf(b, rs[i])) {
					dup = true
					break
				}
			}
		}
		codes |= bit
		if !dup {
			if n != i {
				rs[n] = rs[i]
			}
			n++
		}
	}
	sc.reasons = rs[:n]
}

// insert adds r to the reasons, which sortDedup has sorted and
// deduplicated, where sortDedup would put it: after the reasons that come
// before it, unless one of them has its code and evidence; a later one
// with its code and evidence goes. One pass instead of sorting again.
func (sc *scratch) insert(r rawReason, b []byte) {
	rs := sc.reasons
	p := len(rs)
	for ; p > 0; p-- {
		// before, with the common case (different weights) inline.
		if pw := rs[p-1].w; r.w != pw {
			if !(r.w > pw) {
				break
			}
		} else if !r.before(rs[p-1], b) {
			break
		}
	}
	ev := evidenceOf(b, r)
	drop := -1
	for k := range rs {
		if rs[k].code == r.code && string(evidenceOf(b, rs[k])) == string(ev) {
			if k < p {
				return
			}
			drop = k
			break
		}
	}
	if drop >= 0 {
		rs = append(rs[:drop], rs[drop+1:]...)
	}
	rs = append(rs, rawReason{})
	copy(rs[p+1:], rs[p:])
	rs[p] = r
	sc.reasons = rs
}

// export copies the sorted reasons out of the scratch buffers, with one
// allocation for the slice and one for all evidence strings.
func (sc *scratch) export(b []byte) []Reason {
	rs := sc.reasons
	if len(rs) == 0 {
		return nil
	}
	ev := sc.evidence[:0]
	for _, r := range rs {
		ev = append(ev, evidenceOf(b, r)...)
	}
	sc.evidence = ev
	all := string(ev)
	out := make([]Reason, len(rs))
	off := 0
	for i, r := range rs {
		l := len(evidenceOf(b, r))
		out[i] = Reason{Code: codeNames[r.code], Evidence: all[off : off+l], Weight: round3(r.w)}
		off += l
	}
	return out
}

// before orders reasons by weight, then code and evidence, so that equal
// inputs give equal verdicts.
func (r rawReason) before(o rawReason, b []byte) bool {
	if r.w != o.w {
		return r.w > o.w
	}
	if r.code != o.code {
		return r.code < o.code
	}
	return string(evidenceOf(b, r)) < string(evidenceOf(b, o))
}

// evidenceOf returns the reason's fragment, cut to at most 40 bytes on a
// character boundary.
func evidenceOf(b []byte, r rawReason) []byte {
	if r.start < 0 || int(r.end) > len(b) || r.start > r.end {
		return nil
	}
	e := b[r.start:r.end]
	if len(e) > maxEvidence {
		cut := maxEvidence
		for cut > 0 && e[cut]&0xC0 == 0x80 {
			cut--
		}
		e = e[:cut]
	}
	return e
}

const maxEvidence = 40

func round3(f float64) float64 {
	if f < 0 {
		return -round3(-f)
	}
	return float64(int64(f*1000+0.5)) / 1000
}
