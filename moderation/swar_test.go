package moderation

import (
	"encoding/binary"
	"testing"
)

// TestHasLeet checks the byte-parallel test deleet skips text with
// against the class table: every byte value at every position, among
// bytes of every other value.
func TestHasLeet(t *testing.T) {
	var w [8]byte
	for fill := 0; fill < 256; fill++ {
		for pos := 0; pos < 8; pos++ {
			for c := 0; c < 256; c++ {
				for k := range w {
					w[k] = byte(fill)
				}
				w[pos] = byte(c)
				want := class[byte(fill)]&clLeet != 0 || class[byte(c)]&clLeet != 0
				if got := hasLeet(binary.LittleEndian.Uint64(w[:])); got != want {
					t.Fatalf("hasLeet(% x) = %v, want %v", w, got, want)
				}
			}
		}
	}
}
