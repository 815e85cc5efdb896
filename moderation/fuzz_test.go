package moderation

import (
	"math"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzScreen checks what must hold for any input, however malformed: no
// panic, a score within [0, 1], the same verdict for the same input, and a
// normalisation that is idempotent.
func FuzzScreen(f *testing.F) {
	for _, seed := range []string{
		"", "dispo ce soir, mp", "Tina dispo 60 le g, livraison, wickr: x",
		"qui a de la tina ?", "j'ai claqué 200 balles de tina", "d i s p o t.i.n.a 20/g",
		"c0ke 🔌❄️💎", "ѕnоw dіѕро", "di\u200bspo\u00ad", "0 800 23 13 13", "+33 6 12 34 56 78",
		"@plug_paris t.me/+abc https://x.fr", "« 3mmc 20/g » je l'ai bloqué", "a b  c d",
		"Sеssiоn : 053ee4204e8ab3652a529da68351824e591a1ddaec0288b40f986b22348e282ac7",
		"\xff\xfe", "ᄀ\u200bᅡ", "𝐝𝐢𝐬𝐩𝐨",
		"مرحبا بالجميع، هل يوجد أحد هنا؟", "大家好，有人在吗？我需要帮助", "👨‍👩‍👧‍👦👩🏽‍🚀🏳️‍🌈 dispo",
		"ติดต่อ ไลน์ ได้เลย", "שלום לכולם 🔌",
	} {
		f.Add(seed, false)
	}
	s := NewScreener(nil, 0)
	f.Fuzz(func(t *testing.T, text string, newMember bool) {
		ctx := Context{Kind: Message, NewMember: newMember}
		v := s.Screen(text, ctx)
		if math.IsNaN(v.Score) || v.Score < 0 || v.Score > 1 {
			t.Fatalf("score %v out of [0, 1] for %q", v.Score, text)
		}
		if v.Flag != (v.Score >= s.Threshold()) {
			t.Fatalf("flag %v disagrees with score %v", v.Flag, v.Score)
		}
		if again := s.Screen(text, ctx); !reflect.DeepEqual(v, again) {
			t.Fatalf("two verdicts for %q:\n%+v\n%+v", text, v, again)
		}
		for _, r := range v.Reasons {
			if len(r.Evidence) > maxEvidence || !utf8.ValidString(r.Evidence) {
				t.Fatalf("bad evidence %q for %q", r.Evidence, text)
			}
		}
		n := Normalize(text)
		if nn := Normalize(n); nn != n {
			t.Fatalf("Normalize not idempotent:\n in  %q\n 1st %q\n 2nd %q", text, n, nn)
		}
	})
}
