package moderation

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestStableRunes checks the premise of normalizeUnicode's fast path:
// text made of ASCII and stableRune characters is in NFKC, so that NFKC
// would return it unchanged. Every stable character is tried alone and
// between ASCII letters, a sample of them next to each other, and random
// texts mix them with invisible characters.
func TestStableRunes(t *testing.T) {
	var runes []rune
	for r := rune(0); r < stableEmojiEnd; r++ {
		if stableRune(r) {
			runes = append(runes, r)
		}
	}
	if len(runes) < 1000 {
		t.Fatalf("only %d stable characters", len(runes))
	}
	normal := func(s string) {
		t.Helper()
		if stable, _ := surveyRunes(s); !stable {
			t.Fatalf("%q: not stable", s)
		}
		if !norm.NFKC.IsNormalString(s) || norm.NFKC.QuickSpanString(s) != len(s) {
			t.Fatalf("%q (%U) is not in NFKC", s, []rune(s))
		}
	}
	for _, r := range runes {
		normal(string(r))
		normal("a" + string(r) + "e")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sample := make([]rune, 800)
	for i := range sample {
		sample[i] = runes[rng.IntN(len(runes))]
	}
	for _, a := range sample {
		for _, b := range sample {
			normal(string([]rune{a, b}))
		}
	}
	invisible := []string{"\u200b", "\u00ad", "\ufe0f", "\u200d", "\u2060"}
	for i := 0; i < 20000; i++ {
		var s []byte
		for k := rng.IntN(12); k >= 0; k-- {
			switch rng.IntN(4) {
			case 0:
				s = append(s, byte('a'+rng.IntN(26)))
			case 1:
				s = append(s, invisible[rng.IntN(len(invisible))]...)
			default:
				s = utf8.AppendRune(s, runes[rng.IntN(len(runes))])
			}
		}
		if stable, _ := surveyRunes(string(s)); !stable {
			t.Fatalf("%q: not stable", s)
		}
		v := appendVisible(nil, string(s))
		if string(norm.NFKC.Bytes(v)) != string(v) {
			t.Fatalf("%q: NFKC changes the visible text", s)
		}
	}
}
