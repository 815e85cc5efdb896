package resources

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Limits checked by Parse.
const (
	// maxIDLen keeps ids short enough for Telegram's 64-byte button data,
	// which carries a category id and a region.
	maxIDLen = 40
	// maxLabelLen keeps a phone label a label ("Lyon", "SMS") rather than a
	// sentence, so that the number stays visible on a phone screen.
	maxLabelLen = 30
	// maxDescriptionLen keeps one entry small enough that a whole category
	// for a region still fits in one Telegram message (4096 characters).
	maxDescriptionLen = 800
)

// Keys allowed in each kind of mapping. The file is decoded by walking the
// YAML nodes rather than with yaml.v3's Decoder.KnownFields: both reject
// unknown keys (a misspelt "descripton" would otherwise vanish silently),
// but KnownFields reports "field x not found in type ..." with a line and a
// Go type name, whereas walking lets every error name the entry by its id.
var (
	fileKeys     = []string{"categories", "resources"}
	categoryKeys = []string{"id", "title"}
	resourceKeys = []string{"id", "category", "region", "title", "phone", "url", "hours", "description", "recheck", "source"}
	textKeys     = []string{"fr", "en"}
	phoneKeys    = []string{"label", "number"}
)

// Parse reads a resources file. It returns every problem at once, each
// naming the file and the entry ("resources.yaml: resources[12] (fr_3114):
// ..."), so that an admin fixes them in one go; the Directory is nil when
// there is any problem, because a half-valid directory could show members a
// wrong number.
func Parse(path string, data []byte) (*Directory, []error) {
	if !utf8.Valid(data) {
		return nil, []error{fmt.Errorf("%s: line %d: not valid UTF-8 (save the file as UTF-8)", path, firstInvalidLine(data))}
	}
	root, err := decodeNode(data)
	if err != nil {
		return nil, []error{fmt.Errorf("%s: %w", path, err)}
	}
	p := &parser{path: path}
	d := p.file(root)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return d, nil
}

// decodeNode parses the YAML document. A parser panic becomes an error: the
// file is edited by hand while the bot runs, and no file, however mangled,
// may take the bot down with it.
func decodeNode(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("cannot read the YAML: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("the file holds more than one YAML document (a line with --- ?)")
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("the file is empty")
	}
	return doc.Content[0], nil
}

// Load reads and parses the resources file at path. The error joins every
// problem; each names the file.
func Load(path string) (*Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("resources %s: %w", path, err)
	}
	d, errs := Parse(path, data)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// Check lists the problems of the resources file at path, one error per
// problem, for the `check` subcommand an admin runs after editing. It
// returns nil when the file is valid.
func Check(path string) []error {
	data, err := os.ReadFile(path)
	if err != nil {
		return []error{fmt.Errorf("resources %s: %w", path, err)}
	}
	_, errs := Parse(path, data)
	return errs
}

// UnmarshalYAML accepts {fr: ..., en: ...} or a plain string for both
// languages, so that other files (such as a configuration) can hold a Text
// with the same rules as the resources file.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	v, problems := decodeText(n)
	if len(problems) > 0 {
		return fmt.Errorf("line %d: %s", n.Line, problems[0])
	}
	*t = v
	return nil
}

type parser struct {
	path string
	errs []error
}

func (p *parser) add(where, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if where == "" {
		p.errs = append(p.errs, fmt.Errorf("%s: %s", p.path, msg))
		return
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %s: %s", p.path, where, msg))
}

func (p *parser) file(n *yaml.Node) *Directory {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.add("", "line %d: expected the keys categories: and resources:", n.Line)
		return nil
	}
	fields := p.fields("", n, fileKeys)
	var d Directory
	cats, ok := fields["categories"]
	if !ok {
		p.add("", "categories: missing")
	}
	res, ok := fields["resources"]
	if !ok {
		p.add("", "resources: missing")
	}
	if cats != nil {
		d.Categories = p.categories(cats)
	}
	if res != nil {
		d.Resources = p.resources(res, d.Categories)
	}
	return &d
}

func (p *parser) categories(n *yaml.Node) []Category {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add("", "line %d: categories: expected a list of {id, title}", n.Line)
		return nil
	}
	var out []Category
	seen := map[string]int{}
	for i, item := range n.Content {
		item = resolve(item)
		where := entryName("categories", i, item)
		if item.Kind != yaml.MappingNode {
			p.add(where, "expected {id, title}")
			continue
		}
		f := p.fields(where, item, categoryKeys)
		c := Category{ID: p.id(where, f)}
		c.Title = p.text(where, "title", f, true)
		if c.ID != "" {
			if j, dup := seen[c.ID]; dup {
				p.add(where, "id %q is already used by categories[%d]", c.ID, j)
			} else {
				seen[c.ID] = i
			}
		}
		out = append(out, c)
	}
	return out
}

func (p *parser) resources(n *yaml.Node, cats []Category) []Resource {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add("", "line %d: resources: expected a list of entries", n.Line)
		return nil
	}
	known := map[string]bool{}
	var catIDs []string
	for _, c := range cats {
		if c.ID != "" && !known[c.ID] {
			known[c.ID] = true
			catIDs = append(catIDs, c.ID)
		}
	}
	var out []Resource
	seen := map[string]int{}
	for i, item := range n.Content {
		item = resolve(item)
		where := entryName("resources", i, item)
		if item.Kind != yaml.MappingNode {
			p.add(where, "expected an entry with id, category, region, title, description…")
			continue
		}
		f := p.fields(where, item, resourceKeys)
		r := Resource{ID: p.id(where, f)}
		if r.ID != "" {
			if j, dup := seen[r.ID]; dup {
				p.add(where, "id %q is already used by resources[%d]", r.ID, j)
			} else {
				seen[r.ID] = i
			}
		}
		r.Category = p.scalar(where, "category", f["category"])
		switch {
		case blank(f["category"]):
			p.add(where, "category missing")
		case r.Category != "" && !known[r.Category]:
			p.add(where, "category %q is not one of the categories: %s", r.Category, strings.Join(catIDs, ", "))
		}
		r.Region = p.scalar(where, "region", f["region"])
		switch {
		case blank(f["region"]):
			p.add(where, "region missing (one of %s)", strings.Join(Regions, ", "))
		case r.Region != "" && !slices.Contains(Regions, r.Region):
			p.add(where, "region %q is not one of %s", r.Region, strings.Join(Regions, ", "))
		}
		r.Title = p.text(where, "title", f, true)
		r.Description = p.text(where, "description", f, true)
		for _, lang := range []struct{ name, s string }{{"fr", r.Description.FR}, {"en", r.Description.EN}} {
			if n := utf8.RuneCountInString(lang.s); n > maxDescriptionLen {
				p.add(where, "description.%s is %d characters long; keep it under %d so that a list fits in one message", lang.name, n, maxDescriptionLen)
			}
		}
		r.Hours = p.text(where, "hours", f, false)
		r.Phones = p.phones(where, f["phone"])
		r.URL = p.scalar(where, "url", f["url"])
		if r.URL != "" {
			if err := checkURL(r.URL); err != nil {
				p.add(where, "url %q %s", r.URL, err)
			}
		}
		if blank(f["phone"]) && blank(f["url"]) {
			p.add(where, "needs a phone or a url, or members cannot reach the service")
		}
		if v := f["recheck"]; !blank(v) {
			if err := v.Decode(&r.Recheck); err != nil || v.Tag != "!!bool" {
				p.add(where, "line %d: recheck must be true or false", v.Line)
			}
		}
		r.Source = p.scalar(where, "source", f["source"])
		out = append(out, r)
	}
	return out
}

// entryName names an entry in errors by position and id, or by line when it
// has no readable id, so that the admin can find it either way.
func entryName(list string, i int, n *yaml.Node) string {
	if n.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(n.Content); j += 2 {
			if k, v := n.Content[j], resolve(n.Content[j+1]); k.Value == "id" && v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) != "" {
				return fmt.Sprintf("%s[%d] (%s)", list, i, strings.TrimSpace(v.Value))
			}
		}
	}
	return fmt.Sprintf("%s[%d] (line %d)", list, i, n.Line)
}

// fields returns the values of a mapping by key, reporting unknown and
// repeated keys.
func (p *parser) fields(where string, n *yaml.Node, allowed []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := resolve(n.Content[j]), resolve(n.Content[j+1])
		key := k.Value
		switch {
		case k.Kind != yaml.ScalarNode || !slices.Contains(allowed, key):
			p.add(where, "line %d: unknown key %q (expected one of: %s)", k.Line, key, strings.Join(allowed, ", "))
		case out[key] != nil:
			p.add(where, "line %d: key %q given twice", k.Line, key)
		default:
			out[key] = v
		}
	}
	return out
}

// scalar returns the trimmed text of a single-value field, "" when absent
// or empty; a list or mapping where one value belongs is reported.
func (p *parser) scalar(where, key string, v *yaml.Node) string {
	if v == nil || isNull(v) {
		return ""
	}
	s, ok := scalarValue(v)
	if !ok {
		p.add(where, "line %d: %s must be a single value", v.Line, key)
		return ""
	}
	return s
}

func (p *parser) id(where string, f map[string]*yaml.Node) string {
	id := p.scalar(where, "id", f["id"])
	switch {
	case blank(f["id"]):
		p.add(where, "id missing")
	case id == "":
		// Not a single value: reported by scalar.
	case len(id) > maxIDLen:
		p.add(where, "id %q is longer than %d characters", id, maxIDLen)
	case strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) >= 0:
		// The bot puts ids in button data and logs: plain ASCII keeps them
		// unambiguous and short.
		p.add(where, "id %q may only contain lower-case letters a-z, digits, _ and -", id)
	}
	return id
}

func (p *parser) text(where, key string, f map[string]*yaml.Node, required bool) Text {
	v := f[key]
	if blank(v) {
		if required {
			p.add(where, "%s missing (write it in French and English: %s: {fr: ..., en: ...})", key, key)
		}
		return Text{}
	}
	t, problems := decodeText(v)
	for _, pr := range problems {
		p.add(where, "%s: %s", key, pr)
	}
	if len(problems) == 0 && required {
		if t.FR == "" {
			p.add(where, "%s.fr missing: the French text is required", key)
		}
		if t.EN == "" {
			p.add(where, "%s.en missing: the English text is required", key)
		}
	}
	return t
}

// decodeText reads {fr, en} or a plain string; it returns problems as
// sentences so that callers can prefix them with the entry.
func decodeText(n *yaml.Node) (Text, []string) {
	n = resolve(n)
	if s, ok := scalarValue(n); ok {
		return Text{FR: s, EN: s}, nil
	}
	if n.Kind != yaml.MappingNode {
		return Text{}, []string{fmt.Sprintf("line %d: expected text or {fr: ..., en: ...}", n.Line)}
	}
	var t Text
	var problems []string
	seen := map[string]bool{}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := resolve(n.Content[j]), resolve(n.Content[j+1])
		if k.Kind != yaml.ScalarNode || !slices.Contains(textKeys, k.Value) {
			problems = append(problems, fmt.Sprintf("line %d: unknown language %q (use fr and en)", k.Line, k.Value))
			continue
		}
		if seen[k.Value] {
			problems = append(problems, fmt.Sprintf("line %d: %s given twice", k.Line, k.Value))
			continue
		}
		seen[k.Value] = true
		s, ok := scalarValue(v)
		if !ok && !isNull(v) {
			problems = append(problems, fmt.Sprintf("line %d: %s must be text", v.Line, k.Value))
			continue
		}
		if k.Value == "fr" {
			t.FR = s
		} else {
			t.EN = s
		}
	}
	return t, problems
}

func (p *parser) phones(where string, n *yaml.Node) []Phone {
	if blank(n) {
		return nil
	}
	if s, ok := scalarValue(n); ok {
		ph := Phone{Number: s}
		p.checkPhone(where, "phone", ph, false)
		return []Phone{ph}
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(where, "line %d: phone must be a number or a list of {label, number}", n.Line)
		return nil
	}
	var out []Phone
	for i, item := range n.Content {
		item = resolve(item)
		name := fmt.Sprintf("phone[%d]", i)
		var ph Phone
		if s, ok := scalarValue(item); ok {
			ph.Number = s
		} else if item.Kind == yaml.MappingNode {
			f := p.fields(where+": "+name, item, phoneKeys)
			ph.Label = p.scalar(where, name+".label", f["label"])
			ph.Number = p.scalar(where, name+".number", f["number"])
		} else {
			p.add(where, "line %d: %s must be {label, number}", item.Line, name)
			continue
		}
		p.checkPhone(where, name, ph, len(n.Content) > 1)
		out = append(out, ph)
	}
	return out
}

func (p *parser) checkPhone(where, name string, ph Phone, needLabel bool) {
	digits := 0
	bad := false
	for _, r := range ph.Number {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '+' || r == '-':
		default:
			bad = true
		}
	}
	switch {
	case ph.Number == "":
		p.add(where, "%s: number missing", name)
	case bad:
		p.add(where, "%s %q may only contain digits, spaces, + and -", name, ph.Number)
	case digits < 2:
		p.add(where, "%s %q needs at least 2 digits", name, ph.Number)
	}
	if n := utf8.RuneCountInString(ph.Label); n > maxLabelLen {
		p.add(where, "%s label %q is %d characters long; keep labels to %d at most (\"Lyon\", \"SMS\")", name, ph.Label, n, maxLabelLen)
	}
	if needLabel && ph.Label == "" {
		p.add(where, "%s %q needs a label, so that members know which number to call", name, ph.Number)
	}
}

// checkURL accepts absolute http and https URLs with a host, and nothing a
// Telegram link would break on.
func checkURL(s string) error {
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return errors.New("contains a space")
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("is not a valid address")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must start with https:// or http://")
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("has no host name")
	}
	return nil
}

// resolve follows YAML aliases (*name), bounded so that a cycle cannot loop.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// blank reports whether a field is absent or holds nothing: `key:` alone,
// or only spaces.
func blank(n *yaml.Node) bool {
	if n == nil {
		return true
	}
	n = resolve(n)
	if isNull(n) {
		return true
	}
	s, ok := scalarValue(n)
	return ok && s == ""
}

// scalarValue returns a single value's text as written, trimmed. Numbers are
// kept as written so that `phone: 0145` stays "0145" and is never read as
// an integer. A null (key present, nothing after it) is not a value.
func scalarValue(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// firstInvalidLine tells the admin where an encoding problem starts, since
// the usual cause is one accented word pasted from another program.
func firstInvalidLine(src []byte) int {
	line := 1
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		src = src[size:]
	}
	return line
}
