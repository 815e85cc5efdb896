package moderation

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestCharGrams checks charGrams against the plain definition: the
// 5-grams of "^word$", each hashed from its first byte on.
func TestCharGrams(t *testing.T) {
	for _, w := range []string{"", "a", "ab", "abc", "abcd", "abcde", "livreur", "chama", "3mmc", "\xd0\xb0bc"} {
		x := "^" + w + "$"
		var want []uint32
		for i := 0; i+5 <= len(x); i++ {
			h := hChar
			for j := i; j < i+5; j++ {
				h = fnvByte(h, x[j])
			}
			want = append(want, bucket(h))
		}
		var got []uint32
		fs := make([]feature, len(w)+1)
		for _, f := range fs[:charGrams(fs, 0, []byte(w))] {
			if f.start != -1 {
				t.Errorf("%q: a character n-gram has a span", w)
			}
			got = append(got, f.cell)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: cells %v, want %v", w, got, want)
		}
		if gramCount(len(w)) != len(want) {
			t.Errorf("%q: gramCount %d, want %d", w, gramCount(len(w)), len(want))
		}
	}
}

// TestWordTableGrams checks the n-gram cells the word table keeps for
// each dictionary word against charGrams of the word.
func TestWordTableGrams(t *testing.T) {
	tab := compile(DefaultLexicon()).table
	words := 0
	for _, s := range tab.slots {
		if s.len == 0 {
			continue
		}
		words++
		w := []byte(tab.arena[s.off : s.off+s.len])
		fs := make([]feature, len(w)+1)
		var want []uint32
		for _, f := range fs[:charGrams(fs, 0, w)] {
			want = append(want, f.cell)
		}
		got := tab.grams[s.grams : int(s.grams)+gramCount(len(w))]
		if !slices.Equal(got, want) {
			t.Errorf("%q: table cells %v, want %v", w, got, want)
		}
	}
	if words == 0 {
		t.Fatal("the word table is empty")
	}
}

// TestRepeatedTextCountsOnce: a cell counts once per text, so that an
// offer padded with a greeting pasted over and over is still read as an
// offer, and a text said twice has the features of the text said once.
func TestRepeatedTextCountsOnce(t *testing.T) {
	s := NewScreener(nil, 0)
	offer := "Tina 💎 dispo ce soir, 80€ le g, livraison Paris 7j/7, contact Wickr: plug75"
	padded := offer + " " + strings.Repeat("Salut à toutes et tous, ça va ? ", 120)
	if v := s.Screen(padded, Context{}); !v.Flag {
		t.Errorf("an offer padded with a repeated greeting is not flagged (score %.3f)", v.Score)
	}
	once := s.Sample("ça va, merci")
	twice := s.Sample("ça va, merci ça va, merci")
	if len(twice.Cells) >= 2*len(once.Cells) {
		t.Errorf("a text said twice has %d features, once %d", len(twice.Cells), len(once.Cells))
	}
	seen := map[uint32]bool{}
	for _, c := range twice.Cells {
		if seen[c] {
			t.Fatalf("cell %d counted twice", c)
		}
		seen[c] = true
	}
}

// TestDenseSet checks extract's dense features against the plain
// definition (every pair multiplied), and that those outside denseSet
// are 0.
func TestDenseSet(t *testing.T) {
	s := NewScreener(nil, 0)
	texts := append(devCorpus(t), "", "ok", "💊", "tina 80€ livraison wickr plug75 dispo ce soir urgent")
	sc := new(scratch)
	for _, text := range texts {
		b := normalizeInto(sc, text)
		if len(b) == 0 {
			continue
		}
		score := s.m.score(sc, b)
		sc.extract(b, score)
		var want [numDense]float32
		for _, r := range sc.reasons {
			if r.code < 0 || r.code >= numCodes {
				continue
			}
			if w := float32(math.Abs(r.w)); w > want[r.code] {
				want[r.code] = w
			}
		}
		want[denseScore] = float32(score)
		k := densePair0
		for i := 0; i < numPositive; i++ {
			for j := i + 1; j < numPositive; j++ {
				want[k] = want[i] * want[j]
				k++
			}
		}
		if n := len(sc.feats); n < minFeatures {
			f := float32(math.Sqrt(float64(n) / minFeatures))
			for i := range want {
				want[i] *= f
			}
		}
		for i := range want {
			in := sc.denseSet[i/64]&(1<<(i%64)) != 0
			if math.Float32bits(sc.dense[i]) != math.Float32bits(want[i]) || (!in && want[i] != 0) {
				t.Fatalf("%q: dense[%d] = %v (in the set: %v), want %v", text, i, sc.dense[i], in, want[i])
			}
		}
	}
}
