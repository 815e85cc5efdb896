// Package locale is the one home of every text a member or moderator reads.
//
// Texts live in fr.yaml and en.yaml beside this file, embedded in the binary;
// a capability with many texts may keep them in its own <topic>.<lang>.yaml
// (such as resources.fr.yaml), merged into the same language.
// Each text is an html/template rendered for Telegram's HTML parse mode, so
// values passed in (pseudonyms, bios, group names) are escaped.
//
// Why not telebot's layout package: it reads locale files from a directory
// relative to the working directory at run time, and returns an empty string
// for a missing key. Embedding keeps the binary self-contained (the Docker
// image, a systemd unit started from anywhere) and a missing key is caught by
// this package's tests instead of reaching a member as an empty message.
package locale

import (
	"bytes"
	"embed"
	"fmt"
	"github.com/entrepairs/entrepairs/langtag"
	"html/template"
	"io/fs"
	"log/slog"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Default is the language used when nothing else is known: the groups are
// French-speaking.
const Default = "fr"

//go:embed *.yaml
var files embed.FS

// Texts holds every text in every language.
type Texts struct {
	langs map[string]*template.Template
	keys  map[string][]string
}

// Load parses the embedded locale files. It fails on a file that does not
// parse or a template with a syntax error, so a broken text stops the bot at
// start rather than in front of a member.
func Load() (*Texts, error) {
	t := &Texts{langs: map[string]*template.Template{}, keys: map[string][]string{}}
	names, err := fs.Glob(files, "*.yaml")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		data, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var tree map[string]any
		if err := yaml.Unmarshal(data, &tree); err != nil {
			return nil, fmt.Errorf("locale %s: %w", name, err)
		}
		base := strings.TrimSuffix(name, ".yaml")
		lang := base[strings.LastIndex(base, ".")+1:]
		root := t.langs[lang]
		if root == nil {
			root = template.New(lang)
			t.langs[lang] = root
		}
		flat := map[string]string{}
		flatten("", tree, flat)
		for key, text := range flat {
			if root.Lookup(key) != nil {
				return nil, fmt.Errorf("locale %s: key %s is defined twice for %s", name, key, lang)
			}
			if _, err := root.New(key).Parse(strings.TrimRight(text, "\n")); err != nil {
				return nil, fmt.Errorf("locale %s: key %s: %w", name, key, err)
			}
			t.keys[lang] = append(t.keys[lang], key)
		}
	}
	for lang := range t.keys {
		sort.Strings(t.keys[lang])
	}
	if t.langs[Default] == nil {
		return nil, fmt.Errorf("locale: no %s.yaml", Default)
	}
	return t, nil
}

// MustLoad is Load for tests and for main, where the embedded files are known good.
func MustLoad() *Texts {
	t, err := Load()
	if err != nil {
		panic(err)
	}
	return t
}

func flatten(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, sub, out)
		}
	case []any:
		for i, sub := range v {
			flatten(fmt.Sprintf("%s.%d", prefix, i), sub, out)
		}
	default:
		out[prefix] = fmt.Sprint(v)
	}
}

// Languages returns the languages available, sorted.
func (t *Texts) Languages() []string {
	var out []string
	for l := range t.langs {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Keys returns the keys defined for lang, sorted.
func (t *Texts) Keys(lang string) []string {
	return t.keys[lang]
}

// Has reports whether key exists in lang.
func (t *Texts) Has(lang, key string) bool {
	tmpl := t.langs[lang]
	return tmpl != nil && tmpl.Lookup(key) != nil
}

// T renders the text key in lang with data. A key missing in lang falls back
// to French; a key missing everywhere renders as the key itself and is
// logged, so that the fault is visible and the person still gets something.
func (t *Texts) T(lang, key string, data any) string {
	tmpl := t.langs[lang]
	if tmpl == nil || tmpl.Lookup(key) == nil {
		tmpl = t.langs[Default]
	}
	var buf bytes.Buffer
	if tmpl.Lookup(key) == nil {
		slog.Error("missing text", "key", key, "lang", lang)
		return key
	}
	if err := tmpl.ExecuteTemplate(&buf, key, data); err != nil {
		slog.Error("text failed to render", "key", key, "lang", lang, "err", err)
		return key
	}
	return buf.String()
}

// Pick returns the language to use for a person whose Telegram client is set
// to code (a IETF tag such as "fr", "fr-BE", "en-US", or ""). French speakers
// get French; an unknown language gets the fallback (the group's language);
// any other known language gets English, the second language of the groups.
func (t *Texts) Pick(code, fallback string) string {
	code = langtag.Primary(code)
	switch {
	case code == "":
		if _, ok := t.langs[fallback]; ok {
			return fallback
		}
		return Default
	case t.langs[code] != nil:
		return code
	case t.langs["en"] != nil:
		return "en"
	}
	return Default
}
