package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/entrepairs/entrepairs/moderation"
)

// FuzzScreenJSON: the fast paths of `entrepairs screen` read and write
// exactly what encoding/json would.
func FuzzScreenJSON(f *testing.F) {
	for _, seed := range []string{
		`{"id": "a1", "text": "Tina dispo ce soir"}`, `{"id": 3, "text": "x"}`, `{"text": "sans id"}`,
		`{"id": "a4"}`, `not json`, `{"id": "x", "text": "a\"b"}`, `{"text": "é\u2028", "id": null}`,
		`{"id": "a", "text": "b", "text": "c"}`, `{"id": [1], "text": "t"}`, `{"id": 1e3, "text": "t", "extra": true}`,
		`{"text": "\xff"}`, ` { "id" : "s" , "text" : "t" } `, `{"id": -0.5, "text": ""}`,
		`{"id": 1-2, "text": "t"}`, `{"id": 01, "text": "t"}`, `{"id": 1.e3, "text": "t"}`, `{"id": truex, "text": "t"}`,
		`{"id": null, "text": "t"}`, `{"id": false, "text": "t", "n": -1.5E+7}`, `{"id": "x", "text": "t"} x`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var want struct {
			ID   json.RawMessage `json:"id"`
			Text *string         `json:"text"`
		}
		wantErr := json.Unmarshal([]byte(line), &want)
		id, text, ok, err := decodeLine(line)
		if wantErr != nil || want.Text == nil {
			if ok {
				t.Fatalf("%q: fast path accepted a line encoding/json refuses (%v)", line, wantErr)
			}
			return
		}
		if !ok || err != nil || text != *want.Text || id != idString(want.ID) {
			t.Fatalf("%q: got id %q text %q (%v), want id %q text %q", line, id, text, err, want.ID, *want.Text)
		}
		v := verdictLine{ID: text, Flag: len(text)%2 == 0, Score: 0.123, Reasons: []string{text, "offer: dispo"}}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		if got := appendVerdict(nil, v); string(got) != buf.String() {
			t.Fatalf("%q:\n got  %s\n want %s", text, got, buf.String())
		}
		mv := moderation.Verdict{Score: 0.1234, Flag: true, Reasons: []moderation.Reason{{Code: "offer", Evidence: text}, {Code: "new_member"}}}
		if got, want := appendVerdictOf(nil, id, mv), appendVerdict(nil, verdictOf(id, mv)); string(got) != string(want) {
			t.Fatalf("%q:\n got  %s\n want %s", text, got, want)
		}
	})
}
