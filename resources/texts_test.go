package resources

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The texts live in the locale package, which embeds them; they are tested
// here because their data (phones, regions, categories) is this package's.

// telegramLimit is the longest message Telegram accepts, in UTF-16 code
// units of the text once the HTML tags are removed.
const telegramLimit = 4096

// requiredKeys are the texts the bot looks up under resources.
var requiredKeys = []string{
	"urgence", "g", "help_section", "cmd_ressources", "cmd_urgence", "cmd_g",
	"menu_intro", "list_header", "list_empty", "entry", "btn_back",
	"open_private", "btn_open_private", "sent_private", "problem",
}

func loadTexts(t *testing.T, lang string) map[string]string {
	t.Helper()
	path := "../locale/resources." + lang + ".yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(tree) != 1 || tree["resources"] == nil {
		t.Fatalf("%s: want the single top-level key resources:, so that no other text is overridden", path)
	}
	out := map[string]string{}
	var flatten func(prefix string, v any)
	flatten = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, sub := range v {
				flatten(prefix+"."+k, sub)
			}
		default:
			out[prefix] = fmt.Sprint(v)
		}
	}
	flatten("resources", tree["resources"])
	return out
}

func parseText(t *testing.T, lang, key, text string) *template.Template {
	t.Helper()
	tmpl, err := template.New(key).Parse(strings.TrimRight(text, "\n"))
	if err != nil {
		t.Fatalf("%s %s: %v", lang, key, err)
	}
	return tmpl
}

func render(t *testing.T, tmpl *template.Template, data any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		t.Fatalf("%s: %v", tmpl.Name(), err)
	}
	return buf.String()
}

var (
	tagRE       = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9-]*)`)
	allowedTags = []string{"b", "i", "u", "s", "a", "code", "pre", "blockquote"}
)

// checkTelegramHTML reports what Telegram would refuse: a tag outside its
// short list, or a message too long.
func checkTelegramHTML(t *testing.T, name, s string) {
	t.Helper()
	for _, m := range tagRE.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(allowedTags, m[2]) {
			t.Errorf("%s: tag <%s%s> is not Telegram HTML", name, m[1], m[2])
		}
	}
	for _, bad := range []string{"<no value>", "ZgotmplZ"} {
		if strings.Contains(s, bad) {
			t.Errorf("%s renders %q", name, bad)
		}
	}
	if n := telegramLen(s); n > telegramLimit {
		t.Errorf("%s is %d characters long, over Telegram's %d", name, n, telegramLimit)
	}
}

func telegramLen(s string) int {
	plain := html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, ""))
	return len(utf16.Encode([]rune(plain)))
}

func TestTextsHaveTheSameKeysInBothLanguages(t *testing.T) {
	fr, en := loadTexts(t, "fr"), loadTexts(t, "en")
	var frKeys, enKeys []string
	for k := range fr {
		frKeys = append(frKeys, k)
	}
	for k := range en {
		enKeys = append(enKeys, k)
	}
	sort.Strings(frKeys)
	sort.Strings(enKeys)
	if !slices.Equal(frKeys, enKeys) {
		t.Errorf("keys differ:\nfr %v\nen %v", frKeys, enKeys)
	}
	// Region names are in the resources file; one line of /urgence per
	// region is rendered with region_numbers.
	want := append(slices.Clone(requiredKeys), "region_numbers")
	for _, k := range want {
		if _, ok := fr["resources."+k]; !ok {
			t.Errorf("resources.%s missing", k)
		}
	}
}

func TestTextsRenderAsTelegramHTML(t *testing.T) {
	sample := map[string]any{
		"Region":      "🇫🇷 France",
		"Category":    "🆘 <Urgence> & co",
		"Title":       "<script>x</script> & co",
		"Phones":      []Phone{{"Lyon", "04 72 11 69 11"}, {"", "15"}},
		"URL":         "https://example.org/?a=1&b=2",
		"Hours":       "24/7",
		"Description": "Texte <b>non</b> interprété",
		"File":        "resources.yaml",
	}
	for _, lang := range []string{"fr", "en"} {
		texts := loadTexts(t, lang)
		for key, text := range texts {
			t.Run(lang+"/"+key, func(t *testing.T) {
				out := render(t, parseText(t, lang, key, text), sample)
				checkTelegramHTML(t, key, out)
				if strings.Contains(out, "<script") || strings.Contains(out, "<b>non</b>") {
					t.Errorf("a value was not escaped: %s", out)
				}
				if strings.HasPrefix(key, "resources.cmd_") || strings.HasPrefix(key, "resources.btn_") || strings.HasPrefix(key, "resources.region_") {
					if n := utf8.RuneCountInString(out); n >= 60 {
						t.Errorf("%q is %d characters; menus and buttons want under 60", out, n)
					}
				}
			})
		}
		// Whatever else the card says, it must say who to call: /g
		// itself, /urgence through the regions of the resources file.
		if !strings.Contains(texts["resources.g"], "<code>112</code>") {
			t.Errorf("%s resources.g does not give 112", lang)
		}
		if !strings.Contains(texts["resources.urgence"], "{{.Numbers}}") {
			t.Errorf("%s resources.urgence does not list the regions' numbers", lang)
		}
	}
}

// TestShippedListsFitInOneMessage renders every category of the shipped
// directory for every region as the bot shows it, so that an admin's
// longer description fails here rather than in front of a member.
func TestShippedListsFitInOneMessage(t *testing.T) {
	d := load(t, "../resources.yaml")
	for _, lang := range []string{"fr", "en"} {
		texts := loadTexts(t, lang)
		header := parseText(t, lang, "list_header", texts["resources.list_header"])
		entry := parseText(t, lang, "entry", texts["resources.entry"])
		for _, c := range d.Categories {
			for _, region := range d.Regions {
				var b strings.Builder
				b.WriteString(render(t, header, map[string]any{"Category": c.Title.In(lang), "Region": region.Name.In(lang)}))
				for _, r := range d.In(c.ID, region.Code) {
					b.WriteString("\n\n")
					b.WriteString(render(t, entry, map[string]any{
						"Title": r.Title.In(lang), "Phones": r.Phones, "URL": r.URL,
						"Hours": r.Hours.In(lang), "Description": r.Description.In(lang),
					}))
				}
				checkTelegramHTML(t, lang+" "+c.ID+" "+region.Code, b.String())
			}
		}
	}
}
