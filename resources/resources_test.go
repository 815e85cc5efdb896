package resources

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// parse is Parse with the file's name in front of each problem, as package
// files words them for the bot and the check command.
func parse(name string, data []byte) (*Directory, []error) {
	d, errs := Parse(data)
	for i, e := range errs {
		errs[i] = fmt.Errorf("%s: %w", name, e)
	}
	return d, errs
}

// load reads and parses a file that must be valid.
func load(t testing.TB, path string) *Directory {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, errs := parse(path, data)
	if len(errs) > 0 {
		t.Fatalf("%s:\n%s", path, errors.Join(errs...))
	}
	return d
}

func TestParseValid(t *testing.T) {
	d := load(t, "testdata/valid.yaml")
	if got := len(d.Categories); got != 2 {
		t.Fatalf("%d categories, want 2", got)
	}
	if got := len(d.Resources); got != 5 {
		t.Fatalf("%d resources, want 5", got)
	}
	byID := map[string]Resource{}
	for _, r := range d.Resources {
		byID[r.ID] = r
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"plain category title counts as both languages", d.Categories[1].Title, Text{FR: "🔬 Dépistage", EN: "🔬 Dépistage"}},
		{"labelled phones in file order", byID["fr_urgences"].Phones, []Phone{{"SAMU", "15"}, {"Urgences", "112"}, {"SMS (sourds, malentendants)", "114"}}},
		{"a single phone has no label", byID["be_112"].Phones, []Phone{{"", "112"}}},
		{"a number with a leading zero stays as written", byID["leading_zero"].Phones, []Phone{{"", "0145"}}},
		{"a plus sign is allowed", byID["ch_lines"].Phones[0].Number, "+41 144"},
		{"block text is trimmed", byID["fr_urgences"].Description.FR, "Appelle, mets la personne en PLS, reste avec elle."},
		{"hours in both languages", byID["fr_urgences"].Hours, Text{FR: "24 h/24", EN: "24/7"}},
		{"no hours", byID["be_112"].Hours, Text{}},
		{"recheck", byID["fr_autotest"].Recheck, true},
		{"recheck defaults to false", byID["be_112"].Recheck, false},
		{"source", byID["fr_urgences"].Source, "https://example.org/source"},
		{"url", byID["fr_autotest"].URL, "https://www.sida-info-service.org/autotest-vih/"},
		{"entries of a category for a region", ids(d.In("emergency", FR)), []string{"fr_urgences"}},
		{"no entries elsewhere", ids(d.In("emergency", UK)), []string(nil)},
		{"emergency helper", ids(d.Emergency(CH)), []string{"ch_lines"}},
		{"online region", ids(d.In("testing", Online)), []string{"leading_zero"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
	if c, ok := d.Category("testing"); !ok || c.ID != "testing" {
		t.Errorf("Category(testing) = %v, %v", c, ok)
	}
	if _, ok := d.Category("nope"); ok {
		t.Error("Category(nope) found")
	}
}

func ids(rs []Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// TestParseReportsEveryProblem checks that an admin sees all problems of a
// file at once, each naming the file and the entry.
func TestParseReportsEveryProblem(t *testing.T) {
	const path = "testdata/every_problem.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, errs := parse(path, data)
	if d != nil {
		t.Error("a directory was returned for an invalid file")
	}
	want := []string{
		`categories[1] (emergency): id "emergency" is already used by categories[0]`,
		`categories[2] (testing): title.en missing`,
		`resources[0] (fr_3114): category "crisis" is not one of the categories: emergency, testing`,
		`resources[0] (fr_3114): phone "31 14a" may only contain digits, spaces, + and -`,
		`resources[1] (fr_3114): id "fr_3114" is already used by resources[0]`,
		`resources[1] (fr_3114): line 17: region "France" is not declared under regions: (declared: FR, BE, CH, CA, UK, online)`,
		`resources[1] (fr_3114): title.en missing`,
		`resources[1] (fr_3114): url "www.example.org" must start with https:// or http://`,
		`resources[2] (line 22): id missing`,
		`resources[2] (line 22): phone[0] label "Un libellé beaucoup trop long pour un bouton" is 44 characters long`,
		`resources[2] (line 22): phone[1] "1" needs at least 2 digits`,
		`resources[2] (line 22): phone[1] "1" needs a label`,
		`resources[3] (typo): line 34: unknown key "descripton"`,
		`resources[3] (typo): description missing`,
		`resources[3] (typo): url "ftp://example.org/file" must start with https:// or http://`,
		`resources[3] (typo): line 36: recheck must be true or false`,
	}
	for _, w := range want {
		if !containsError(errs, path+": "+w) {
			t.Errorf("missing problem %q", w)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(errs), len(want), errors.Join(errs...))
	}
}

func containsError(errs []error, s string) bool {
	for _, e := range errs {
		if strings.Contains(e.Error(), s) {
			return true
		}
	}
	return false
}

// base is a valid file with one resource; %s is replaced by extra lines of
// that resource, or the whole file is replaced in cases that need it.
const base = `categories:
  - {id: emergency, title: {fr: Urgence, en: Emergency}}
resources:
  - id: r1
    category: emergency
    region: FR
    title: {fr: Titre, en: Title}
    description: {fr: Texte, en: Text}
`

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string // appended to base unless file is set
		file string // replaces base
		want string // "" means valid
	}{
		{name: "valid", src: `    phone: "15"` + "\n"},
		{name: "url without host", src: "    url: https://\n", want: `resources[0] (r1): url "https://" has no host name`},
		{name: "url with a space", src: "    url: https://example.org/a b\n", want: `url "https://example.org/a b" contains a space`},
		{name: "relative url", src: "    url: /chemsex\n", want: `must start with https:// or http://`},
		{name: "javascript url", src: "    url: javascript:alert(1)\n", want: `must start with https:// or http://`},
		{name: "phone with letters", src: "    phone: 1 866 APPELLE\n", want: `phone "1 866 APPELLE" may only contain digits, spaces, + and -`},
		{name: "phone with a non-breaking space", src: "    phone: \"01\u00a040\"\n", want: `may only contain digits, spaces, + and -`},
		{name: "phone with one digit", src: "    phone: \"1\"\n", want: `phone "1" needs at least 2 digits`},
		{name: "phone as a mapping", src: "    phone: {number: \"15\"}\n", want: `phone must be a number or a list of {label, number}`},
		{name: "misspelt phone key", src: "    phone:\n      - {label: Lyon, numbre: \"04 72 11 69 11\"}\n", want: `resources[0] (r1): phone[0]: line 10: unknown key "numbre"`},
		{name: "phone list of one without label", src: "    phone:\n      - {number: \"15\"}\n"},
		{name: "empty phone value", src: "    phone:\n", want: `needs a phone or a url`},
		{name: "no phone nor url", want: `resources[0] (r1): needs a phone or a url`},
		{name: "unknown language", src: "    url: https://a.org\n    hours: {fr: x, de: y}\n", want: `hours: line 10: unknown language "de" (use fr and en)`},
		{name: "text as a list", src: "    url: https://a.org\n    hours: [a, b]\n", want: `hours: line 10: expected text or {fr: ..., en: ...}`},
		{name: "key given twice", src: "    url: https://a.org\n    url: https://b.org\n", want: `line 10: key "url" given twice`},
		{name: "upper-case id", file: strings.Replace(base, "id: r1", "id: R1", 1) + "    url: https://a.org\n", want: `id "R1" may only contain lower-case letters`},
		{name: "lower-case region", file: strings.Replace(base, "region: FR", "region: fr", 1) + "    url: https://a.org\n", want: `line 6: region "fr" is not declared under regions:`},
		{name: "missing region", file: strings.Replace(base, "    region: FR\n", "", 1) + "    url: https://a.org\n", want: `region missing`},
		{name: "empty description", file: strings.Replace(base, "description: {fr: Texte, en: Text}", "description:", 1) + "    url: https://a.org\n", want: `resources[0] (r1): description missing`},
		{name: "description too long", file: strings.Replace(base, "fr: Texte", "fr: "+strings.Repeat("a", 801), 1) + "    url: https://a.org\n", want: `description.fr is 801 characters long`},
		{name: "recheck not a boolean", src: "    url: https://a.org\n    recheck: oui\n", want: `recheck must be true or false`},
		{name: "unknown top-level key", file: "categorie: []\n" + base + "    url: https://a.org\n", want: `unknown key "categorie"`},
		{name: "no resources", file: "categories:\n  - {id: emergency, title: x}\n", want: `resources: missing`},
		{name: "empty resources", file: "categories:\n  - {id: emergency, title: x}\nresources: []\n", want: `resources: expected a list of entries`},
		{name: "a list at the top", file: "- a\n- b\n", want: `expected the keys categories: and resources:`},
		{name: "two documents", file: base + "    url: https://a.org\n---\nx: 1\n", want: `more than one YAML document`},
		{name: "yaml syntax error", file: "categories: [\n", want: `yaml: line`},
		{name: "empty", file: " \n", want: `the file is empty`},
		{name: "only a comment", file: "# nothing yet\n", want: `the file is empty`},
		{name: "alias is followed", src: "    url: &u https://a.org\n    source: *u\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.file
			if src == "" {
				src = base + tt.src
			}
			d, errs := parse("resources.yaml", []byte(src))
			if tt.want == "" {
				if len(errs) > 0 || d == nil {
					t.Fatalf("unexpected problems:\n%s", errors.Join(errs...))
				}
				return
			}
			if d != nil {
				t.Error("a directory was returned for an invalid file")
			}
			if !containsError(errs, tt.want) {
				t.Fatalf("problems do not mention %q:\n%s", tt.want, errors.Join(errs...))
			}
			for _, e := range errs {
				if !strings.HasPrefix(e.Error(), "resources.yaml: ") {
					t.Errorf("problem %q does not name the file", e)
				}
			}
		})
	}
}

func TestTextIn(t *testing.T) {
	both := Text{FR: "Bonjour", EN: "Hello"}
	frOnly := Text{FR: "Bonjour"}
	tests := []struct {
		name string
		text Text
		lang string
		want string
	}{
		{"french", both, "fr", "Bonjour"},
		{"english", both, "en", "Hello"},
		{"english with region", both, "en-GB", "Hello"},
		{"other language gets french", both, "de", "Bonjour"},
		{"no language gets french", both, "", "Bonjour"},
		{"english missing falls back to french", frOnly, "en", "Bonjour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.text.In(tt.lang); got != tt.want {
				t.Errorf("In(%q) = %q, want %q", tt.lang, got, tt.want)
			}
		})
	}
}

func TestNilDirectory(t *testing.T) {
	var d *Directory
	if _, ok := d.Category("emergency"); ok || d.In("emergency", FR) != nil || d.Emergency(FR) != nil {
		t.Error("a nil directory returned something")
	}
}

// factsPath is the verified facts file the shipped directory is built from.
// It lives in shared/, beside the repository, both here and in CI.
const factsPath = "../../shared/resources-facts.yaml"

type facts struct {
	Categories []struct {
		ID string `yaml:"id"`
	} `yaml:"categories"`
	Resources []struct {
		ID       string `yaml:"id"`
		Region   string `yaml:"region"`
		Category string `yaml:"category"`
		Phone    string `yaml:"phone"`
		URL      string `yaml:"url"`
		Recheck  bool   `yaml:"recheck"`
		Source   string `yaml:"source"`
	} `yaml:"resources"`
}

// TestShippedDirectory checks the default resources.yaml: it passes check,
// and holds every verified fact with the same numbers, links, regions and
// recheck marks, since a mistyped number in a crisis does harm.
func TestShippedDirectory(t *testing.T) {
	const path = "../resources.yaml"
	d := load(t, path)
	for _, r := range Regions {
		if r != Online && len(d.Emergency(r)) == 0 {
			t.Errorf("no emergency entry for %s", r)
		}
	}

	raw, err := os.ReadFile(factsPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s not found: shared/ is not beside this checkout", filepath.Clean(factsPath))
	}
	if err != nil {
		t.Fatal(err)
	}
	var f facts
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Resources) == 0 {
		t.Fatal("no resources in the facts file")
	}
	var factCats, ourCats []string
	for _, c := range f.Categories {
		factCats = append(factCats, c.ID)
	}
	for _, c := range d.Categories {
		ourCats = append(ourCats, c.ID)
	}
	slices.Sort(factCats)
	slices.Sort(ourCats)
	if !slices.Equal(factCats, ourCats) {
		t.Errorf("categories %v, want those of the facts file %v", ourCats, factCats)
	}

	ours := map[string]Resource{}
	for _, r := range d.Resources {
		ours[r.ID] = r
	}
	shipped, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(shipped), "\n")
	number := regexp.MustCompile(`\+?\d[\d \-]*\d`)
	for _, fr := range f.Resources {
		t.Run(fr.ID, func(t *testing.T) {
			r, ok := ours[fr.ID]
			if !ok {
				t.Fatal("missing from resources.yaml")
			}
			if r.Region != fr.Region || r.Category != fr.Category {
				t.Errorf("region %s, category %s; the facts say %s, %s", r.Region, r.Category, fr.Region, fr.Category)
			}
			if fr.URL != "" && r.URL != fr.URL {
				t.Errorf("url %q, the facts say %q", r.URL, fr.URL)
			}
			if r.Source != fr.Source {
				t.Errorf("source %q, the facts say %q", r.Source, fr.Source)
			}
			if r.Recheck != fr.Recheck {
				t.Errorf("recheck %v, the facts say %v", r.Recheck, fr.Recheck)
			}
			var want, got []string
			if fr.Phone != "" {
				for _, part := range strings.Split(fr.Phone, "|") {
					longest := ""
					for _, m := range number.FindAllString(part, -1) {
						if len(m) > len(longest) {
							longest = m
						}
					}
					want = append(want, digits(longest))
				}
			}
			for _, p := range r.Phones {
				got = append(got, digits(p.Number))
			}
			if !slices.Equal(got, want) {
				t.Errorf("phone digits %v, the facts say %v (%q)", got, want, fr.Phone)
			}
			if fr.Recheck {
				comment := "# À VÉRIFIER / TO RECHECK: source ancienne ou indirecte (" + fr.Source + ")"
				i := slices.Index(lines, "  - id: "+fr.ID)
				if i < 1 || strings.TrimSpace(lines[i-1]) != comment {
					t.Errorf("the line above the entry should be %q", comment)
				}
			}
		})
	}
	if len(d.Resources) != len(f.Resources) {
		t.Errorf("%d resources, the facts file has %d", len(d.Resources), len(f.Resources))
	}
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '+' {
			return r
		}
		return -1
	}, s)
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/valid.yaml", "testdata/every_problem.yaml", "testdata/latin1.yaml", "../resources.yaml"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(base))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("categories: &c\n  - {id: x, title: *c}\nresources: *c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, errs := Parse(data)
		if (d == nil) == (len(errs) == 0) {
			t.Fatalf("directory %v with %d problems: exactly one of them must be set", d != nil, len(errs))
		}
		if d == nil {
			return
		}
		for _, r := range d.Resources {
			if !slices.Contains(Regions, r.Region) {
				t.Errorf("accepted region %q", r.Region)
			}
			if _, ok := d.Category(r.Category); !ok {
				t.Errorf("accepted unknown category %q", r.Category)
			}
			if r.Title.FR == "" || r.Title.EN == "" || r.Description.FR == "" || r.Description.EN == "" {
				t.Errorf("accepted a missing language in %q", r.ID)
			}
		}
	})
}
