package files

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entrepairs/entrepairs/charter"
	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/watch"
)

// write saves a file the way most editors do, by writing a temporary file and
// renaming it over the old one.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestChartersGet(t *testing.T) {
	dir := t.TempDir()
	both := filepath.Join(dir, "paris", "charter.md")
	frOnly := filepath.Join(dir, "bruxelles", "charter.md")
	for _, p := range []string{both, frOnly} {
		write(t, p, "# Charte\n\nEn français.")
	}
	write(t, charter.EnglishPath(both), "# Charter\n\nIn English.")
	cs, err := WatchCharters(watch.New(watch.Options{}), []string{both, frOnly, both}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, lang, want string // want: title, or "" for nil
	}{
		{name: "french", path: both, lang: "fr", want: "Charte"},
		{name: "no language counts as french", path: both, lang: "", want: "Charte"},
		{name: "regional french", path: both, lang: "fr-CA", want: "Charte"},
		{name: "french any case", path: both, lang: "FR-be", want: "Charte"},
		{name: "english", path: both, lang: "en", want: "Charter"},
		{name: "regional english", path: both, lang: "en-US", want: "Charter"},
		{name: "other language gets english", path: both, lang: "de", want: "Charter"},
		{name: "portuguese gets english", path: both, lang: "pt-br", want: "Charter"},
		{name: "english missing falls back", path: frOnly, lang: "en", want: "Charte"},
		{name: "path spelled differently", path: filepath.Join(dir, "paris", ".", "charter.md"), lang: "en", want: "Charter"},
		{name: "unknown path", path: filepath.Join(dir, "lyon", "charter.md"), lang: "fr", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cs.Get(tt.path, tt.lang)
			switch {
			case tt.want == "" && c != nil:
				t.Errorf("Get = %s, want nil", c.Path)
			case tt.want != "" && (c == nil || c.Title != tt.want):
				t.Errorf("Get = %+v, want %q", c, tt.want)
			}
		})
	}
	if c := cs.Get(both, "en"); c.Path != charter.EnglishPath(both) {
		t.Errorf("Path = %q, want the file it was read from", c.Path)
	}
}

func TestWatchChartersRefusesBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string // relative path: content
		paths   []string
		wantErr []string // files the error must name; nil for success
		is      error
	}{
		{name: "fine", files: map[string]string{"a.md": "# A"}, paths: []string{"a.md"}},
		{name: "english missing is fine", files: map[string]string{"a.md": "# A", "b.md": "# B", "b.en.md": "# B en"}, paths: []string{"a.md", "b.md"}},
		{name: "no groups", paths: nil},
		{name: "missing", files: map[string]string{"a.md": "# A"}, paths: []string{"a.md", "b.md"}, wantErr: []string{"b.md"}, is: fs.ErrNotExist},
		{name: "empty", files: map[string]string{"a.md": "\n"}, paths: []string{"a.md"}, wantErr: []string{"a.md"}, is: charter.ErrEmpty},
		{name: "not utf-8", files: map[string]string{"a.md": "\xe9"}, paths: []string{"a.md"}, wantErr: []string{"a.md"}, is: charter.ErrNotUTF8},
		{name: "broken english", files: map[string]string{"a.md": "# A", "a.en.md": " "}, paths: []string{"a.md"}, wantErr: []string{"a.en.md"}, is: charter.ErrEmpty},
		{name: "every problem named", files: map[string]string{"b.md": ""}, paths: []string{"a.md", "b.md"}, wantErr: []string{"a.md", "b.md"}},
		{name: "directory", files: map[string]string{"d/x.md": "# X"}, paths: []string{"d"}, wantErr: []string{"d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				write(t, filepath.Join(dir, name), content)
			}
			var paths []string
			for _, p := range tt.paths {
				paths = append(paths, filepath.Join(dir, p))
			}
			cs, err := WatchCharters(watch.New(watch.Options{}), paths, nil)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range paths {
					if cs.Get(p, "fr") == nil {
						t.Errorf("no charter for %s", p)
					}
				}
				return
			}
			if err == nil {
				t.Fatal("WatchCharters succeeded, want a startup error")
			}
			for _, name := range tt.wantErr {
				if !strings.Contains(err.Error(), "charter "+filepath.Join(dir, name)+":") {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

// A reload of a charter or its English file reaches Get; a broken edit is
// reported with the file named and keeps the last good version; an English
// file that appears later is used.
func TestChartersFollowEdits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charter.md")
	write(t, path, "# Charte\n\nVersion un.")
	var problems []string
	w := watch.New(watch.Options{})
	cs, err := WatchCharters(w, []string{path}, func(p string, err error) { problems = append(problems, err.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	settle := func() { w.Poll(); w.Poll() }

	write(t, path, "# Charte\n\nVersion deux.")
	settle()
	want, _ := charter.Parse([]byte("# Charte\n\nVersion deux."))
	if got := cs.Get(path, "fr"); got.Version != want.Version || got.Path != path {
		t.Errorf("after an edit: %+v", got)
	}
	good := cs.Get(path, "fr")

	// Only line endings changed: the same version, kept as it was.
	write(t, path, "# Charte\r\n\r\nVersion deux.")
	settle()
	if got := cs.Get(path, "fr"); got != good {
		t.Errorf("a change of line endings replaced the charter")
	}

	write(t, path, "")
	settle()
	if len(problems) != 1 || problems[0] != "charter "+path+": charter is empty" {
		t.Errorf("problems %q", problems)
	}
	if got := cs.Get(path, "fr"); got != good {
		t.Errorf("a broken edit replaced the charter")
	}

	write(t, charter.EnglishPath(path), "# Charter\n\nIn English.")
	settle()
	if got := cs.Get(path, "en"); got.Title != "Charter" {
		t.Errorf("Get(en) = %q after the English file appeared", got.Title)
	}
}

func TestLoadAndCheckCharter(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "charter.md")
	_, err := LoadCharter(missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want not exist", err)
	}
	if want := "charter " + missing + ": open " + missing + ": "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q should start with %q", err, want)
	}
	write(t, missing, "# Charte\n\nBienvenue")
	c, err := LoadCharter(missing)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != missing || c.Title != "Charte" {
		t.Errorf("got %+v", c)
	}
	write(t, missing, "# Charte\n\nBient\xf4t")
	if _, err := LoadCharter(missing); err == nil || err.Error() != "charter "+missing+": charter is not valid UTF-8 (line 3)" {
		t.Errorf("error %v should name the file and the line", err)
	}
}

func ptr(s string) *string { return &s }

func TestCheckCharter(t *testing.T) {
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
				write(t, charter.EnglishPath(path), *tt.english)
			}
			errs := CheckCharter(path)
			if len(errs) != len(tt.want) {
				t.Fatalf("CheckCharter = %v, want errors about %v", errs, tt.want)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), filepath.Join(dir, tt.want[i])+":") {
					t.Errorf("error %q should name %s", err, tt.want[i])
				}
			}
		})
	}
}

const resourcesData = "../resources/testdata/"

func TestLoadAndCheckResources(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		problems int
		want     string
	}{
		{name: "valid", path: resourcesData + "valid.yaml"},
		{name: "missing file", path: resourcesData + "nope.yaml", problems: 1, want: "resources " + resourcesData + "nope.yaml: open"},
		{name: "empty file", path: resourcesData + "empty.yaml", problems: 1, want: resourcesData + "empty.yaml: the file is empty"},
		{name: "latin-1", path: resourcesData + "latin1.yaml", problems: 1, want: resourcesData + "latin1.yaml: line 4: not valid UTF-8"},
		{name: "several problems", path: resourcesData + "every_problem.yaml", problems: 16, want: resourcesData + "every_problem.yaml: resources[0] (fr_3114)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := CheckResources(tt.path)
			if len(errs) != tt.problems {
				t.Fatalf("CheckResources: %d problems, want %d:\n%s", len(errs), tt.problems, errors.Join(errs...))
			}
			d, err := LoadResources(tt.path)
			if tt.problems == 0 {
				if err != nil || d == nil {
					t.Fatalf("LoadResources: %v", err)
				}
				return
			}
			if err == nil || d != nil {
				t.Fatal("LoadResources accepted an invalid file")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadResources error %q does not mention %q", err, tt.want)
			}
			if strings.Count(err.Error(), "\n")+1 != tt.problems {
				t.Errorf("LoadResources joined %d lines, want one per problem", strings.Count(err.Error(), "\n")+1)
			}
			for _, e := range errs {
				if !strings.Contains(e.Error(), tt.path) {
					t.Errorf("problem %q does not name the file", e)
				}
			}
		})
	}
	if _, err := LoadResources(resourcesData + "nope.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v does not wrap fs.ErrNotExist", err)
	}
}

func resourcesFile(title string) string {
	return `categories:
  - {id: emergency, title: {fr: Urgence, en: Emergency}}
resources:
  - id: fr_urgences
    category: emergency
    region: FR
    title: {fr: "` + title + `", en: "` + title + `"}
    phone: "15"
    description: {fr: Appelle, en: Call}
`
}

func TestWatchResources(t *testing.T) {
	dir := t.TempDir()
	if _, err := WatchResources(watch.New(watch.Options{}), filepath.Join(dir, "missing.yaml"), nil); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	broken := filepath.Join(dir, "broken.yaml")
	write(t, broken, "categories: []\n")
	if _, err := WatchResources(watch.New(watch.Options{}), broken, nil); err == nil || !strings.Contains(err.Error(), broken+": resources: missing") {
		t.Errorf("invalid file: %v", err)
	}

	path := filepath.Join(dir, "resources.yaml")
	write(t, path, resourcesFile("v1"))
	var problems []error
	w := watch.New(watch.Options{})
	r, err := WatchResources(w, path, func(_ string, err error) { problems = append(problems, err) })
	if err != nil {
		t.Fatal(err)
	}
	settle := func() { w.Poll(); w.Poll() }
	write(t, path, resourcesFile("v2"))
	settle()
	if got := r.Get().Resources[0].Title.FR; got != "v2" {
		t.Errorf("after an edit: %q", got)
	}
	write(t, path, strings.Replace(resourcesFile("v3"), "region: FR", "region: France", 1))
	settle()
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), path+`: resources[0] (fr_urgences): line 6: region "France" is not declared`) {
		t.Errorf("problems %v, want the file, the entry and the problem", problems)
	}
	if got := r.Get().Resources[0].Title.FR; got != "v2" {
		t.Errorf("while broken: %q, want the last good v2", got)
	}
}

func TestLexicon(t *testing.T) {
	if lex, err := LoadLexicon(""); err != nil || lex != moderation.DefaultLexicon() {
		t.Fatalf(`LoadLexicon("") = %v, %v; want the default`, lex, err)
	}
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.yaml")
	if _, err := LoadLexicon(missing); err == nil || !strings.Contains(err.Error(), "lexicon "+missing+":") {
		t.Fatalf("error %v does not name %s", err, missing)
	}
	if errs := CheckLexicon(missing); len(errs) != 1 {
		t.Fatalf("CheckLexicon: %v", errs)
	}
	path := filepath.Join(dir, "lexicon.yaml")
	write(t, path, "signals:\n  offer:\n    - {term: dispo, weight: 1.7}\n")
	errs := CheckLexicon(path)
	if len(errs) == 0 || errs[0].Error() != path+": signals.offer[0]: weight 1.7 out of range 0..1 (line 3)" {
		t.Errorf("CheckLexicon = %v, want the file, the entry and the line", errs)
	}
	if _, err := LoadLexicon(path); err == nil {
		t.Error("LoadLexicon accepted an invalid file")
	}
	write(t, path, "# nothing yet\n")
	if lex, err := LoadLexicon(path); err != nil || lex == nil {
		t.Errorf("an empty file: %v", err)
	}
}
