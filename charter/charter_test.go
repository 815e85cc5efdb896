package charter

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	sum := sha256.Sum256([]byte("# Charte\n\nBienvenue"))
	want := hex.EncodeToString(sum[:])[:8]
	tests := []struct {
		name      string
		src       string
		version   string
		title     string
		wantErr   error
		errDetail string
	}{
		{name: "plain", src: "# Charte\n\nBienvenue", version: want, title: "Charte"},
		{name: "same version with windows line endings", src: "# Charte\r\n\r\nBienvenue\r\n", version: want, title: "Charte"},
		{name: "same version with surrounding whitespace", src: "\n\n  # Charte\n\nBienvenue \n\n", version: want, title: "Charte"},
		{name: "same version with byte order mark", src: "\ufeff# Charte\n\nBienvenue\n", version: want, title: "Charte"},
		{name: "title is plain text", src: "Intro\n\n## La *charte* `ici`\n\n# Autre", title: "La charte ici"},
		{name: "no heading no title", src: "Juste du texte", title: ""},
		{name: "empty", src: "", wantErr: ErrEmpty},
		{name: "whitespace only", src: " \r\n\t\n", wantErr: ErrEmpty},
		{name: "nothing visible", src: "#\n>\n", wantErr: ErrEmpty},
		{name: "latin-1", src: "# Charte\n\nBient\xf4t", wantErr: ErrNotUTF8, errDetail: "line 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.src))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				// Naming the file is the reader's job (package files).
				if !strings.Contains(err.Error(), tt.errDetail) {
					t.Errorf("error %q should say %q", err, tt.errDetail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.version != "" && c.Version != tt.version {
				t.Errorf("Version = %q, want %q", c.Version, tt.version)
			}
			if len(c.Version) != 8 {
				t.Errorf("Version %q is not 8 hex characters", c.Version)
			}
			if c.Title != tt.title {
				t.Errorf("Title = %q, want %q", c.Title, tt.title)
			}
			if c.Path != "" || len(c.Parts) == 0 {
				t.Errorf("got %+v", c)
			}
		})
	}
}

func TestParseVersionFollowsContent(t *testing.T) {
	a, err := Parse([]byte("# Charte\n\nUn"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse([]byte("# Charte\n\nDeux"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Version == b.Version {
		t.Error("different charters share a version: members' acceptance could not be told apart")
	}
}

func TestEnglishPath(t *testing.T) {
	tests := []struct{ name, path, want string }{
		{name: "markdown file", path: "dir/charter.md", want: "dir/charter.en.md"},
		{name: "no extension", path: "x", want: "x.en"},
		{name: "absolute", path: "/etc/entrepairs/paris.md", want: "/etc/entrepairs/paris.en.md"},
		{name: "dot in directory only", path: "groupes.d/charte", want: "groupes.d/charte.en"},
		{name: "text file", path: "charte.txt", want: "charte.en.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EnglishPath(tt.path); got != tt.want {
				t.Errorf("EnglishPath(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestWantsEnglish(t *testing.T) {
	tests := []struct {
		lang string
		want bool
	}{
		{"fr", false}, {"", false}, {"fr-CA", false}, {"FR-be", false}, {"fr_FR", false},
		{"en", true}, {"en-US", true}, {"de", true}, {"pt-br", true},
	}
	for _, tt := range tests {
		if got := WantsEnglish(tt.lang); got != tt.want {
			t.Errorf("WantsEnglish(%q) = %v, want %v", tt.lang, got, tt.want)
		}
	}
}

// Load reads and parses a charter file for the tests that check the
// shipped charters; the bot itself reads files through package files.
func Load(path string) (*Charter, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(src)
	if err != nil {
		return nil, fmt.Errorf("charter %s: %w", path, err)
	}
	c.Path = path
	return c, nil
}
