package moderation

import (
	"fmt"
	"strings"
	"testing"
)

// parseNamed is ParseLexicon with the file's name in front of each problem,
// as package files words them for the check command.
func parseNamed(name, content string) (*Lexicon, []error) {
	lex, errs := ParseLexicon([]byte(content))
	for i, e := range errs {
		errs[i] = fmt.Errorf("%s: %w", name, e)
	}
	return lex, errs
}

func TestDefaultLexiconIsValid(t *testing.T) {
	if _, errs := parseLexicon(defaultLexiconYAML); len(errs) > 0 {
		t.Fatalf("embedded lexicon: %v", errs)
	}
	// Every reason code the bot may have to render is known.
	codes := map[string]bool{}
	for _, c := range ReasonCodes() {
		codes[c] = true
	}
	for _, c := range codeNames[:cNeutral] {
		if !codes[c] {
			t.Errorf("code %q missing from ReasonCodes", c)
		}
	}
}

// TestParseLexiconMerge: an admin's file adds terms, changes weights,
// switches terms off, and extends the word lists.
func TestParseLexiconMerge(t *testing.T) {
	lex, errs := ParseLexicon([]byte(`
signals:
  product:
    - {term: zorglub, weight: 0.2}
  offer:
    - {term: dispo, weight: 0}          # switched off
    - {terms: [jacuzzi dispo], weight: 0.9, link: none}
vocabulary:
  helplines: ["0 700 11 22 33"]
aliases:
  zgb: zorglub
`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	// The rules alone: what an admin's lexicon changes in them.
	s := NewScreener(lex, 0).WithModel(nil)
	def := NewScreener(nil, 0).WithModel(nil)
	tests := []struct {
		name      string
		text      string
		def, mine bool
	}{
		{"default term switched off", "dispo ce soir, mp", true, false},
		{"new phrase", "jacuzzi dispo", false, true},
		{"new product links to a request", "qui a du zorglub ?", false, true},
		{"alias of the new product", "qui a du zgb ?", false, true},
		{"other default terms still there", "Tina 60 le g, livraison, wickr", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v := def.Screen(tt.text, Context{}); v.Flag != tt.def {
				t.Errorf("default lexicon: flag %v (%.2f), want %v", v.Flag, v.Score, tt.def)
			}
			if v := s.Screen(tt.text, Context{}); v.Flag != tt.mine {
				t.Errorf("merged lexicon: flag %v (%.2f), want %v; %s", v.Flag, v.Score, tt.mine, reasonList(v))
			}
		})
	}
	// The admin's help line is not a phone number any more.
	v := s.Screen("tina: 0 700 11 22 33", Context{})
	for _, r := range v.Reasons {
		if r.Code == CodePhone {
			t.Errorf("help line scored as a phone: %s", reasonList(v))
		}
	}
	// The default is untouched.
	if !def.Screen("dispo ce soir, mp", Context{}).Flag {
		t.Error("merging changed the default lexicon")
	}
}

func TestParseLexiconErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // each must appear in one error
	}{
		{"weight out of range", "signals:\n  offer:\n    - {term: dispo, weight: 1.7}\n",
			[]string{"lexicon.yaml: signals.offer[0]: weight 1.7 out of range 0..1"}},
		{"weight not a number", "signals:\n  offer:\n    - {term: dispo, weight: lots}\n",
			[]string{`signals.offer[0]: weight "lots" is not a number`}},
		{"weight missing", "signals:\n  offer:\n    - {term: dispo}\n", []string{"signals.offer[0]: weight missing"}},
		{"unknown category", "signals:\n  offre:\n    - {term: dispo, weight: 0.5}\n",
			[]string{"signals.offre: unknown category"}},
		{"unknown key", "signals:\n  offer:\n    - {term: dispo, wieght: 0.5}\n", []string{`signals.offer[0]: unknown key "wieght"`}},
		{"no term", "signals:\n  offer:\n    - {weight: 0.5}\n", []string{"signals.offer[0]: no term"}},
		{"empty term", "signals:\n  offer:\n    - {terms: [ok, \"!!\"], weight: 0.5}\n",
			[]string{`signals.offer[0].terms[1]: "!!" has no letters or digits`}},
		{"duplicate", "signals:\n  offer:\n    - {terms: [Dispo, dispo], weight: 0.5}\n",
			[]string{`signals.offer[0].terms[1]: "dispo" already listed at signals.offer[0].terms[0]`}},
		{"alone above weight", "signals:\n  offer:\n    - {term: x1, weight: 0.2, alone: 0.5}\n",
			[]string{"signals.offer[0]: alone 0.5 above weight 0.2"}},
		{"bad link", "signals:\n  offer:\n    - {term: x1, weight: 0.2, link: far}\n", []string{`signals.offer[0]: link "far" unknown`}},
		{"bad structure", "structure:\n  price: {weight: 2}\n  prix: {weight: 0.1}\n",
			[]string{"structure.price: weight 2 out of range 0..1", "structure.prix: unknown key"}},
		{"bad helpline", "vocabulary:\n  helplines: [\"call me\"]\n", []string{`vocabulary.helplines[0]: "call me" is not a phone number`}},
		{"bad domain", "vocabulary:\n  health_domains: [\"not a domain\"]\n", []string{"vocabulary.health_domains[0]"}},
		{"bad alias", "aliases:\n  \"two words\": x\n", []string{"aliases.two words"}},
		{"unknown section", "signaux: {}\n", []string{"signaux: unknown section"}},
		{"not yaml", "signals: [\n", []string{"lexicon.yaml: yaml:"}},
		{"repeated key", "signals:\n  offer:\n    - {term: a1, term: b1, weight: 0.5}\n",
			[]string{`signals.offer[0]: key "term" given twice, first at line 3 (line 3)`}},
		{"repeated category", "signals:\n  offer: []\n  offer: []\n",
			[]string{"signals.offer: given twice, first at line 2 (line 3)"}},
		{"empty item keeps the numbering", "signals:\n  offer:\n    -\n    - {term: b1, weight: 7}\n",
			[]string{"signals.offer[0]: expected {term", "signals.offer[1]: weight 7 out of range 0..1 (line 4)"}},
		{"all problems at once", "signals:\n  offer:\n    - {term: a1, weight: 3}\n    - {term: b1, weight: -1}\n",
			[]string{"signals.offer[0]: weight 3", "signals.offer[1]: weight -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const path = "/srv/entrepairs/lexicon.yaml"
			lex, errs := parseNamed(path, tt.content)
			var all []string
			for _, e := range errs {
				all = append(all, e.Error())
			}
			joined := strings.Join(all, "\n")
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("errors do not contain %q:\n%s", w, joined)
				}
			}
			for _, e := range all {
				if !strings.HasPrefix(e, path+": ") {
					t.Errorf("error does not name the file: %q", e)
				}
			}
			if lex != nil || len(errs) == 0 {
				t.Error("ParseLexicon accepted an invalid file")
			}
		})
	}
}

func TestParseLexiconEmptyFile(t *testing.T) {
	lex, errs := ParseLexicon([]byte("# nothing yet\n"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if !NewScreener(lex, 0).Screen("Tina dispo 60 le g, wickr", Context{}).Flag {
		t.Error("an empty file lost the default vocabulary")
	}
}
