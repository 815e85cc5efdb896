package charter

import (
	"strings"
	"testing"
)

// FuzzRender feeds Render whatever an admin (or an attacker with write access
// to the file) could write: it must never panic, and every part must be a
// message Telegram accepts.
func FuzzRender(f *testing.F) {
	seeds := []string{
		"# Charte\n\n- **un** *deux* `trois`\n> quatre\n[cinq](https://ex.org)",
		"***a** b* _c __d_ e__ \\*f\\* `g``h` [i](javascript:x) [j](tg://k)",
		"<script>&amp;\"'</script> 3*2 snake_case_name un·e 🙂🏳️‍🌈",
		"```\n<pre>\n\n\n```\n---\n####### x\n#y\n>>> z\n1. a\n   - b",
		"**" + strings.Repeat("a", 300) + "** " + strings.Repeat("🙂 ", 200),
		"\ufeff\r\n\r\n*\r\n_\r\n`\r\n[\r\n]\r\n(\r\n)",
		"[**a [b](https://c)**](https://d) ~~e~~ *[f](https://g)*",
	}
	for i, s := range seeds {
		f.Add(s, uint16(i*7))
	}
	f.Add(strings.Repeat("word ", 2000), uint16(0))
	f.Fuzz(func(t *testing.T, md string, limit uint16) {
		// Small limits exercise cutting far more than Telegram's own.
		l := int(limit % 600)
		parts := Render(md, l)
		checkParts(t, parts, effectiveLimit(l))
	})
}
