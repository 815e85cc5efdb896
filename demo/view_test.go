package demo

import (
	"testing"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

func TestRenderHTML(t *testing.T) {
	tests := []struct {
		name string
		text string
		ents []emulator.Entity
		want string
	}{
		{"plain text is escaped", `<script>alert(1)</script> & "x"`, nil, `&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;x&#34;`},
		{"bold and nested italic", "Hello world", []emulator.Entity{{Type: "bold", Offset: 0, Length: 11}, {Type: "italic", Offset: 6, Length: 5}}, "<b>Hello <i>world</i></b>"},
		{"offsets in UTF-16 past an emoji", "🌱 Charte", []emulator.Entity{{Type: "bold", Offset: 3, Length: 6}}, "🌱 <b>Charte</b>"},
		{"web link opens in a new tab", "site", []emulator.Entity{{Type: "text_link", Offset: 0, Length: 4, URL: "https://aides.org"}}, `<a href="https://aides.org" target="_blank" rel="noopener noreferrer">site</a>`},
		{"javascript link loses its address", "x", []emulator.Entity{{Type: "text_link", Offset: 0, Length: 1, URL: "javascript:alert(1)"}}, `<a>x</a>`},
		{"deep link into the bot", "charte", []emulator.Entity{{Type: "text_link", Offset: 0, Length: 6, URL: "https://t.me/entrepairs_bot?start=ok_AB12"}}, `<a href="#" data-start="ok_AB12">charte</a>`},
		{"deep link into another bot is a web link", "x", []emulator.Entity{{Type: "text_link", Offset: 0, Length: 1, URL: "https://t.me/other_bot?start=a"}}, `<a href="https://t.me/other_bot?start=a" target="_blank" rel="noopener noreferrer">x</a>`},
		{"commands become tappable", "écris /aide ou /urgence.", nil, `écris <a href="#" class="cmd" data-cmd="/aide">/aide</a> ou <a href="#" class="cmd" data-cmd="/urgence">/urgence</a>.`},
		{"a fraction is no command", "24/7 et 1/2", nil, `24/7 et 1/2`},
		{"bare address becomes a link", "voir https://aides.org.", nil, `voir <a href="https://aides.org" target="_blank" rel="noopener noreferrer">https://aides.org</a>.`},
		{"a card's link to a group message stays in the sandbox", "voir", []emulator.Entity{{Type: "text_link", Offset: 0, Length: 4, URL: "https://t.me/c/9000000001/12"}}, `<a href="#" data-goto-chat="-1009000000001" data-goto-message="12">voir</a>`},
		{"unknown entity is ignored", "x", []emulator.Entity{{Type: "custom_emoji", Offset: 0, Length: 1}}, "x"},
		{"entity out of range is ignored", "x", []emulator.Entity{{Type: "bold", Offset: 0, Length: 9}}, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renderHTML(tt.text, tt.ents); got != tt.want {
				t.Errorf("renderHTML(%q)\n got %s\nwant %s", tt.text, got, tt.want)
			}
		})
	}
}
