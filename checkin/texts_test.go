package checkin

import (
	"bytes"
	"fmt"
	"html/template"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The check-in texts live with the other texts in ../locale, where the
// locale package embeds and merges them; these tests hold them to what this
// package and Telegram need.
var textFiles = map[string]string{
	"fr": "../locale/checkins.fr.yaml",
	"en": "../locale/checkins.en.yaml",
}

// maxToast is Telegram's limit for the text of a callback answer, in
// characters (counted here in UTF-16 code units, as Telegram does).
const maxToast = 200

// loadTexts reads one file into its flat keys (as the locale package does:
// "checkins.vendredi.0") and the variants per check-in.
func loadTexts(t *testing.T, path string) (flat map[string]string, variants map[string]int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	flat, variants = map[string]string{}, map[string]int{}
	root, ok := tree["checkins"].(map[string]any)
	if !ok || len(tree) != 1 {
		t.Fatalf("%s: want a single top-level key checkins:", path)
	}
	for k, v := range root {
		switch v := v.(type) {
		case []any:
			variants[k] = len(v)
			for i, s := range v {
				str, ok := s.(string)
				if !ok {
					t.Fatalf("%s: checkins.%s.%d is not a text", path, k, i)
				}
				flat[fmt.Sprintf("checkins.%s.%d", k, i)] = str
			}
		case string:
			flat["checkins."+k] = v
		default:
			t.Fatalf("%s: checkins.%s is neither a text nor a list of texts", path, k)
		}
	}
	return flat, variants
}

// sample holds every value the bot passes to these texts, with characters
// that must be escaped and the longest bot username Telegram allows.
var sample = map[string]any{
	"Total":     12,
	"Bot":       strings.Repeat("x", 29) + "bot",
	"Emergency": template.HTML("<b>France</b> : 112, 15 (SMS 114)"),
	"Name":      "Dédé <3 & co",
	"Group":     "Entraide <Paris>",
	"CheckIn":   "vendredi",
	"Mood":      "😣 Difficile",
	"Contact":   template.URL("tg://user?id=42"),
}

func render(t *testing.T, key, text string, data any) string {
	t.Helper()
	tmpl, err := template.New(key).Parse(text)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return buf.String()
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

func TestTextsHaveTheSameKeys(t *testing.T) {
	keys := map[string][]string{}
	for lang, path := range textFiles {
		flat, _ := loadTexts(t, path)
		for k := range flat {
			keys[lang] = append(keys[lang], k)
		}
		sort.Strings(keys[lang])
	}
	for _, k := range keys["fr"] {
		if !slices.Contains(keys["en"], k) {
			t.Errorf("%s is in French, not in English", k)
		}
	}
	for _, k := range keys["en"] {
		if !slices.Contains(keys["fr"], k) {
			t.Errorf("%s is in English, not in French", k)
		}
	}
}

func TestTextsRender(t *testing.T) {
	tag := regexp.MustCompile(`<(/?)([a-zA-Z0-9-]*)([^>]*)>`)
	allowed := map[string]bool{"b": true, "i": true, "u": true, "s": true, "a": true}
	for lang, path := range textFiles {
		flat, _ := loadTexts(t, path)
		for key, text := range flat {
			t.Run(lang+"/"+key, func(t *testing.T) {
				out := render(t, key, text, sample)
				if strings.Contains(out, "no value") || strings.Contains(out, "ZgotmplZ") {
					t.Errorf("renders a missing or refused value: %s", out)
				}
				if strings.TrimSpace(out) == "" {
					t.Error("renders empty")
				}
				// Telegram refuses the whole message over an unknown or
				// unbalanced tag.
				var open []string
				for _, m := range tag.FindAllStringSubmatch(out, -1) {
					name := m[2]
					if !allowed[name] {
						t.Errorf("tag <%s%s> is not allowed in Telegram HTML", m[1], name)
						continue
					}
					if m[1] == "" {
						open = append(open, name)
					} else if len(open) == 0 || open[len(open)-1] != name {
						t.Errorf("</%s> closes nothing", name)
					} else {
						open = open[:len(open)-1]
					}
				}
				if len(open) > 0 {
					t.Errorf("unclosed tags %v", open)
				}
				if strings.Contains(out, "Dédé <3") || strings.Contains(out, "<Paris>") {
					t.Errorf("values not escaped: %s", out)
				}
			})
		}
	}
}

func TestEveryCheckInHasVariants(t *testing.T) {
	for lang, path := range textFiles {
		flat, variants := loadTexts(t, path)
		for _, name := range []string{"vendredi", "lundi"} {
			if variants[name] < 4 {
				t.Errorf("%s: checkins.%s has %d variants, want at least 4", lang, name, variants[name])
			}
		}
		for name, n := range variants {
			if n < 4 {
				t.Errorf("%s: checkins.%s has %d variants, want at least 4", lang, name, n)
			}
			for i := range n {
				key := fmt.Sprintf("checkins.%s.%d", name, i)
				// Brief enough to be read on a phone in the group.
				if lines := strings.Count(strings.TrimSpace(flat[key]), "\n") + 1; lines < 3 || lines > 6 {
					t.Errorf("%s: %s has %d lines, want 3 to 6", lang, key, lines)
				}
			}
		}
		// After the weekend, every variant says where help is.
		help := map[string][]string{"fr": {"/ressources", "/urgence"}, "en": {"/resources", "/emergency"}}[lang]
		for i := range variants["lundi"] {
			text := flat[fmt.Sprintf("checkins.lundi.%d", i)]
			for _, cmd := range help {
				if !strings.Contains(text, cmd) {
					t.Errorf("%s: checkins.lundi.%d does not mention %s", lang, i, cmd)
				}
			}
		}
	}
}

func TestToastsFitTelegram(t *testing.T) {
	for lang, path := range textFiles {
		flat, _ := loadTexts(t, path)
		found := 0
		for key, text := range flat {
			if !strings.HasPrefix(key, "checkins.toast_") {
				continue
			}
			found++
			if out := render(t, key, text, sample); utf16Len(out) > maxToast {
				t.Errorf("%s: %s is %d characters, over Telegram's %d: %s", lang, key, utf16Len(out), maxToast, out)
			}
		}
		if found < 2 {
			t.Errorf("%s: only %d toasts found", lang, found)
		}
	}
}

func TestTextsForPackageKeys(t *testing.T) {
	for lang, path := range textFiles {
		flat, _ := loadTexts(t, path)
		for _, m := range Moods {
			if flat[m.TextKey()] == "" {
				t.Errorf("%s: no label %s for mood %s", lang, m.TextKey(), m)
			}
		}
		for _, key := range []string{
			"checkins.tally", "checkins.toast_thanks", "checkins.toast_hard",
			"checkins.private_help", "checkins.btn_alert_moderator", "checkins.alert_sent", "checkins.alert_card",
		} {
			if flat[key] == "" {
				t.Errorf("%s: %s missing", lang, key)
			}
		}
		if !strings.Contains(render(t, "private_help", flat["checkins.private_help"], sample), "<b>France</b> : 112") {
			t.Errorf("%s: private_help does not show the emergency block", lang)
		}
		if !strings.Contains(render(t, "alert_card", flat["checkins.alert_card"], sample), `href="tg://user?id=42"`) {
			t.Errorf("%s: alert_card does not link to the member", lang)
		}
	}
}

func TestTallyReadsWell(t *testing.T) {
	tests := []struct {
		name  string
		lang  string
		total int
		want  string
	}{
		{"french, nobody yet", "fr", 0, "Personne ne voit qui répond : seul le total s'affiche ici."},
		{"french, one", "fr", 1, "1 réponse"},
		{"french, many", "fr", 12, "12 réponses"},
		{"english, nobody yet", "en", 0, "Nobody sees who answers: only the total shows here."},
		{"english, one", "en", 1, "1 answer"},
		{"english, many", "en", 2, "2 answers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flat, _ := loadTexts(t, textFiles[tt.lang])
			got := render(t, "tally", flat["checkins.tally"], map[string]any{"Total": tt.total})
			if got != template.HTMLEscapeString(tt.want) && got != tt.want {
				t.Errorf("tally(%d) = %q, want %q", tt.total, got, tt.want)
			}
		})
	}
}
