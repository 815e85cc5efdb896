package bot

import (
	"slices"
	"strings"
	"testing"
)

func TestButtonData(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		fields    []string
		pair      bool
		id, value string
	}{
		{name: "id and action", data: "a1b2|ok", fields: []string{"a1b2", "ok"}, pair: true, id: "a1b2", value: "ok"},
		{name: "empty", data: "", fields: []string{""}},
		{name: "no separator", data: "yes", fields: []string{"yes"}},
		{name: "empty id", data: "|d", fields: []string{"", "d"}, pair: true, value: "d"},
		{name: "three fields are no pair", data: "-100|2026-11-20|hard", fields: []string{"-100", "2026-11-20", "hard"}},
		{name: "extra field", data: "a|ok|extra", fields: []string{"a", "ok", "extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dataFields(tt.data); !slices.Equal(got, tt.fields) {
				t.Errorf("dataFields = %q, want %q", got, tt.fields)
			}
			id, value, ok := dataPair(tt.data)
			if ok != tt.pair || id != tt.id || value != tt.value {
				t.Errorf("dataPair = %q %q %v, want %q %q %v", id, value, ok, tt.id, tt.value, tt.pair)
			}
		})
	}
}

// FuzzButtonData: whatever comes back from a client, splitting never
// panics, and data the bot built reads back as the fields it was built of.
func FuzzButtonData(f *testing.F) {
	for _, s := range []string{"", "|", "a|b", "a|b|c", "💥|💥", "\x00"} {
		f.Add(s, "ok")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		_ = dataFields(a)
		_, _, _ = dataPair(a)
		if strings.Contains(a, dataSep) || strings.Contains(b, dataSep) {
			return // not data the bot builds
		}
		x, y, ok := dataPair(buttonData(a, b))
		if !ok || x != a || y != b {
			t.Errorf("round trip of %q, %q: %q %q %v", a, b, x, y, ok)
		}
		if got := dataFields(buttonData(a, b, a)); len(got) != 3 {
			t.Errorf("three fields read as %q", got)
		}
	})
}
