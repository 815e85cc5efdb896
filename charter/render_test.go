package charter

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want string
	}{
		// Escaping: nothing from the file may become markup.
		{name: "script tag is text", md: `<script>alert("x")</script>`, want: `&lt;script&gt;alert("x")&lt;/script&gt;`},
		{name: "html from the admin is text", md: "<b>gras</b> & <i>", want: "&lt;b&gt;gras&lt;/b&gt; &amp; &lt;i&gt;"},
		{name: "entities are not decoded", md: "&amp; &lt;", want: "&amp;amp; &amp;lt;"},

		// Headings.
		{name: "h1 bold underlined", md: "# Charte du groupe", want: "<b><u>Charte du groupe</u></b>"},
		{name: "h2 bold", md: "## Respect", want: "<b>Respect</b>"},
		{name: "h3 bold", md: "### Et aussi", want: "<b>Et aussi</b>"},
		{name: "closing hashes dropped", md: "## Respect ##", want: "<b>Respect</b>"},
		{name: "blank line after heading", md: "## Respect\nOn se parle bien.", want: "<b>Respect</b>\n\nOn se parle bien."},
		{name: "heading with italic word", md: "# La charte *ici*", want: "<b><u>La charte <i>ici</i></u></b>"},
		{name: "code in heading leaves bold", md: "## La commande `/charte`", want: "<b>La commande </b><code>/charte</code>"},
		{name: "hashtag is not a heading", md: "#entraide", want: "#entraide"},
		{name: "empty heading disappears", md: "#\n\nTexte", want: "Texte"},

		// Lists.
		{name: "bullets", md: "- un\n* deux\n+ trois", want: "• un\n• deux\n• trois"},
		{name: "nested bullets", md: "- un\n  - sous-point", want: "• un\n   ◦ sous-point"},
		{name: "ordered items kept", md: "1. d'abord\n2. ensuite", want: "1. d'abord\n2. ensuite"},
		{name: "list after paragraph", md: "Ici :\n- on s'écoute", want: "Ici :\n• on s'écoute"},
		{name: "dash without space is text", md: "-5 %", want: "-5 %"},
		{name: "numbers as written", md: "1. a\n1. b\n3) c", want: "1. a\n1. b\n3) c"},
		{name: "lone marker is text", md: "-\n\n1.", want: "-\n\n1."},
		{name: "list starting an item", md: "- - a", want: "• ◦ a"},
		{name: "loose list", md: "- a\n\n- b", want: "• a\n\n• b"},

		// Emphasis.
		{name: "bold", md: "**gras** et __gras__", want: "<b>gras</b> et <b>gras</b>"},
		{name: "italic", md: "*italique* et _italique_", want: "<i>italique</i> et <i>italique</i>"},
		{name: "italic inside bold", md: "**gras *et penché* gras**", want: "<b>gras <i>et penché</i> gras</b>"},
		{name: "bold inside italic", md: "*penché **et gras** penché*", want: "<i>penché </i><b><i>et gras</i></b><i> penché</i>"},
		{name: "bold and italic", md: "***les deux***", want: "<b><i>les deux</i></b>"},
		{name: "bold ends with italic", md: "**gras *penché***", want: "<b>gras <i>penché</i></b>"},
		{name: "emphasis after apostrophe", md: "l'**accueil**.", want: "l'<b>accueil</b>."},
		{name: "emphasis in parentheses", md: "(*voir plus bas*)", want: "(<i>voir plus bas</i>)"},

		// Unbalanced and accidental markers stay literal.
		{name: "unclosed bold", md: "**pas fermé", want: "**pas fermé"},
		{name: "unclosed italic", md: "*pas fermé", want: "*pas fermé"},
		{name: "closing only", md: "fin**", want: "fin**"},
		{name: "spaced asterisks", md: "3 * 2 * 1", want: "3 * 2 * 1"},
		{name: "multiplication", md: "3*2 et 4*5", want: "3*2 et 4*5"},
		{name: "snake case", md: "mon_nom_de_code et _ici_", want: "mon_nom_de_code et <i>ici</i>"},
		{name: "inclusive writing", md: "un·e membre, ami*e*s, modérateur·ices", want: "un·e membre, ami*e*s, modérateur·ices"},
		{name: "bold left open around italic", md: "**a *b* c", want: "**a <i>b</i> c"},
		{name: "crossing markers never cross tags", md: "*a **b* c**", want: "<i>a b c</i>"},
		// CommonMark pairs a closer with the nearest opener: "**" after
		// "italique" closes the "*", and the leftover single "*" of each
		// "**" pair as italics, so no bold remains (as cmark renders it).
		{name: "crossing bold and italic", md: "**gras *italique** fin*", want: "<i>gras italique fin</i>"},
		{name: "emphasis over lines", md: "*une\ndeux*", want: "<i>une\ndeux</i>"},
		{name: "escaped markers", md: `\*pas penché\* et \_ni ça\_`, want: "*pas penché* et _ni ça_"},
		{name: "lone backslash", md: `C:\dossier`, want: `C:\dossier`},

		// Code.
		{name: "inline code", md: "tape `/urgence`", want: "tape <code>/urgence</code>"},
		{name: "code is not parsed", md: "`**<b>**`", want: "<code>**&lt;b&gt;**</code>"},
		{name: "unclosed backtick", md: "un ` seul", want: "un ` seul"},
		{name: "code inside bold drops bold", md: "**voir `/aide`**", want: "<b>voir </b><code>/aide</code>"},
		{name: "fenced block", md: "```\nligne <1>\n  ligne 2\n```", want: "<pre>ligne &lt;1&gt;\n  ligne 2</pre>"},

		// Links.
		{name: "https link", md: "[Santé Info Service](https://www.sida-info-service.org)", want: `<a href="https://www.sida-info-service.org">Santé Info Service</a>`},
		{name: "quotes and ampersands in url", md: `[ici](https://ex.org/?q="a"&b=<1>)`, want: `[ici](https://ex.org/?q="a"&amp;b=&lt;1&gt;)`},
		{name: "quotes in url escaped", md: `[ici](https://ex.org/?q="a"&b=1)`, want: `<a href="https://ex.org/?q=&quot;a&quot;&amp;b=1">ici</a>`},
		{name: "tg link", md: "[écrire](tg://resolve?domain=entrepairs)", want: `<a href="tg://resolve?domain=entrepairs">écrire</a>`},
		{name: "mailto link", md: "[mail](mailto:contact@example.org)", want: `<a href="mailto:contact@example.org">mail</a>`},
		{name: "javascript not linked", md: "[clique](javascript:alert(1))", want: "[clique](javascript:alert(1))"},
		{name: "javascript any case not linked", md: "[clique](JaVaScRiPt:alert(1))", want: "[clique](JaVaScRiPt:alert(1))"},
		{name: "data url not linked", md: "[x](data:text/html,<b>)", want: "[x](data:text/html,&lt;b&gt;)"},
		{name: "relative url not linked", md: "[x](/etc/passwd)", want: "[x](/etc/passwd)"},
		{name: "url with space not linked", md: "[x](https://a b)", want: "[x](https://a b)"},
		{name: "empty label not linked", md: "[](https://ex.org)", want: "[](https://ex.org)"},
		{name: "parentheses in url", md: "[wiki](https://fr.wikipedia.org/wiki/Chemsex_(pratique))", want: `<a href="https://fr.wikipedia.org/wiki/Chemsex_(pratique)">wiki</a>`},
		{name: "bold link text", md: "[**aide**](https://ex.org)", want: `<a href="https://ex.org"><b>aide</b></a>`},
		{name: "link inside bold", md: "**voir [ici](https://ex.org)**", want: `<b>voir </b><a href="https://ex.org"><b>ici</b></a>`},
		// CommonMark: a link may not contain a link, and the inner one wins.
		{name: "no link inside link", md: "[a [b](https://x.org)](https://ex.org)", want: `[a <a href="https://x.org">b</a>](https://ex.org)`},
		{name: "link with a title", md: `[aide](https://ex.org "titre")`, want: `<a href="https://ex.org">aide</a>`},
		{name: "refused link shown as written", md: `[a](<javascript:x> "t")`, want: `[a](&lt;javascript:x&gt; "t")`},
		{name: "autolink is text", md: "<https://ex.org>", want: "&lt;https://ex.org&gt;"},
		{name: "image is its link", md: "![logo](https://ex.org/a.png)", want: `!<a href="https://ex.org/a.png">logo</a>`},
		{name: "reference definition is text", md: "[x][1]\n\n[1]: https://ex.org", want: "[x][1]\n\n[1]: https://ex.org"},
		{name: "unclosed bracket", md: `[a\](https://x.org)`, want: "[a](https://x.org)"},

		// Quotes.
		{name: "quote lines", md: "> on avance\n> à son rythme", want: "<blockquote>on avance\nà son rythme</blockquote>"},
		{name: "quote after text", md: "Un membre :\n> merci", want: "Un membre :\n\n<blockquote>merci</blockquote>"},
		{name: "text after quote", md: "> merci\nfin", want: "<blockquote>merci</blockquote>\n\nfin"},
		{name: "formatting in quote", md: "> **merci** à toi", want: "<blockquote><b>merci</b> à toi</blockquote>"},
		{name: "empty quote line kept once", md: "> a\n>\n>\n> b", want: "<blockquote>a\n\nb</blockquote>"},
		{name: "nested quote flattened", md: ">> a", want: "<blockquote>a</blockquote>"},
		{name: "quote ends without its marker", md: "> a\nb\n> c", want: "<blockquote>a</blockquote>\n\nb\n\n<blockquote>c</blockquote>"},
		{name: "list in quote", md: "> a\n> - b", want: "<blockquote>a\n• b</blockquote>"},
		{name: "quote marker alone is nothing", md: ">", want: ""},

		// Paragraphs and whitespace.
		{name: "lines join", md: "une\ndeux", want: "une\ndeux"},
		{name: "blank lines collapse", md: "une\n\n\n\n\ndeux", want: "une\n\ndeux"},
		{name: "indentation and trailing spaces", md: "   une   \n\tdeux  ", want: "une\ndeux"},
		{name: "windows line endings and bom", md: "\ufeff# Titre\r\n\r\nune\r\ndeux\r\n", want: "<b><u>Titre</u></b>\n\nune\ndeux"},
		{name: "old mac line endings", md: "une\rdeux", want: "une\ndeux"},
		{name: "rule", md: "une\n\n---\n\ndeux", want: "une\n\n———\n\ndeux"},
		{name: "rule under a line is no heading", md: "une\n---", want: "une\n\n———"},
		{name: "underlined line is no heading", md: "une\n===", want: "une\n==="},
		{name: "indented line is no code", md: "    une\n\n\tdeux", want: "une\n\ndeux"},
		{name: "tilde fence", md: "~~~\n*a*\n~~~", want: "<pre>*a*</pre>"},
		{name: "invalid utf-8 replaced", md: "caf\xe9", want: "caf\ufffd"},
		{name: "empty", md: "", want: ""},
		{name: "whitespace only", md: " \n\t\n\n", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := Render(tt.md, MaxMessageLen)
			if got := strings.Join(parts, "\n<!-- part -->\n"); got != tt.want {
				t.Errorf("Render(%q)\n got: %q\nwant: %q", tt.md, got, tt.want)
			}
			for _, p := range parts {
				if _, err := telegramText(p); err != nil {
					t.Errorf("part %q: %v", p, err)
				}
			}
		})
	}
}

func TestRenderSplits(t *testing.T) {
	tests := []struct {
		name  string
		md    string
		limit int
		want  []string
	}{
		{name: "fits in one part", md: "aaaa\n\nbbbb", limit: 10, want: []string{"aaaa\n\nbbbb"}},
		{name: "blocks packed greedily", md: "aaaa\n\nbbbb\n\ncccc", limit: 10, want: []string{"aaaa\n\nbbbb", "cccc"}},
		{name: "heading not split from nothing", md: "## Titre\n\nun texte assez long", limit: 20, want: []string{"<b>Titre</b>", "un texte assez long"}},
		{name: "long block cut at line breaks", md: "- un\n- deux\n- trois", limit: 12, want: []string{"• un\n• deux", "• trois"}},
		{name: "then at spaces", md: "un deux trois quatre", limit: 10, want: []string{"un deux", "trois", "quatre"}},
		{name: "then anywhere", md: "abcdefghij", limit: 4, want: []string{"abcd", "efgh", "ij"}},
		{name: "tags reopened in every part", md: "**un deux trois**", limit: 8, want: []string{"<b>un deux</b>", "<b>trois</b>"}},
		{name: "quote reopened", md: "> un\n> deux", limit: 5, want: []string{"<blockquote>un</blockquote>", "<blockquote>deux</blockquote>"}},
		{name: "link reopened", md: "[un deux](https://ex.org)", limit: 4, want: []string{`<a href="https://ex.org">un</a>`, `<a href="https://ex.org">deux</a>`}},
		{name: "last piece packs with next block", md: "un deux\n\nfin", limit: 6, want: []string{"un", "deux", "fin"}},
		{name: "emoji counts two", md: "🙂🙂🙂", limit: 4, want: []string{"🙂🙂", "🙂"}},
		{name: "limit below two raised", md: "🙂a", limit: 1, want: []string{"🙂", "a"}},
		{name: "zero limit means Telegram's", md: "a", limit: 0, want: []string{"a"}},
		{name: "entities count one", md: "&&&&", limit: 4, want: []string{"&amp;&amp;&amp;&amp;"}},
		{name: "spaces at cut dropped", md: "a          b", limit: 3, want: []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render(tt.md, tt.limit)
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("Render(%q, %d)\n got: %q\nwant: %q", tt.md, tt.limit, got, tt.want)
			}
			checkParts(t, got, effectiveLimit(tt.limit))
		})
	}
}

// effectiveLimit is the limit Render promises to keep for a requested one.
func effectiveLimit(limit int) int {
	switch {
	case limit <= 0:
		return MaxMessageLen
	case limit < 2:
		return 2
	}
	return limit
}

// checkParts asserts what Telegram would refuse: an invalid part, an empty
// one, or one over the limit. It returns the visible text of every part.
func checkParts(t *testing.T, parts []string, limit int) []string {
	t.Helper()
	var texts []string
	for i, p := range parts {
		text, err := telegramText(p)
		if err != nil {
			t.Fatalf("part %d is not valid Telegram HTML: %v\n%s", i, err, p)
		}
		if strings.TrimSpace(text) == "" {
			t.Fatalf("part %d is empty: %q", i, p)
		}
		if n := telegramLen(text); n > limit {
			t.Fatalf("part %d has %d characters, limit %d", i, n, limit)
		}
		texts = append(texts, text)
	}
	return texts
}

// A charter five times longer than a message must reach the member whole, in
// order, in parts Telegram accepts.
func TestRenderLongCharter(t *testing.T) {
	var md strings.Builder
	word := 0
	next := func() string { word++; return fmt.Sprintf("mot%05d", word) }
	for md.Len() < 20000 {
		fmt.Fprintf(&md, "## Section %s\n\n", next())
		for range 3 {
			for range 12 {
				md.WriteString(next() + " ")
			}
			md.WriteString("\n")
		}
		fmt.Fprintf(&md, "\n- **%s** %s\n- *%s* %s\n\n> %s %s\n\n", next(), next(), next(), next(), next(), next())
	}
	if md.Len() < 20000 {
		t.Fatalf("test charter too short: %d", md.Len())
	}
	parts := Render(md.String(), MaxMessageLen)
	if len(parts) < 5 {
		t.Fatalf("got %d parts for %d characters, want at least 5", len(parts), md.Len())
	}
	texts := checkParts(t, parts, MaxMessageLen)
	words := regexp.MustCompile(`mot\d{5}`).FindAllString(strings.Join(texts, " "), -1)
	if len(words) != word {
		t.Fatalf("found %d words in the parts, wrote %d", len(words), word)
	}
	for i, w := range words {
		if want := fmt.Sprintf("mot%05d", i+1); w != want {
			t.Fatalf("word %d is %s, want %s: text lost or out of order", i, w, want)
		}
	}
}

// Telegram counts UTF-16 code units: an emoji is two, an accented letter one.
// Counting bytes would cut too early and counting runes too late.
func TestRenderCountsUTF16(t *testing.T) {
	line := "Prends soin de toi 💜🏳️‍🌈 é à ç ô ë œ — « ici » 🤝 "
	md := strings.Repeat(line, 300)
	parts := Render(md, MaxMessageLen)
	texts := checkParts(t, parts, MaxMessageLen)
	total := 0
	for _, text := range texts {
		total += len([]rune(text))
	}
	if want := len([]rune(strings.TrimSpace(md))); total < want-len(parts) {
		t.Errorf("parts hold %d runes, source has %d", total, want)
	}
	first := texts[0]
	if n := telegramLen(first); n < MaxMessageLen-len(line)*2 {
		t.Errorf("first part uses %d of %d characters: parts are not filled", n, MaxMessageLen)
	}
	if n := len([]rune(first)); n >= MaxMessageLen {
		t.Errorf("first part has %d runes: emoji were counted as one character", n)
	}
}

func TestRenderGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, md := range files {
		t.Run(filepath.Base(md), func(t *testing.T) {
			src, err := os.ReadFile(md)
			if err != nil {
				t.Fatal(err)
			}
			parts := Render(string(src), MaxMessageLen)
			checkParts(t, parts, MaxMessageLen)
			got := strings.Join(parts, "\n<!-- part -->\n") + "\n"
			golden := strings.TrimSuffix(md, ".md") + ".html"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s:\n%s", md, golden, got)
			}
		})
	}
}

// The charters shipped with the bot are what a person asking to join reads
// first: they must parse, fit on one message and name the ways to get help.
func TestDefaultCharters(t *testing.T) {
	tests := []struct {
		name string
		path string
		want []string
	}{
		{name: "french", path: "../charter.md", want: []string{"112", "15", "144", "911", "/urgence", "/signaler", "/charte", "modérateur·ices"}},
		{name: "english", path: "../charter.en.md", want: []string{"112", "15", "144", "911", "/urgence", "/signaler", "/charte", "moderators"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Parts) != 1 {
				t.Errorf("got %d parts, want 1 so that it reads as one message", len(c.Parts))
			}
			if c.Title == "" {
				t.Error("no title")
			}
			texts := checkParts(t, c.Parts, MaxMessageLen)
			text := strings.Join(texts, "\n")
			if n := telegramLen(text); n < 1500 || n > 3300 {
				t.Errorf("charter has %d characters; keep it readable on a phone (about 2,000 to 3,000)", n)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("charter does not mention %q", w)
				}
			}
			for _, marker := range []string{"**", "__", "](", "\n#", "\n- "} {
				if strings.Contains(text, marker) {
					t.Errorf("Markdown %q left in the rendered charter", marker)
				}
			}
		})
	}
}
