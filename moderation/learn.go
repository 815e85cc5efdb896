package moderation

import "math"

// Learning from the moderators. Each decision on a card is a label: a
// dismissal says the message was a member's, a deletion, warning or ban
// says it was a dealer's. A deployment keeps, per cell of the hashed
// feature table, a small correction to the shipped weight and the number of
// decisions that touched it. No word is kept: a cell is shared by many
// n-grams, and the store keys cells through a secret of the deployment
// (see the store), so the data file alone tells nothing of what was said.
//
// Bounds keep a run of decisions, honest or mistaken, from taking over:
//   - a cell counts only once MinDecisions decisions have touched it, so a
//     single decision never changes how anything is screened;
//   - a cell's correction stays within ±MaxCellDelta;
//   - all corrections together move a text's logit by at most ±MaxShift
//     (about a factor of 20 on the odds): a clear offer stays flagged
//     however many similar messages were dismissed.

// Learning bounds.
const (
	MinDecisions = 3
	MaxCellDelta = 1.0
	MaxShift     = 3.0
	// stepLogit is how far one decision moves the logit of the very
	// message decided, times how wrong the model was about it.
	stepLogit = 2.0
)

// CellStat is a deployment's correction for one cell of the feature table.
type CellStat struct {
	Delta float32
	Count uint32
}

// Adjustments are the corrections in force; build them with
// NewAdjustments. Immutable and safe for concurrent use.
type Adjustments struct {
	q        []int8 // corrections in steps of adjScale, small enough to stay in cache
	cells    int
	maxShift float64
}

// adjScale is the step corrections are kept in memory with.
const adjScale = MaxCellDelta / 127

// NewAdjustments keeps the corrections of the cells at least MinDecisions
// decisions have touched.
func NewAdjustments(stats map[uint32]CellStat) *Adjustments {
	a := &Adjustments{q: make([]int8, numBuckets), maxShift: MaxShift}
	for cell, st := range stats {
		if cell >= numBuckets || st.Count < MinDecisions {
			continue
		}
		d := clamp(float64(st.Delta), -MaxCellDelta, MaxCellDelta)
		a.q[cell] = int8(math.Round(d / adjScale))
		a.cells++
	}
	return a
}

// Cells reports how many cells have a correction in force.
func (a *Adjustments) Cells() int {
	if a == nil {
		return 0
	}
	return a.cells
}

// Lesson is what one decision teaches: the changes to make to the cells of
// the decided message's features.
type Lesson map[uint32]CellStat

// Lesson returns what deciding that text was (dealer) or was not a
// dealer's teaches, given the corrections in force. It needs the learned
// model; with the rules alone it teaches nothing (nil).
func (s *Screener) Lesson(text string, dealer bool) Lesson {
	if s.model == nil || s.model.Mode == RulesOnly {
		return nil
	}
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	b := normalizeInto(sc, text)
	if len(b) == 0 {
		return nil
	}
	score := s.m.score(sc, b)
	sc.extract(b, score)
	if len(sc.feats) == 0 {
		return nil
	}
	p := sigmoid(s.model.logit(sc, s.adj))
	y := 0.0
	if dealer {
		y = 1
	}
	d := float32(stepLogit * (y - p) * featureScale(len(sc.feats)))
	out := Lesson{}
	for _, f := range sc.feats {
		st := out[f.cell]
		st.Delta += d
		st.Count = 1
		out[f.cell] = st
	}
	return out
}

// Apply adds the lesson to stats (the deployment's cells), keeping every
// correction within its bounds, and returns the cells it changed.
func (l Lesson) Apply(stats map[uint32]CellStat) []uint32 {
	changed := make([]uint32, 0, len(l))
	for cell, st := range l {
		cur := stats[cell]
		cur.Delta = float32(clamp(float64(cur.Delta+st.Delta), -MaxCellDelta, MaxCellDelta))
		cur.Count += st.Count
		stats[cell] = cur
		changed = append(changed, cell)
	}
	return changed
}

// NumCells is the size of the hashed feature table: cells are numbered
// 0..NumCells-1 (the store derives each cell's secret key from it).
const NumCells = numBuckets
