package moderation

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// TestBlindReading keeps the blind reading test of testdata/blind true to
// the corpus: two readers, given the text of 350 training messages and the
// labelling rules only, labelled each one a dealer's message or not as the
// corpus does, the 100 offers the model missed out of fold among them (main
// README). It fails if a message's text or label in the corpus no longer
// matches what the readers were shown, or if a message is in the locked
// part (never looked at while tuning).
func TestBlindReading(t *testing.T) {
	corpus, err := LoadCorpusDir(os.DirFS("testdata/corpus"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]CorpusEntry{}
	for _, e := range corpus {
		byID[e.ID] = e
	}
	type item struct {
		N     int    `json:"n"`
		Text  string `json:"text"`
		ID    string `json:"id"`
		Group string `json:"group"`
		Label string `json:"label"`
	}
	read := func(name string) map[int]item {
		data, err := os.ReadFile("testdata/blind/" + name)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int]item{}
		dec := json.NewDecoder(bytes.NewReader(data))
		for dec.More() {
			var it item
			if err := dec.Decode(&it); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[it.N] = it
		}
		return out
	}
	items, key := read("items.jsonl"), read("key.jsonl")
	readers := map[string]map[int]item{"a": read("reader_a.jsonl"), "b": read("reader_b.jsonl")}
	if len(items) != 350 || len(key) != 350 {
		t.Fatalf("%d items and %d keys, want 350", len(items), len(key))
	}
	missed := 0
	agree := map[string]int{}
	for n, it := range items {
		k := key[n]
		e, ok := byID[k.ID]
		switch {
		case !ok:
			t.Fatalf("item %d: %s is not in the corpus", n, k.ID)
		case e.Locked():
			t.Fatalf("item %d: %s is in the locked part", n, k.ID)
		case e.Text != it.Text:
			t.Fatalf("item %d: the corpus text of %s changed", n, k.ID)
		}
		if k.Group == "offer_missed" {
			missed++
			if e.Label != "offer" {
				t.Errorf("item %d (%s): a missed offer labelled %s in the corpus", n, k.ID, e.Label)
			}
		}
		for who, r := range readers {
			l, ok := r[n]
			if !ok {
				t.Fatalf("reader %s has no label for item %d", who, n)
			}
			if (l.Label != "benign") == e.Dealer() {
				agree[who]++
			}
		}
	}
	if missed != 100 {
		t.Errorf("%d missed offers among the items, want 100", missed)
	}
	for who, n := range agree {
		t.Logf("reader %s: %d of %d read as the corpus labels them (dealer or not)", who, n, len(items))
		if n != len(items) {
			t.Errorf("reader %s agrees with the corpus on %d of %d messages; the README says all", who, n, len(items))
		}
	}
}
