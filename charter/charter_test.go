package charter

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
			c, err := Parse("/srv/groupe/charter.md", []byte(tt.src))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "/srv/groupe/charter.md") || !strings.Contains(err.Error(), tt.errDetail) {
					t.Errorf("error %q should name the file and %q", err, tt.errDetail)
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
			if c.Path != "/srv/groupe/charter.md" || len(c.Parts) == 0 {
				t.Errorf("got %+v", c)
			}
		})
	}
}

func TestParseVersionFollowsContent(t *testing.T) {
	a, err := Parse("a", []byte("# Charte\n\nUn"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("a", []byte("# Charte\n\nDeux"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Version == b.Version {
		t.Error("different charters share a version: members' acceptance could not be told apart")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "charter.md")
	_, err := Load(missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want not exist", err)
	}
	if want := "charter " + missing + ": open " + missing + ": "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q should start with %q", err, want)
	}

	write(t, missing, "# Charte\n\nBienvenue")
	c, err := Load(missing)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != missing || c.Title != "Charte" {
		t.Errorf("got %+v", c)
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

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		main    *string // nil: no file
		english *string
		want    []string // files named by the errors, in order
	}{
		{name: "fine", main: ptr("# Charte"), want: nil},
		{name: "fine with english", main: ptr("# Charte"), english: ptr("# Charter"), want: nil},
		{name: "missing", want: []string{"charter.md"}},
		{name: "empty", main: ptr("\n \n"), want: []string{"charter.md"}},
		{name: "not utf-8", main: ptr("caf\xe9"), want: []string{"charter.md"}},
		{name: "broken english", main: ptr("# Charte"), english: ptr(""), want: []string{"charter.en.md"}},
		{name: "both broken", main: ptr(""), english: ptr("\xff"), want: []string{"charter.md", "charter.en.md"}},
		{name: "english alone", english: ptr("# Charter"), want: []string{"charter.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "charter.md")
			if tt.main != nil {
				write(t, path, *tt.main)
			}
			if tt.english != nil {
				write(t, EnglishPath(path), *tt.english)
			}
			errs := Check(path)
			if len(errs) != len(tt.want) {
				t.Fatalf("Check = %v, want errors about %v", errs, tt.want)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), filepath.Join(dir, tt.want[i])+":") {
					t.Errorf("error %q should name %s", err, tt.want[i])
				}
			}
		})
	}
}

func ptr(s string) *string { return &s }

// write saves a file the way most editors do, by writing a temporary file and
// renaming it over the old one, so that no reader ever sees it half written.
func write(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
