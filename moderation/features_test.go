package moderation

import (
	"slices"
	"testing"
)

// TestCharGrams checks appendCharGrams against the plain definition: the
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
		for _, f := range appendCharGrams(nil, []byte(w)) {
			if f.start != -1 {
				t.Errorf("%q: a character n-gram has a span", w)
			}
			got = append(got, f.cell)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: cells %v, want %v", w, got, want)
		}
	}
}
