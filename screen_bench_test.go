package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/entrepairs/entrepairs/moderation"
)

// BenchmarkScreenCommand runs `entrepairs screen` over 60,000 lines (the
// corpus repeated) on every core, one operation per line: ns/msg is the
// wall time per message end to end (decoding, screening, encoding). The
// target is at most 10 µs. By hand: the same input through
// `./entrepairs screen < file > /dev/null`.
func BenchmarkScreenCommand(b *testing.B) {
	files, _ := filepath.Glob("moderation/testdata/corpus/*.jsonl")
	var corpus []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		corpus = append(corpus, data...)
	}
	const lines = 60000
	var in bytes.Buffer
	for n := 0; n < lines; {
		for _, l := range bytes.SplitAfter(corpus, []byte("\n")) {
			if n == lines {
				break
			}
			if len(bytes.TrimSpace(l)) > 0 {
				in.Write(l)
				n++
			}
		}
	}
	screener := moderation.NewScreener(nil, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := screenLines(bytes.NewReader(in.Bytes()), io.Discard, io.Discard, screener); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/msg")
}

// TestScreenCommandOutput: the verdict lines written straight from the
// screener are those of verdictOf and appendVerdict (encoding/json's
// format), for every corpus message.
func TestScreenCommandOutput(t *testing.T) {
	files, _ := filepath.Glob("moderation/testdata/corpus/*.jsonl")
	screener := moderation.NewScreener(nil, 0)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.Split(data, []byte("\n")) {
			id, text, ok, _ := decodeLine(string(bytes.TrimSpace(l)))
			if !ok {
				continue
			}
			for _, ctx := range []moderation.Context{{}, {NewMember: true}} {
				v := screener.Screen(text, ctx)
				if got, want := appendVerdictOf(nil, id, v), appendVerdict(nil, verdictOf(id, v)); string(got) != string(want) {
					t.Fatalf("%s:\n got  %s\n want %s", id, got, want)
				}
			}
		}
	}
}
