package moderation

import "testing"

// TestNormalize covers every trick the normaliser must defeat, and the
// numbers it must leave alone.
func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// Case, accents, ligatures, NFKC.
		{"case and accents", "Écris-MOI, ça Dépanne", "ecris-moi, ca depanne"},
		{"cedilla and ligatures", "Œuvre ﬁne straße", "oeuvre fine strasse"},
		{"fullwidth letters", "ｄｉｓｐｏ", "dispo"},
		{"mathematical bold", "𝐝𝐢𝐬𝐩𝐨 𝐭𝐢𝐧𝐚", "dispo tina"},
		{"mathematical italic", "𝑡𝑖𝑛𝑎", "tina"},
		{"circled letters", "ⓣⓘⓝⓐ", "tina"},
		{"small capitals", "ᴅɪꜱᴘᴏ", "dispo"},
		{"negative squared letters", "🅿️aris", "paris"},
		{"regional indicators", "🇬🇭🇧", "ghb"},
		// Look-alikes.
		{"cyrillic a e o p c", "tіnа dіѕро", "tina dispo"},
		{"cyrillic capitals", "ТINА", "tina"},
		{"cyrillic u for u", "plуg sуr Strasbоurg", "plug sur strasbourg"},
		{"greek omicron rho nu", "ρlug ѕnοw", "plug snow"},
		{"greek capitals", "ΤΙΝΑ", "tina"},
		// Invisible characters.
		{"zero-width space", "di\u200bspo", "dispo"},
		{"zero-width joiner and non-joiner", "ti\u200dn\u200ca", "tina"},
		{"word joiner and bom", "wi\u2060ck\ufeffr", "wickr"},
		{"soft hyphen", "li\u00advrai\u00adson", "livraison"},
		{"variation selector on emoji", "❄\ufe0f", "emoji:snow"},
		{"bidi controls", "\u202edispo\u202c", "dispo"},
		{"strikethrough combining marks", "d\u0336i\u0336s\u0336p\u0336o\u0336", "dispo"},
		// Leetspeak inside words, numbers kept.
		{"leet zero", "c0ke", "coke"},
		{"leet one and four", "t1n4", "tina"},
		{"leet three inside", "m3th", "meth"},
		{"leet several", "d1sp0", "dispo"},
		{"leet at and dollar", "c@ke co$e", "cake cose"},
		{"e-mail is not leet", "deal@proton.me", "deal@proton.me"},
		{"3mmc stays", "3mmc 3-MMC 4mmc 2cb", "3mmc 3-mmc 4mmc 2cb"},
		{"prices stay", "20/g 60 le demi 25€/g 0,5g", "20/g 60 le demi 25€/g 0,5g"},
		{"phone stays", "0 800 23 13 13 et 06 12 34 56 78", "0 800 23 13 13 et 06 12 34 56 78"},
		{"hours and ordinals stay", "20h 4e 1er", "20h 4e 1er"},
		{"short words with a digit stay", "mp3 h24 b2b", "mp3 h24 b2b"},
		// Spaced and dotted letters.
		{"spaced", "d i s p o", "dispo"},
		{"dotted", "t.i.n.a", "tina"},
		{"dashed", "d-i-s-p-o", "dispo"},
		{"underscored", "d_i_s_p_o", "dispo"},
		{"starred", "c*o*k*e", "coke"},
		{"middle dots", "d·i·s·p·o ti·na", "dispo tina"},
		{"spaced with leet", "t 1 n 4", "tina"},
		{"spaced words apart", "c r y s t a l  a v a i l a b l e", "crystal available"},
		{"spaced then dotted", "d i s p o t.i.n.a", "dispo tina"},
		{"dotted then dotted", "T.I.N.A d.i.s.p.o", "tina dispo"},
		{"two dotted letters", "c.c dispo", "cc dispo"},
		{"one or two letters stay", "il y a à manger", "il y a a manger"},
		{"numbers are not joined", "1 2 3 soleil", "1 2 3 soleil"},
		// Repeated letters.
		{"long run", "dispooooo", "dispo"},
		{"doubles stay", "arrivage 3mmc grosse", "arrivage 3mmc grosse"},
		{"www stays", "www.example.com", "www.example.com"},
		// Emoji codes.
		{"plug and snow", "🔌❄️", "emoji:plug emoji:snow"},
		{"menu of emoji", "💎💊🧪⛽🍃🍬", "emoji:diamond emoji:pill emoji:testtube emoji:fuel emoji:leaf emoji:candy"},
		{"other emoji kept", "merci ❤️🙏", "merci ❤🙏"},
		{"skin tone dropped", "👍🏽", "👍"},
		// Punctuation and space.
		{"typographic apostrophe", "j’ai « dispo »", "j'ai \" dispo \""},
		{"white space", "  dispo\n\tce   soir  ", "dispo ce soir"},
		{"empty", "", ""},
		{"invalid utf-8", "dis\xffpo", "dispo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("not idempotent: Normalize(%q) = %q", got, again)
			}
		})
	}
}
