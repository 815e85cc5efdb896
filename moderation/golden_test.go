package moderation

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	goparser "go/parser"
	gotoken "go/token"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The golden files pin what Screen and Normalize return, so that work on
// how they compute (speed) cannot change what they compute. Whoever
// changes the rules, the features or the model on purpose regenerates them
// with
//
//	go test ./moderation -run TestScreenGolden -update
//
// and reads the diff.
var update = flag.Bool("update", false, "rewrite testdata/screen_golden*.txt from the current screener")

const (
	goldenFile   = "testdata/screen_golden.txt"
	mutatedFile  = "testdata/screen_golden_mutated.txt"
	goldenHeader = "# id\tscore (model)\tscore (rules alone)\tscore (new member)\tnormalised text (fnv64)\treasons (code:evidence:weight)\n"
)

// TestScreenGolden screens every corpus message, every string literal of
// the package's tests (the hand-written tables) and the fuzz seeds, with
// the model, with the rules alone and as a new member's message, and
// compares scores (to 1e-6), reasons and normalised text with
// testdata/screen_golden.txt. The locked part of the corpus is pinned by a
// hash of its line only, so that the file shows no result on it.
// testdata/screen_golden_mutated.txt does the same for each corpus message
// disguised the way sellers do (look-alikes, leetspeak, spacing, invisible
// characters...), to pin the normalisation's less common paths.
func TestScreenGolden(t *testing.T) {
	corpus := loadCorpus(t)
	var lines []string
	for _, e := range corpus {
		l := goldenLine(e.ID, e.Text)
		if e.Locked() {
			l = e.ID + "\tlocked " + hashString(l)
		}
		lines = append(lines, l)
	}
	// The hand-written texts are those of the golden file, each quoted
	// at the start of its line; -update takes them afresh from the tests.
	hand := goldenHandTexts(t)
	if *update {
		hand = handTexts(t)
	}
	for _, text := range hand {
		lines = append(lines, goldenLine(strconv.Quote(text), text))
	}
	var mutated []string
	for _, e := range corpus {
		text := mutate(e.ID, e.Text)
		mutated = append(mutated, e.ID+"\t"+hashString(goldenLine(e.ID, text)))
	}
	checkGolden(t, goldenFile, lines)
	checkGolden(t, mutatedFile, mutated)
}

// goldenLine renders what the screener says of text.
func goldenLine(id, text string) string {
	full := goldenScreener().Screen(text, Context{})
	rules := goldenRules().Screen(text, Context{})
	member := goldenScreener().Screen(text, Context{NewMember: true})
	var rs []string
	for _, r := range full.Reasons {
		rs = append(rs, fmt.Sprintf("%s:%q:%g", r.Code, r.Evidence, r.Weight))
	}
	for _, r := range member.Reasons {
		if r.Code == "new_member" {
			rs = append(rs, fmt.Sprintf("member/%s:%g", r.Code, r.Weight))
		}
	}
	return fmt.Sprintf("%s\t%.6f\t%.6f\t%.6f\t%s\t%s", id, full.Score, rules.Score, member.Score,
		hashString(Normalize(text)), strings.Join(rs, " "))
}

var goldenScreeners struct{ full, rules *Screener }

func goldenScreener() *Screener {
	if goldenScreeners.full == nil {
		goldenScreeners.full = NewScreener(nil, 0)
		goldenScreeners.rules = goldenScreeners.full.WithModel(nil)
	}
	return goldenScreeners.full
}

func goldenRules() *Screener {
	goldenScreener()
	return goldenScreeners.rules
}

func hashString(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("%016x", h.Sum64())
}

// checkGolden compares lines with the file, or rewrites it with -update.
func checkGolden(t *testing.T, path string, lines []string) {
	t.Helper()
	if *update {
		var b bytes.Buffer
		b.WriteString(goldenHeader)
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	var want []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	if len(want) != len(lines) {
		t.Errorf("%s: %d lines, want %d (corpus or tests changed? regenerate with -update)", path, len(lines), len(want))
	}
	bad := 0
	for i := 0; i < min(len(want), len(lines)); i++ {
		if want[i] != lines[i] {
			bad++
			if bad <= 20 {
				t.Errorf("%s line %d:\n got  %s\n want %s", path, i+1, lines[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d lines differ", path, bad)
	}
}

// goldenHandTexts returns the hand-written texts pinned in the golden
// file.
func goldenHandTexts(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(goldenFile)
	if err != nil {
		return nil // checkGolden says so
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, `"`) {
			continue
		}
		q, _, _ := strings.Cut(l, "\t")
		text, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("%s: %v in %s", goldenFile, err, q)
		}
		out = append(out, text)
	}
	return out
}

// handTexts returns the string literals of the package's tests (the
// hand-written tables and the fuzz seeds) and of the fuzz corpus, sorted
// and without duplicates. The golden test's own literals are left out.
func handTexts(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	files, _ := filepath.Glob("*_test.go")
	fset := gotoken.NewFileSet()
	for _, name := range files {
		if name == "golden_test.go" || name == "stable_test.go" {
			continue
		}
		f, err := goparser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					seen[s] = true
				}
			}
			return true
		})
	}
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzScreen/*")
	for _, name := range seeds {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "string(") && strings.HasSuffix(l, ")") {
				if s, err := strconv.Unquote(l[len("string(") : len(l)-1]); err == nil {
					seen[s] = true
				}
			}
		}
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// mutate disguises text the way sellers do, twice, deterministically from
// the id.
func mutate(id, text string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	r := h.Sum64() | 1
	next := func(n int) int {
		r ^= r << 13
		r ^= r >> 7
		r ^= r << 17
		return int(r % uint64(n))
	}
	for k := 0; k < 2; k++ {
		text = mutations[next(len(mutations))](text, next)
	}
	return text
}

var mutations = []func(string, func(int) int) string{
	func(s string, _ func(int) int) string { return strings.ToUpper(s) },
	// Spaced, dotted or dashed letters in one word.
	func(s string, next func(int) int) string {
		words := strings.Fields(s)
		if len(words) == 0 {
			return s
		}
		i := next(len(words))
		sep := []string{" ", ".", "-", "  ", " . "}[next(5)]
		words[i] = strings.Join(strings.Split(words[i], ""), sep)
		return strings.Join(words, " ")
	},
	// Leetspeak.
	func(s string, next func(int) int) string {
		return strings.NewReplacer("o", "0", "e", "3", "a", "4", "i", "1", "s", "$", "t", "7").Replace(s)
	},
	// Look-alikes and accents.
	func(s string, _ func(int) int) string {
		return strings.NewReplacer("a", "а", "e", "é", "o", "ο", "p", "р", "c", "ç", "i", "і", "n", "ñ").Replace(s)
	},
	// Invisible characters inside words.
	func(s string, next func(int) int) string {
		var b strings.Builder
		for _, c := range s {
			b.WriteRune(c)
			if next(4) == 0 {
				b.WriteString([]string{"\u200b", "\u00ad", "\u200d", "\ufe0f", "\u2060"}[next(5)])
			}
		}
		return b.String()
	},
	// Repeated letters and white space.
	func(s string, next func(int) int) string {
		var b strings.Builder
		for _, c := range s {
			b.WriteRune(c)
			if next(5) == 0 {
				b.WriteString(strings.Repeat(string(c), 1+next(4)))
			}
		}
		return b.String()
	},
	// Fullwidth and mathematical letters.
	func(s string, next func(int) int) string {
		var b strings.Builder
		for _, c := range s {
			switch {
			case 'a' <= c && c <= 'z' && next(2) == 0:
				b.WriteRune(c - 'a' + 'ａ')
			case 'a' <= c && c <= 'z' && next(2) == 0:
				b.WriteRune(c - 'a' + '𝐚')
			default:
				b.WriteRune(c)
			}
		}
		return b.String()
	},
	// Emoji codes, punctuation and cut bytes.
	func(s string, next func(int) int) string {
		extra := []string{"🔌", "❄️", "💎", " 🇩 🇮 🇸 🇵 🇴", "!!!", "…", "« ", " »", " 20€/g", " 06 12 34 56 78", "\t\n"}
		s += extra[next(len(extra))]
		if next(3) == 0 && len(s) > 3 {
			cut := next(len(s))
			s = s[:cut] + extra[next(len(extra))] + s[cut:] // may cut a character: invalid UTF-8
		}
		if !utf8.ValidString(s) && next(2) == 0 {
			s += "\xff"
		}
		return s
	},
}
