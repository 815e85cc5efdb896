package charter

import (
	"os"
	"testing"
)

// BenchmarkRender measures rendering the French charter shipped with the bot,
// which every join request and /charte command sends.
func BenchmarkRender(b *testing.B) {
	src, err := os.ReadFile("../charter.md")
	if err != nil {
		b.Fatal(err)
	}
	md := string(src)
	b.ReportAllocs()
	for b.Loop() {
		Render(md, MaxMessageLen)
	}
}
