package moderation

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sync"
)

// Model is a logistic regression that combines the rules' signals with
// hashed word and character n-grams (see features.go). Its weights are
// learned from the labelled corpus by `go run ./moderation/train`, which
// chooses, by cross-validation, among the rules alone, the learned n-grams
// alone and both together, and calibrates the bias so that the model's
// probability 0.5 is the threshold cross-validation chose: the
// configuration's moderation.threshold keeps its meaning.
//
// A Model is immutable once built and safe for concurrent use.
type Model struct {
	// Mode says which candidate won the cross-validation.
	Mode ModelMode
	// Bias, Dense and Hashed are the weights: the logit of a text is
	// Bias + Σ Dense[i]·dense[i] + (Σ Hashed[cell]) / √(number of hashed
	// features).
	Bias   float32
	Dense  [numDense]float32
	Hashed []float32

	// q is Hashed quantised to one byte a cell (q[c]·qScale): a quarter of
	// the memory, so that the table a message's features are looked up in
	// stays in the processor's cache. Screening uses it; training and the
	// weights file use Hashed.
	q      []int8
	qScale float64
}

// quantize fills q from Hashed.
func (m *Model) quantize() {
	maxW := 0.0
	for _, w := range m.Hashed {
		maxW = math.Max(maxW, math.Abs(float64(w)))
	}
	m.q = make([]int8, len(m.Hashed))
	if maxW == 0 {
		m.qScale = 0
		return
	}
	m.qScale = maxW / 127
	for i, w := range m.Hashed {
		m.q[i] = int8(math.Round(float64(w) / m.qScale))
	}
}

// ModelMode names the candidate a model was chosen among.
type ModelMode uint8

// The candidates.
const (
	// RulesOnly keeps the hand-written rules' score as it is.
	RulesOnly ModelMode = iota
	// LearnedOnly scores by the hashed n-grams alone.
	LearnedOnly
	// Combined weighs the rules' signals and the n-grams together.
	Combined
)

func (m ModelMode) String() string {
	switch m {
	case RulesOnly:
		return "rules"
	case LearnedOnly:
		return "learned"
	case Combined:
		return "rules+learned"
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// embeddedModel is the model trained on the shipped corpus.
//
//go:embed model.bin
var embeddedModel []byte

// EmbeddedModel returns the model shipped in the binary. It panics if the
// embedded file is corrupt, which a test rules out.
func EmbeddedModel() *Model {
	embeddedOnce.Do(func() {
		m, err := DecodeModel(embeddedModel)
		if err != nil {
			panic("moderation: embedded model: " + err.Error())
		}
		embedded = m
	})
	return embedded
}

var (
	embeddedOnce sync.Once
	embedded     *Model
)

// modelMagic starts a weights file; the digit is the format's version.
const modelMagic = "EPMODEL1"

// ErrModelFormat is returned by DecodeModel for a file that is not a
// weights file of this version of the program (retrain with
// `go run ./moderation/train`).
var ErrModelFormat = errors.New("not a screening model of this version")

// Encode returns the weights file: magic, mode, hash bits, number of dense
// features, then little-endian float32 bias, dense and hashed weights.
func (m *Model) Encode() []byte {
	out := make([]byte, 0, len(modelMagic)+4+4*(1+numDense+numBuckets))
	out = append(out, modelMagic...)
	out = append(out, byte(m.Mode), hashBits)
	out = binary.LittleEndian.AppendUint16(out, uint16(numDense))
	put := func(f float32) { out = binary.LittleEndian.AppendUint32(out, math.Float32bits(f)) }
	put(m.Bias)
	for _, w := range m.Dense {
		put(w)
	}
	hashed := m.Hashed
	if len(hashed) != numBuckets {
		hashed = make([]float32, numBuckets)
	}
	for _, w := range hashed {
		put(w)
	}
	return out
}

// DecodeModel reads a weights file written by Encode.
func DecodeModel(b []byte) (*Model, error) {
	head := len(modelMagic) + 4
	want := head + 4*(1+numDense+numBuckets)
	if len(b) < head || string(b[:len(modelMagic)]) != modelMagic {
		return nil, ErrModelFormat
	}
	mode, bits, dense := ModelMode(b[len(modelMagic)]), b[len(modelMagic)+1], binary.LittleEndian.Uint16(b[len(modelMagic)+2:])
	if bits != hashBits || int(dense) != numDense || mode > Combined {
		return nil, fmt.Errorf("%w: mode %d, %d hash bits, %d dense features (this program: %d, %d)",
			ErrModelFormat, mode, bits, dense, hashBits, numDense)
	}
	if len(b) != want {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrModelFormat, len(b), want)
	}
	p := b[head:]
	get := func() float32 {
		f := math.Float32frombits(binary.LittleEndian.Uint32(p))
		p = p[4:]
		return f
	}
	m := &Model{Mode: mode, Hashed: make([]float32, numBuckets)}
	m.Bias = get()
	for i := range m.Dense {
		m.Dense[i] = get()
	}
	for i := range m.Hashed {
		m.Hashed[i] = get()
	}
	for _, w := range append(append([]float32{m.Bias}, m.Dense[:]...), m.Hashed...) {
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			return nil, fmt.Errorf("%w: a weight is not a number", ErrModelFormat)
		}
	}
	m.quantize()
	return m, nil
}

// logit returns the model's logit for the features in sc, with adj (may be
// nil) added within its bounds, and notes in sc.top the word features that
// pushed the score up the most.
func (m *Model) logit(sc *scratch, adj *Adjustments) float64 {
	z := float64(m.Bias)
	if m.Mode == Combined {
		// In order, the features extract may have made non-zero: each
		// other one adds Dense[i]·0 = 0 (the weights are finite).
		for w, set := range sc.denseSet {
			for ; set != 0; set &= set - 1 {
				i := w*64 + bits.TrailingZeros64(set)
				z += float64(m.Dense[i] * sc.dense[i])
			}
		}
	}
	sc.top = [2]feature{{start: -1}, {start: -1}}
	sc.topW = [2]float64{}
	fs := sc.feats
	if len(fs) == 0 {
		return z - memberGuard(&sc.dense)
	}
	sum, top, topW := m.sumHashed(fs)
	var shift int64
	if adj != nil {
		shift = adj.sum(fs)
	}
	scale := featureScale(len(fs))
	z += float64(sum) * m.qScale * scale
	if adj != nil {
		z += clamp(float64(shift)*adjScale*scale, -adj.maxShift, adj.maxShift)
	}
	sc.top = top
	sc.topW = [2]float64{float64(topW[0]) * m.qScale * scale, float64(topW[1]) * m.qScale * scale}
	return z - memberGuard(&sc.dense)
}

// sumHashed returns the sum of the quantised weights of the features'
// cells, and the two word features that weigh the most (the first one
// found wins a tie).
func (m *Model) sumHashed(fs []feature) (sum int64, top [2]feature, topW [2]int64) {
	q := (*[numBuckets]int8)(m.q) // a fixed size: no bounds check in the loop
	top[0].start, top[1].start = -1, -1
	for i := range fs {
		f := &fs[i] // not a copy of each feature
		w := int64(q[f.cell&(numBuckets-1)])
		sum += w
		if w > topW[1] && f.start >= 0 {
			if w > topW[0] {
				top[1], topW[1] = top[0], topW[0]
				top[0], topW[0] = *f, w
			} else {
				top[1], topW[1] = *f, w
			}
		}
	}
	return sum, top, topW
}

// memberGuard is what the logit loses when the rules read a member talking
// about their own life (a story, recovery, harm-reduction advice, with a
// dampener of at least guardDampener) and did not find a deal themselves:
// flagging a member who dares to tell a relapse is the worst failure, so
// the learned words alone must then be much surer. Recovery (a craving, a
// relapse, days clean) costs the most: "j'ai besoin de G, comment vous
// faites sans ?" is a member's craving, though its words are a buyer's
// too, and the corpus has few such cravings to teach it. Cross-validation
// chose the sizes against the dealers they let through (three logits for
// recovery instead of one: 0.3 points of offers and 0.2 of requests).
func memberGuard(dense *[numDense]float32) float64 {
	if dense[denseScore] >= DefaultThreshold ||
		!tellsOwnStory(float64(dense[cStory]), float64(dense[cRecovery]), float64(dense[cHarmReduction])) {
		return 0
	}
	if dense[cRecovery] >= guardDampener {
		return recoveryPenalty
	}
	return guardPenalty
}

// tellsOwnStory reports whether a story, recovery or harm-reduction
// dampener is strong enough to read the author telling their own life:
// the member guard's condition, and the one that spares a newcomer the
// new-member share.
func tellsOwnStory(story, recovery, harmReduction float64) bool {
	return max(story, recovery, harmReduction) >= guardDampener
}

// The guard's threshold (a dampener's weight) and sizes (in logits).
const (
	guardDampener   = 0.4
	guardPenalty    = 1.0
	recoveryPenalty = 3.0
)

func clamp(x, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, x))
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// learnedEvidence is the smallest share of the logit a word feature must
// bring to be shown to moderators as a reason.
const learnedEvidence = 0.35

// sum returns the sum of the corrections of the features' cells, in steps
// of adjScale.
func (a *Adjustments) sum(fs []feature) (s int64) {
	q := (*[numBuckets]int8)(a.q)
	for _, f := range fs {
		s += int64(q[f.cell&(numBuckets-1)])
	}
	return s
}
