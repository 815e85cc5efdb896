package moderation

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// This file holds the shapes yaml.v3 decodes a lexicon file into. The typed
// values come from yaml.v3 with Decoder.KnownFields, which rejects unknown
// and repeated keys; each shape also keeps what a typed value loses and the
// checks in lexicon.go need: the line of each value (for errors), the order
// of the keys of the mappings whose keys the file chooses (the order in
// which terms are added to the Lexicon), and the items with nothing after
// "- " (yaml.v3 calls no Unmarshaler for a null, and leaves it out of a
// slice, which would shift the index that names every later entry).

// decodeStrict decodes the first document of src into v, refusing unknown
// keys. An empty document leaves v as it is. A parser panic becomes an
// error: no lexicon file, however mangled, may take the bot down.
func decodeStrict(src []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot read the YAML: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// scalar is one value as written, with its line.
type scalar struct {
	set  bool      // present; a null only inside a list, see list
	kind yaml.Kind // a single value, a list or a mapping
	line int
	text string // as written for a single value, "" otherwise
}

func (s *scalar) UnmarshalYAML(n *yaml.Node) error {
	*s = scalarOf(n)
	return nil
}

// isScalar reports whether s is a single value rather than a list or a
// mapping.
func (s scalar) isScalar() bool { return s.kind == yaml.ScalarNode }

func scalarOf(n *yaml.Node) scalar {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias // bounded, so that a cycle cannot loop
	}
	if n == nil {
		return scalar{}
	}
	return scalar{set: true, kind: n.Kind, line: n.Line, text: n.Value}
}

// node captures the node of a value, for the older form of UnmarshalYAML
// (below), whose decode function cannot fill a yaml.Node directly.
type node struct{ n *yaml.Node }

func (w *node) UnmarshalYAML(n *yaml.Node) error {
	w.n = n
	return nil
}

// record is a mapping of fixed keys, decoded into the struct F. Its
// UnmarshalYAML is yaml.v3's older form, whose decode function keeps the
// decoder's KnownFields, so that an unknown key is told to the entry it
// belongs to; the newer form (UnmarshalYAML(*yaml.Node)) would lose it.
type record[F any] struct {
	at       scalar
	keys     []string // in file order
	fields   F
	problems []keyProblem
	// refused: a key is repeated, and yaml.v3 refuses the whole mapping, so
	// its fields must not be checked (they would all look missing).
	refused bool
}

func (r *record[F]) UnmarshalYAML(unmarshal func(any) error) error {
	var n node
	_ = unmarshal(&n)
	r.at = scalarOf(n.n)
	if r.at.kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i < len(n.n.Content); i += 2 {
		r.keys = append(r.keys, n.n.Content[i].Value)
	}
	r.problems = keyProblems(unmarshal(&r.fields))
	for _, pr := range r.problems {
		r.refused = r.refused || pr.first > 0
	}
	return nil
}

// before reports whether key a comes before key b in the mapping.
func (r *record[F]) before(a, b string) bool {
	for _, k := range r.keys {
		switch k {
		case a:
			return true
		case b:
			return false
		}
	}
	return false
}

// table is a mapping whose keys the file chooses (categories, word lists,
// aliases), each value decoded into T, in file order.
type table[T any] struct {
	at    scalar
	rows  []row[T]
	twice []keyProblem // repeated keys: the whole mapping is refused
}

// row is one key of a table and its value; val is T's zero value when the
// value is null, and line is then the only trace of it.
type row[T any] struct {
	key  scalar
	line int
	val  T
}

func (t *table[T]) UnmarshalYAML(unmarshal func(any) error) error {
	var n node
	_ = unmarshal(&n)
	t.at = scalarOf(n.n)
	if t.at.kind != yaml.MappingNode {
		return nil
	}
	vals := map[string]T{}
	for _, pr := range keyProblems(unmarshal(&vals)) {
		// A key that is not a single value is not a string either: it is
		// told as an unknown key, by name, like any other.
		if pr.first > 0 {
			t.twice = append(t.twice, pr)
		}
	}
	if len(t.twice) > 0 {
		return nil
	}
	for i := 0; i+1 < len(n.n.Content); i += 2 {
		k, v := n.n.Content[i], n.n.Content[i+1]
		t.rows = append(t.rows, row[T]{key: scalarOf(k), line: v.Line, val: vals[k.Value]})
	}
	return nil
}

// list is a sequence, each item decoded into T.
type list[T any] struct {
	at    scalar
	items []listItem[T]
}

// listItem is one item of a list: as written, and decoded (nil for an item
// with nothing after "- ").
type listItem[T any] struct {
	at  scalar
	val *T
}

func (l *list[T]) UnmarshalYAML(unmarshal func(any) error) error {
	var n node
	_ = unmarshal(&n)
	l.at = scalarOf(n.n)
	if l.at.kind != yaml.SequenceNode {
		return nil
	}
	// Into pointers, a null item is a nil rather than left out; T never
	// fails to decode, so that the two stay aligned.
	var vals []*T
	_ = unmarshal(&vals)
	for i, c := range n.n.Content {
		it := listItem[T]{at: scalarOf(c)}
		if len(vals) == len(n.n.Content) {
			it.val = vals[i]
		}
		l.items = append(l.items, it)
	}
	return nil
}

// keyProblem is a problem yaml.v3 found with the keys of one mapping.
type keyProblem struct {
	line  int
	key   string // unknown or repeated
	first int    // the line of the first one, for a repeated key
	other string // anything else, as yaml.v3 words it
}

var (
	unknownField = regexp.MustCompile(`^line (\d+): field (.*) not found in type \S+$`)
	repeatedKey  = regexp.MustCompile(`^line (\d+): mapping key (".*") already defined at line (\d+)$`)
	// Every value decodes through an Unmarshaler that never fails: only a
	// key (a list or mapping used as a key) can fail to become a string.
	oddKey = regexp.MustCompile(`^line (\d+): cannot unmarshal \S+ .*into string$`)
)

// keyProblems reads yaml.v3's error for one mapping. Its messages are
// worded for developers ("field wieght not found in type
// moderation.entryFields"); the checks reword them for admins.
func keyProblems(err error) []keyProblem {
	if err == nil {
		return nil
	}
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	out := make([]keyProblem, 0, len(msgs))
	for _, e := range msgs {
		var pr keyProblem
		if m := unknownField.FindStringSubmatch(e); m != nil {
			pr.line, _ = strconv.Atoi(m[1])
			pr.key = m[2]
		} else if m := repeatedKey.FindStringSubmatch(e); m != nil {
			pr.line, _ = strconv.Atoi(m[1])
			pr.key, _ = strconv.Unquote(m[2])
			pr.first, _ = strconv.Atoi(m[3])
		} else if m := oddKey.FindStringSubmatch(e); m != nil {
			pr.line, _ = strconv.Atoi(m[1])
		} else {
			pr.other = e
		}
		out = append(out, pr)
	}
	return out
}
