package resources

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/entrepairs/entrepairs/internal/textcheck"
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

// Keys allowed in each kind of mapping, for the messages that list them.
var (
	fileKeys     = []string{"regions", "categories", "resources"}
	categoryKeys = []string{"id", "title"}
	resourceKeys = []string{"id", "category", "region", "title", "phone", "url", "hours", "description", "recheck", "source"}
	textKeys     = []string{"fr", "en"}
	phoneKeys    = []string{"label", "number"}
)

// Parse reads the bytes of a resources file. It returns every problem at
// once, each naming the entry ("resources[12] (fr_3114): ...") so that an
// admin fixes them in one go; the caller, which knows the file, puts its
// name in front. The Directory is nil when there is any problem, because a
// half-valid directory could show members a wrong number.
//
// The file is decoded twice: into typed structs by yaml.v3 with
// Decoder.KnownFields, which rejects unknown and repeated keys (a misspelt
// "descripton" would otherwise vanish silently), and into a node tree, which
// gives the line of each entry for the errors of an entry without an id.
// yaml.v3 words its errors for developers ("field descripton not found in
// type resources.resourceFields"); they are reworded here with the entry and
// the keys allowed.
func Parse(data []byte) (*Directory, []error) {
	if !utf8.Valid(data) {
		return nil, []error{fmt.Errorf("line %d: not valid UTF-8 (save the file as UTF-8)", textcheck.FirstInvalidUTF8Line(data))}
	}
	root, err := decodeNode(data)
	if err != nil {
		return nil, []error{err}
	}
	p := &parser{}
	d := p.file(root, data)
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

// decodeStrict decodes the first document of data into v, refusing unknown
// keys, and returns yaml.v3's problems, each "line N: ...". A panic becomes
// a problem, as in decodeNode.
func decodeStrict(data []byte, v any) (problems []string) {
	defer func() {
		if r := recover(); r != nil {
			problems = []string{fmt.Sprintf("cannot read the YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	var te *yaml.TypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return te.Errors
	default:
		return []string{err.Error()}
	}
}

var (
	unknownField = regexp.MustCompile(`^line (\d+): field (.*) not found in type \S+$`)
	repeatedKey  = regexp.MustCompile(`^line (\d+): mapping key (".*") already defined at line \d+$`)
	notMapping   = regexp.MustCompile(`^line (\d+): cannot unmarshal \S+ .*into resources\.\w+Fields$`)
	// Every field decodes through an Unmarshaler that never fails: only a
	// key (a list or mapping used as a key) can fail to become a string.
	oddKey = regexp.MustCompile(`^line (\d+): cannot unmarshal \S+ .*into string$`)
)

// keyProblems rewords yaml.v3's problems with one mapping for admins. It
// reports whether the value was a mapping that yaml.v3 decoded: a mapping
// with a repeated key is refused whole, so its fields must not be checked
// (they would all look missing).
func keyProblems(problems []string, allowed []string) (mapping bool, out []string) {
	mapping = true
	for _, e := range problems {
		if m := unknownField.FindStringSubmatch(e); m != nil {
			out = append(out, fmt.Sprintf("line %s: unknown key %q (expected one of: %s)", m[1], m[2], strings.Join(allowed, ", ")))
		} else if m := repeatedKey.FindStringSubmatch(e); m != nil {
			out = append(out, fmt.Sprintf("line %s: key %s given twice", m[1], m[2]))
			mapping = false
		} else if m := oddKey.FindStringSubmatch(e); m != nil {
			out = append(out, fmt.Sprintf("line %s: unknown key \"\" (expected one of: %s)", m[1], strings.Join(allowed, ", ")))
		} else if notMapping.MatchString(e) {
			mapping = false
		} else {
			out = append(out, e)
		}
	}
	return mapping, out
}

func typeErrors(err error) []string {
	var te *yaml.TypeError
	if err == nil {
		return nil
	}
	if errors.As(err, &te) {
		return te.Errors
	}
	return []string{err.Error()}
}

// rawFile is the file as yaml.v3 decodes it, before any check.
type rawFile struct {
	Regions    []rawRegion   `yaml:"regions"`
	Categories []rawCategory `yaml:"categories"`
	Resources  []rawResource `yaml:"resources"`
}

type categoryFields struct {
	ID    scalar `yaml:"id"`
	Title text   `yaml:"title"`
}

func (categoryFields) keys() []string { return categoryKeys }

type resourceFields struct {
	ID          scalar `yaml:"id"`
	Category    scalar `yaml:"category"`
	Region      scalar `yaml:"region"`
	Title       text   `yaml:"title"`
	Phone       phones `yaml:"phone"`
	URL         scalar `yaml:"url"`
	Hours       text   `yaml:"hours"`
	Description text   `yaml:"description"`
	Recheck     scalar `yaml:"recheck"`
	Source      scalar `yaml:"source"`
}

func (resourceFields) keys() []string { return resourceKeys }

// record is one item of a list of mappings of fixed keys (categories:,
// resources:), decoded into F, whose keys method lists the keys allowed.
// Its UnmarshalYAML is yaml.v3's older form, whose decode function keeps
// the decoder's KnownFields, so that an unknown key is told to the entry it
// belongs to; the newer form (UnmarshalYAML(*yaml.Node)) would lose it.
type record[F interface{ keys() []string }] struct {
	fields   F
	mapping  bool
	problems []string
}

func (r *record[F]) UnmarshalYAML(unmarshal func(any) error) error {
	r.mapping, r.problems = keyProblems(typeErrors(unmarshal(&r.fields)), r.fields.keys())
	return nil
}

// rawCategory is one item of categories:.
type rawCategory = record[categoryFields]

// rawResource is one item of resources:.
type rawResource = record[resourceFields]

// scalar is a single value as written, with its line. It never fails to
// decode, so that a list where one value belongs is reported in the
// admin's words rather than yaml.v3's.
type scalar struct {
	set  bool   // present and not null
	ok   bool   // a single value rather than a list or mapping
	line int    // where the value is
	tag  string // YAML type, to tell a boolean from the text "oui"
	text string // trimmed; numbers stay as written, "0145" is not 145
}

func (s *scalar) UnmarshalYAML(n *yaml.Node) error {
	*s = scalar{set: true, line: n.Line, tag: n.Tag}
	if n.Kind == yaml.ScalarNode {
		s.ok, s.text = true, strings.TrimSpace(n.Value)
	}
	return nil
}

// blank reports whether a field is absent or holds nothing: `key:` alone,
// or only spaces.
func (s scalar) blank() bool { return !s.set || s.ok && s.text == "" }

// text is a Text field: {fr: ..., en: ...} or a plain string.
type text struct {
	set, empty bool
	val        Text
	problems   []string
}

func (t *text) UnmarshalYAML(n *yaml.Node) error {
	t.set = true
	s, ok := scalarValue(n)
	t.empty = ok && s == ""
	t.val, t.problems = decodeText(n)
	return nil
}

// phones is the phone field: a number, or a list of numbers and {label,
// number}. Its two shapes are told apart on the node.
type phones struct {
	set   bool
	node  *yaml.Node
	items []phoneItem
}

func (ps *phones) UnmarshalYAML(unmarshal func(any) error) error {
	var n node
	if unmarshal(&n) != nil || n.n == nil {
		return nil
	}
	ps.set, ps.node = true, n.n
	if resolve(ps.node).Kind == yaml.SequenceNode {
		_ = unmarshal(&ps.items) // phoneItem never fails
	}
	return nil
}

type phoneFields struct {
	Label  scalar `yaml:"label"`
	Number scalar `yaml:"number"`
}

// phoneItem is one item of a phone list, decoded as a record is.
type phoneItem struct {
	phoneFields
	plain    scalar // a bare number
	mapping  bool
	problems []string
}

func (it *phoneItem) UnmarshalYAML(unmarshal func(any) error) error {
	var n node
	if unmarshal(&n) != nil || n.n == nil {
		return nil
	}
	if resolve(n.n).Kind == yaml.ScalarNode {
		_ = unmarshal(&it.plain)
		return nil
	}
	it.mapping, it.problems = keyProblems(typeErrors(unmarshal(&it.phoneFields)), phoneKeys)
	return nil
}

// node captures the node of a value, for the older form of UnmarshalYAML
// whose decode function cannot fill a yaml.Node directly.
type node struct{ n *yaml.Node }

func (w *node) UnmarshalYAML(n *yaml.Node) error {
	w.n = n
	return nil
}

type parser struct {
	errs []error
}

func (p *parser) add(where, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if where == "" {
		p.errs = append(p.errs, errors.New(msg))
		return
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %s", where, msg))
}

func (p *parser) file(root *yaml.Node, data []byte) *Directory {
	root = resolve(root)
	if root.Kind != yaml.MappingNode {
		p.add("", "line %d: expected the keys categories: and resources:", root.Line)
		return nil
	}
	var raw rawFile
	var keys []string
	for _, e := range decodeStrict(data, &raw) {
		if !strings.Contains(e, " into []resources.record[") {
			keys = append(keys, e) // a list of the wrong shape is reported below, in words
		}
	}
	decoded, problems := keyProblems(keys, fileKeys)
	for _, pr := range problems {
		p.add("", "%s", pr)
	}
	if !decoded {
		return nil
	}
	var d Directory
	// regions: is optional: a file written before regions became data
	// keeps the regions the bot always had.
	d.Regions = DefaultRegions()
	if regs := mapValue(root, "regions"); regs != nil {
		d.Regions = p.regions(regs, raw.Regions)
	}
	cats := mapValue(root, "categories")
	if cats == nil {
		p.add("", "categories: missing")
	}
	res := mapValue(root, "resources")
	if res == nil {
		p.add("", "resources: missing")
	}
	if cats != nil {
		d.Categories = p.categories(cats, raw.Categories)
	}
	if res != nil {
		d.Resources = p.resources(res, raw.Resources, d.Categories, d.RegionCodes())
	}
	return &d
}

// mapValue is the value of the first key named key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	for j := 0; j+1 < len(n.Content); j += 2 {
		if k := resolve(n.Content[j]); k.Kind == yaml.ScalarNode && k.Value == key {
			return resolve(n.Content[j+1])
		}
	}
	return nil
}

// align pairs the items of sequence n with the values yaml.v3 decoded from
// it. Items never fail to decode, but yaml.v3 leaves out the null ones
// ("- " alone), for which the pair holds nil.
func align[T any](n *yaml.Node, decoded []T) []*T {
	out := make([]*T, len(n.Content))
	k := 0
	for i, item := range n.Content {
		if !isNull(resolve(item)) && k < len(decoded) {
			out[i] = &decoded[k]
			k++
		}
	}
	return out
}

func (p *parser) categories(n *yaml.Node, raws []rawCategory) []Category {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add("", "line %d: categories: expected a list of {id, title}", n.Line)
		return nil
	}
	var out []Category
	seen := map[string]int{}
	eachRecord(p, "categories", n, raws, "expected {id, title}", func(i int, where string, raw categoryFields) {
		c := Category{ID: p.id(where, raw.ID)}
		c.Title = p.text(where, "title", raw.Title, true)
		p.uniqueID(where, "categories", c.ID, i, seen)
		out = append(out, c)
	})
	return out
}

// eachRecord reports the key problems of each item of the list named list
// (node n, decoded as raws), and calls check with each item that is a
// mapping and the name that identifies it in errors. shape says what an
// item should be.
func eachRecord[F interface{ keys() []string }](p *parser, list string, n *yaml.Node, raws []record[F], shape string,
	check func(i int, where string, raw F)) {
	for i, raw := range align(n, raws) {
		where := entryName(list, i, resolve(n.Content[i]))
		if raw == nil {
			raw = &record[F]{}
		}
		for _, pr := range raw.problems {
			p.add(where, "%s", pr)
		}
		if !raw.mapping {
			if len(raw.problems) == 0 {
				p.add(where, "%s", shape)
			}
			continue
		}
		check(i, where, raw.fields)
	}
}

// uniqueID reports an id that item i of list shares with an earlier item;
// seen holds the ids met so far.
func (p *parser) uniqueID(where, list, id string, i int, seen map[string]int) {
	if id == "" {
		return
	}
	if j, dup := seen[id]; dup {
		p.add(where, "id %q is already used by %s[%d]", id, list, j)
		return
	}
	seen[id] = i
}

func (p *parser) resources(n *yaml.Node, raws []rawResource, cats []Category, regions []string) []Resource {
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
	const shape = "expected an entry with id, category, region, title, description…"
	eachRecord(p, "resources", n, raws, shape, func(i int, where string, raw resourceFields) {
		r := Resource{ID: p.id(where, raw.ID)}
		p.uniqueID(where, "resources", r.ID, i, seen)
		r.Category = p.value(where, "category", raw.Category)
		switch {
		case raw.Category.blank():
			p.add(where, "category missing")
		case r.Category != "" && !known[r.Category]:
			p.add(where, "category %q is not one of the categories: %s", r.Category, strings.Join(catIDs, ", "))
		}
		r.Region = p.value(where, "region", raw.Region)
		switch {
		case raw.Region.blank():
			p.add(where, "region missing (one of %s)", strings.Join(regions, ", "))
		case r.Region != "" && !slices.Contains(regions, r.Region):
			p.add(where, "line %d: region %q is not declared under regions: (declared: %s); add it there with its name and emergency numbers",
				raw.Region.line, r.Region, strings.Join(regions, ", "))
		}
		r.Title = p.text(where, "title", raw.Title, true)
		r.Description = p.text(where, "description", raw.Description, true)
		for _, lang := range []struct{ name, s string }{{"fr", r.Description.FR}, {"en", r.Description.EN}} {
			if n := utf8.RuneCountInString(lang.s); n > maxDescriptionLen {
				p.add(where, "description.%s is %d characters long; keep it under %d so that a list fits in one message", lang.name, n, maxDescriptionLen)
			}
		}
		r.Hours = p.text(where, "hours", raw.Hours, false)
		r.Phones = p.phones(where, raw.Phone)
		r.URL = p.value(where, "url", raw.URL)
		if r.URL != "" {
			if err := checkURL(r.URL); err != nil {
				p.add(where, "url %q %s", r.URL, err)
			}
		}
		if raw.Phone.blank() && raw.URL.blank() {
			p.add(where, "needs a phone or a url, or members cannot reach the service")
		}
		if v := raw.Recheck; !v.blank() {
			b, err := strconv.ParseBool(v.text)
			if !v.ok || v.tag != "!!bool" || err != nil {
				p.add(where, "line %d: recheck must be true or false", v.line)
			}
			r.Recheck = b
		}
		r.Source = p.value(where, "source", raw.Source)
		out = append(out, r)
	})
	return out
}

// entryName names an entry in errors by position and id, or by line when it
// has no readable id, so that the admin can find it either way. It reads
// the node rather than the decoded entry, which yaml.v3 leaves empty when
// a key is repeated.
func entryName(list string, i int, n *yaml.Node) string {
	if n.Kind == yaml.MappingNode {
		if id, ok := scalarValue(mapValueOrNil(n, "id")); ok && id != "" {
			return fmt.Sprintf("%s[%d] (%s)", list, i, id)
		}
	}
	return fmt.Sprintf("%s[%d] (line %d)", list, i, n.Line)
}

func mapValueOrNil(n *yaml.Node, key string) *yaml.Node {
	if v := mapValue(n, key); v != nil {
		return v
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
}

// value returns the text of a single-value field, "" when absent or empty;
// a list or mapping where one value belongs is reported.
func (p *parser) value(where, key string, s scalar) string {
	if s.set && !s.ok {
		p.add(where, "line %d: %s must be a single value", s.line, key)
		return ""
	}
	return s.text
}

func (p *parser) id(where string, s scalar) string {
	id := p.value(where, "id", s)
	switch {
	case s.blank():
		p.add(where, "id missing")
	case id == "":
		// Not a single value: reported by value.
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

func (p *parser) text(where, key string, v text, required bool) Text {
	if !v.set || v.empty {
		if required {
			p.add(where, "%s missing (write it in French and English: %s: {fr: ..., en: ...})", key, key)
		}
		return Text{}
	}
	for _, pr := range v.problems {
		p.add(where, "%s: %s", key, pr)
	}
	t := v.val
	if len(v.problems) == 0 && required {
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
// sentences so that callers can prefix them with the entry. It walks the
// node because a Text has two shapes and its own wording for a language
// it does not know.
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

// blank reports whether the phone field is absent or holds nothing.
func (ps phones) blank() bool {
	if !ps.set || ps.node == nil {
		return true
	}
	s, ok := scalarValue(ps.node)
	return isNull(resolve(ps.node)) || ok && s == ""
}

func (p *parser) phones(where string, ps phones) []Phone {
	if ps.blank() {
		return nil
	}
	n := resolve(ps.node)
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
	for i, item := range align(n, ps.items) {
		name := fmt.Sprintf("phone[%d]", i)
		if item == nil {
			item = &phoneItem{}
		}
		var ph Phone
		switch {
		case item.plain.ok:
			ph.Number = item.plain.text
		case len(item.problems) > 0:
			for _, pr := range item.problems {
				p.add(where+": "+name, "%s", pr)
			}
			if !item.mapping {
				continue
			}
			fallthrough
		case item.mapping:
			ph.Label = p.value(where, name+".label", item.Label)
			ph.Number = p.value(where, name+".number", item.Number)
		default:
			p.add(where, "line %d: %s must be {label, number}", resolve(n.Content[i]).Line, name)
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
