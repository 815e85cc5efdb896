package review

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var t0 = time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)

func TestDecide(t *testing.T) {
	tests := []struct {
		name        string
		first, then Action
		wantErr     error
		final       Action
	}{
		{"second tap refused", Delete, Ignore, ErrAlreadyDecided, Delete},
		{"ban after warn allowed", Warn, Ban, nil, Ban},
		{"warn after ban refused", Ban, Warn, ErrAlreadyDecided, Ban},
		{"delete after warn refused", Warn, Delete, ErrAlreadyDecided, Warn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Flag{}
			if err := f.Decide(tt.first, 1, "A", t0); err != nil {
				t.Fatal(err)
			}
			if err := f.Decide(tt.then, 2, "B", t0.Add(time.Minute)); !errors.Is(err, tt.wantErr) {
				t.Fatalf("second decision: %v, want %v", err, tt.wantErr)
			}
			if f.Action != tt.final {
				t.Errorf("action %s, want %s", f.Action, tt.final)
			}
		})
	}
}

func TestDeletableWithin48h(t *testing.T) {
	f := &Flag{MessageID: 5, MessageDate: t0}
	if !f.Deletable(t0.Add(47 * time.Hour)) {
		t.Error("not deletable at 47h")
	}
	if f.Deletable(t0.Add(48 * time.Hour)) {
		t.Error("deletable at 48h")
	}
	if (&Flag{MessageDate: t0}).Deletable(t0) {
		t.Error("a flag without message is deletable")
	}
}

func TestExpired(t *testing.T) {
	f := &Flag{}
	if f.Expired(t0.Add(1000*time.Hour), time.Hour) {
		t.Error("an undecided flag expired: moderators still need its excerpt")
	}
	_ = f.Decide(Ignore, 1, "A", t0)
	if f.Expired(t0.Add(29*24*time.Hour), 30*24*time.Hour) || !f.Expired(t0.Add(30*24*time.Hour), 30*24*time.Hour) {
		t.Error("retention boundary wrong")
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short kept", "  dispo ce soir  ", 300, "dispo ce soir"},
		{"cut on a word", "un deux trois quatre cinq", 12, "un deux…"},
		{"accents counted as characters", strings.Repeat("é", 10), 5, "éééé…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Excerpt(tt.in, tt.n); got != tt.want {
				t.Errorf("Excerpt = %q, want %q", got, tt.want)
			}
		})
	}
	long := Excerpt(strings.Repeat("mot ", 500), ExcerptLen)
	if n := utf8.RuneCountInString(long); n > ExcerptLen {
		t.Errorf("excerpt of %d characters", n)
	}
}

func TestParseAction(t *testing.T) {
	for _, a := range []Action{Ignore, Delete, Warn, Ban} {
		got, ok := ParseAction(a.Letter())
		if !ok || got != a {
			t.Errorf("round trip of %s: %s %v", a, got, ok)
		}
	}
	if _, ok := ParseAction("x"); ok {
		t.Error("unknown letter accepted")
	}
}
