package locale

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestEveryLanguageHasEveryKey(t *testing.T) {
	texts := MustLoad()
	fr := texts.Keys("fr")
	if len(fr) == 0 {
		t.Fatal("no French texts")
	}
	for _, lang := range texts.Languages() {
		for _, key := range fr {
			if !texts.Has(lang, key) {
				t.Errorf("%s.yaml lacks %q", lang, key)
			}
		}
		for _, key := range texts.Keys(lang) {
			if !texts.Has("fr", key) {
				t.Errorf("%s.yaml has %q, which fr.yaml lacks", lang, key)
			}
		}
	}
}

// TestKeysUsedInCodeExist reads the bot's sources for text keys, so that a
// typo in a key fails here instead of showing a member the key itself.
func TestKeysUsedInCodeExist(t *testing.T) {
	texts := MustLoad()
	re := regexp.MustCompile(`\.T\([^,()]+,\s*"([a-z][a-z_]*(?:\.[a-z_]*[a-z])+)"`)
	files, _ := filepath.Glob("../*/*.go")
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			found++
			if !texts.Has("fr", m[1]) {
				t.Errorf("%s uses text %q, missing from fr.yaml", f, m[1])
			}
		}
	}
	if found < 10 {
		t.Fatalf("found only %d text keys in the sources: the pattern is broken", found)
	}
}

func TestPick(t *testing.T) {
	texts := MustLoad()
	tests := []struct {
		name, code, fallback, want string
	}{
		{"french", "fr", "fr", "fr"},
		{"belgian french", "fr-BE", "en", "fr"},
		{"english", "en-US", "fr", "en"},
		{"other language gets english", "de", "fr", "en"},
		{"unknown gets the group's language", "", "fr", "fr"},
		{"unknown with english group", "", "en", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := texts.Pick(tt.code, tt.fallback); got != tt.want {
				t.Errorf("Pick(%q, %q) = %q, want %q", tt.code, tt.fallback, got, tt.want)
			}
		})
	}
}

func TestValuesAreEscaped(t *testing.T) {
	texts := MustLoad()
	got := texts.T("fr", "restrict.notice", map[string]any{"Name": "<b>Dédé</b> & co"})
	if strings.Contains(got, "<b>Dédé") || !strings.Contains(got, "&lt;b&gt;Dédé&lt;/b&gt; &amp; co") {
		t.Errorf("name not escaped: %s", got)
	}
}

func TestMissingKeyIsVisible(t *testing.T) {
	texts := MustLoad()
	if got := texts.T("en", "no.such.key", nil); got != "no.such.key" {
		t.Errorf("missing key rendered as %q", got)
	}
}
