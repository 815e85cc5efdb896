package moderation

import "testing"

// TestThresholdCountsNewcomers checks that the threshold's choice counts a
// member's own story that the new-member share would lift over the
// threshold when a newcomer writes it, and only when the rules do not
// read it as the author's own story (Screen gives no share then).
func TestThresholdCountsNewcomers(t *testing.T) {
	// 20 offers from 0.96 down to 0.58, 80 ordinary benign messages at 0.1,
	// and a relapse at 0.85: below the offers' 0.88, but where the share
	// of a quarter would flag it.
	var es []CorpusEntry
	var p []float64
	for i := range 20 {
		es = append(es, CorpusEntry{ID: "o", Label: "offer", Kind: "delivery"})
		p = append(p, 0.96-0.02*float64(i))
	}
	for range 80 {
		es = append(es, CorpusEntry{ID: "b", Label: "benign", Kind: "everyday"})
		p = append(p, 0.1)
	}
	es = append(es, CorpusEntry{ID: "r", Label: "benign", Kind: "relapse"})
	p = append(p, 0.85)
	relapse := len(es) - 1

	for _, tc := range []struct {
		name        string
		nc          newcomers
		wantAbove   bool // the threshold stays above the relapse's score as a newcomer's
		wantCounted int
	}{
		{"members only", newcomers{}, false, 0},
		{"newcomers, not read as own story", newcomers{share: 0.25, own: make([]bool, len(es))}, true, 0},
		{"newcomers, read as own story", newcomers{share: 0.25, own: func() []bool {
			o := make([]bool, len(es))
			o[relapse] = true
			return o
		}()}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := chooseThresholdWith(es, p, 0.05, tc.nc)
			if c.Threshold <= p[relapse] {
				t.Fatalf("threshold %.3f flags the relapse (%.2f) as a member's message", c.Threshold, p[relapse])
			}
			liftedAt := func(th float64) bool {
				return newcomers{share: 0.25, own: make([]bool, len(es))}.protectedFlagged(es, p, th) > 0
			}
			if got := !liftedAt(c.Threshold); got != tc.wantAbove {
				t.Errorf("threshold %.3f: relapse safe as a newcomer's message %v, want %v", c.Threshold, got, tc.wantAbove)
			}
			if c.NewcomerProtected != tc.wantCounted {
				t.Errorf("NewcomerProtected %d, want %d", c.NewcomerProtected, tc.wantCounted)
			}
		})
	}
}

// TestNewcomerShareMatchesScreen checks protectedFlagged's reading of the
// share against Screen's: at the calibrated threshold t, a probability p
// becomes q = σ(logit p − logit t) at the screener's 0.5, and the share
// flags it when q·1.25 ≥ 0.5, that is q ≥ 0.4.
func TestNewcomerShareMatchesScreen(t *testing.T) {
	es := []CorpusEntry{{ID: "r", Label: "benign", Kind: "relapse"}}
	nc := newcomers{share: 0.25, own: []bool{false}}
	const th = 0.8
	// logit q = logit p − logit t; q = 0.4 at p = σ(logit 0.4 + logit 0.8) = 8/11.
	for _, tc := range []struct {
		p    float64
		want int
	}{{0.70, 0}, {0.72, 0}, {0.73, 1}, {0.79, 1}, {0.80, 1}, {0.95, 1}} {
		if got := nc.protectedFlagged(es, []float64{tc.p}, th); got != tc.want {
			t.Errorf("p %.2f at threshold %.1f: %d flagged, want %d", tc.p, th, got, tc.want)
		}
	}
}
