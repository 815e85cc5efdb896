package moderation

import (
	"math"
	"testing"
)

var (
	// A member bringing food to a games night, in words that look like a
	// delivery: the false flags moderators dismiss.
	partyFood = []string{
		"Je passe ce soir avec les pizzas pour la soirée jeux, mp pour l'adresse",
		"Je passe ce soir avec les crêpes pour la soirée film, mp pour l'adresse",
		"Je passe ce soir avec les tacos pour la soirée quiz, mp pour l'adresse",
	}
	newPartyFood = "Je passe ce soir avec les chips pour la soirée karaoké, mp pour l'adresse"
	tinaOffers   = []string{
		"la tina de jojo est dispo, passe me voir au parc",
		"la tina de jojo dispo demain, je suis au parc vers 18h",
		"la tina de jojo toujours dispo, rdv au parc ce soir",
	}
	newTinaOffer = "la tina de jojo dispo, je suis au parc"
)

func logitOf(p float64) float64 { return math.Log(p / (1 - p)) }

// teach applies the decisions one by one, as the bot does, and returns the
// screener with the corrections in force.
func teach(s *Screener, texts []string, dealer bool, stats map[uint32]CellStat) *Screener {
	for _, text := range texts {
		s.Lesson(text, dealer).Apply(stats)
		s = s.WithAdjustments(NewAdjustments(stats))
	}
	return s
}

func TestLearningFromDecisions(t *testing.T) {
	base := NewScreener(nil, 0)
	if base.Model() == nil {
		t.Skip("the shipped model is the rules alone: nothing to learn")
	}
	tests := []struct {
		name    string
		taught  []string
		dealer  bool
		similar string
		lower   bool
	}{
		{name: "dismissals lower a similar message", taught: partyFood, dealer: false, similar: newPartyFood, lower: true},
		{name: "deletions raise a similar message", taught: tinaOffers, dealer: true, similar: newTinaOffer, lower: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := base.Screen(tt.similar, Context{}).Score
			stats := map[uint32]CellStat{}
			one := teach(base, tt.taught[:1], tt.dealer, stats)
			if got := one.Screen(tt.similar, Context{}).Score; got != before {
				t.Errorf("one decision changed the score %.3f -> %.3f: MinDecisions is %d", before, got, MinDecisions)
			}
			after := teach(one, tt.taught[1:], tt.dealer, stats).Screen(tt.similar, Context{}).Score
			t.Logf("%q: %.3f -> %.3f", tt.similar, before, after)
			if moved := logitOf(after) - logitOf(before); tt.lower && moved > -0.5 || !tt.lower && moved < 0.5 {
				t.Errorf("logit moved by %.2f", moved)
			}
			// However many decisions, a message moves by MaxShift at most.
			many := teach(base, append(append(append([]string{}, tt.taught...), tt.taught...), tt.taught...), tt.dealer, map[uint32]CellStat{})
			for _, text := range append([]string{tt.similar}, tt.taught...) {
				b, a := base.Screen(text, Context{}).Score, many.Screen(text, Context{}).Score
				if d := math.Abs(logitOf(a) - logitOf(b)); d > MaxShift+0.05 {
					t.Errorf("%q moved by %.2f, more than %v", text, d, MaxShift)
				}
			}
		})
	}
}
