package config

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The decoder walks the `config` tags of Config instead of calling
// viper.Unmarshal: mapstructure words its errors for Go developers
// ("expected type 'int64', got unconvertible type 'string'") and leaves no
// record of which keys failed, so Validate would then also call them
// missing. Decoding key by key gives one plain sentence per bad value, and
// every other key is still checked.

var (
	configType   = reflect.TypeFor[Config]()
	durationType = reflect.TypeFor[time.Duration]()
	idListType   = reflect.TypeFor[[]int64]()
)

// source returns the raw value of a key: viper.Get at the top level, so that
// environment variables win, or a lookup in one list item's map.
type source func(key string) any

// decoder collects problems while filling a Config.
type decoder struct {
	problems []Problem
	// bad holds keys whose value could not be used: Validate's findings
	// under them would only repeat the problem.
	bad map[string]bool
	// envProblems are malformed ENTREPAIRS_<LIST>_<n>_... names. They do
	// not mark keys bad: the file's values under them are still checked.
	envProblems []Problem
	// envItems holds list items, such as "groups[2]", that only
	// environment variables created.
	envItems map[string]bool
}

func (d *decoder) fail(key, format string, args ...any) {
	d.problems = append(d.problems, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
	d.bad[key] = true
}

// coveredBy reports whether key or one of its parents failed to decode.
func (d *decoder) coveredBy(key string) bool {
	for k := key; k != ""; k = parentKey(k) {
		if d.bad[k] {
			return true
		}
	}
	return false
}

// parentKey is "groups[0]" for "groups[0].chat_id" and "groups" for
// "groups[0]".
func parentKey(key string) string {
	i := max(strings.LastIndex(key, "."), strings.LastIndex(key, "["))
	if i < 0 {
		return ""
	}
	return key[:i]
}

// decodeStruct fills the tagged fields of dst. getPrefix is the path given
// to get, keyPrefix the name shown in problems: they differ inside list
// items, whose maps know nothing of "groups[0]".
func (d *decoder) decodeStruct(dst reflect.Value, get source, getPrefix, keyPrefix string) {
	t := dst.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("config")
		if name == "" {
			continue
		}
		d.decodeField(dst.Field(i), f, get, getPrefix+name, keyPrefix+name)
	}
}

func (d *decoder) decodeField(dst reflect.Value, f reflect.StructField, get source, getKey, key string) {
	raw := get(getKey)
	switch {
	case f.Type.Kind() == reflect.Struct:
		if raw != nil && !isMap(raw) {
			d.fail(key, "expected a section with its settings indented below it (%s), found %s; check the indentation", strings.Join(fieldNames(f.Type), ", "), describe(raw))
			return
		}
		d.decodeStruct(dst, get, getKey+".", key+".")
		return
	case isList(f.Type):
		d.decodeList(dst, raw, key)
		return
	}

	if s, ok := raw.(string); ok && strings.TrimSpace(s) == "" {
		raw = nil // an emptied line means "I have no value", as if it were absent
	}
	if raw == nil {
		def, ok := f.Tag.Lookup("default")
		if !ok {
			return
		}
		raw = def
	}
	switch {
	case f.Type == durationType:
		if v, ok := d.duration(key, raw); ok {
			dst.SetInt(int64(v))
		}
	case f.Type == idListType:
		dst.Set(reflect.ValueOf(d.idList(key, raw)))
	case f.Type.Kind() == reflect.Int64:
		if v, ok := d.integer(key, raw); ok {
			dst.SetInt(v)
		}
	case f.Type.Kind() == reflect.Float64:
		if v, ok := d.number(key, raw); ok {
			dst.SetFloat(v)
		}
	case f.Type.Kind() == reflect.Int:
		if v, ok := d.number(key, raw); ok {
			if v != math.Trunc(v) {
				d.fail(key, "%v is not a whole number; write a count such as 3", v)
				return
			}
			dst.SetInt(int64(v))
		}
	case f.Type.Kind() == reflect.String:
		if v, ok := d.text(key, raw); ok {
			dst.SetString(v)
		}
	}
}

// decodeList fills a list of sections, such as groups, from the file and
// from ENTREPAIRS_<LIST>_<n>_<SETTING> variables.
func (d *decoder) decodeList(dst reflect.Value, raw any, key string) {
	var items []map[string]any
	switch x := raw.(type) {
	case nil:
	case []any:
		for i, it := range x {
			m, ok := it.(map[string]any)
			if !ok {
				d.fail(fmt.Sprintf("%s[%d]", key, i), "expected settings such as %q, found %s; check the \"- \" and the indentation", fieldNames(dst.Type().Elem())[0]+": ...", describe(it))
			}
			// A copy, because environment values are added to it and
			// the map belongs to viper.
			items = append(items, cloneMap(m))
		}
	default:
		d.fail(key, "expected a list, each item starting with \"- \" on a new line, found %s (see the example config.yaml)", describe(raw))
	}
	items = d.listFromEnv(key, dst.Type().Elem(), items)

	list := reflect.MakeSlice(dst.Type(), len(items), len(items))
	for i, m := range items {
		d.decodeStruct(list.Index(i), func(k string) any { return lookup(m, k) }, "", fmt.Sprintf("%s[%d].", key, i))
	}
	dst.Set(list)
}

// listFromEnv applies ENTREPAIRS_GROUPS_0_CHAT_ID and the like. This is the
// one place that reads the environment by hand: viper binds one variable to
// one key known in advance, but list items have no key of their own, and an
// index equal to the length must create an item that no file mentions.
func (d *decoder) listFromEnv(key string, elem reflect.Type, items []map[string]any) []map[string]any {
	prefix := envName(key) + "_"
	settings := fieldNames(elem)
	type assignment struct {
		index       int
		name, value string
		field       string
	}
	var found []assignment
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || value == "" { // empty counts as unset, as viper does
			continue
		}
		num, setting, ok := strings.Cut(rest, "_")
		index, err := strconv.Atoi(num)
		if !ok || err != nil || strings.Trim(num, "0123456789") != "" {
			d.envProblem(name, key, "expected %s<number>_<SETTING>, such as %s0_%s", prefix, prefix, strings.ToUpper(settings[0]))
			continue
		}
		field := strings.ToLower(setting)
		if !slices.Contains(settings, field) {
			d.envProblem(name, fmt.Sprintf("%s[%d]", key, index), "unknown setting %s; use one of %s", show(setting), strings.ToUpper(strings.Join(settings, ", ")))
			continue
		}
		found = append(found, assignment{index: index, name: name, value: value, field: field})
	}
	// In index order, so that _1_ and _2_ can both append to a list of one.
	slices.SortFunc(found, func(a, b assignment) int {
		if a.index != b.index {
			return a.index - b.index
		}
		return strings.Compare(a.name, b.name)
	})
	for _, a := range found {
		switch {
		case a.index == len(items):
			items = append(items, map[string]any{})
			d.envItems[fmt.Sprintf("%s[%d]", key, a.index)] = true
		case a.index > len(items):
			d.envProblem(a.name, fmt.Sprintf("%s[%d]", key, a.index), "there are only %d item(s) in %s, numbered from 0, so a new one is number %d: rename the variable to %s%d_%s",
				len(items), key, len(items), prefix, len(items), strings.ToUpper(a.field))
			continue
		}
		items[a.index][a.field] = a.value
	}
	return items
}

func (d *decoder) envProblem(variable, key, format string, args ...any) {
	d.envProblems = append(d.envProblems, Problem{File: "environment variable " + variable, Key: key, Message: fmt.Sprintf(format, args...)})
}

// text accepts any single value: a name such as 2024 written without quotes
// is still meant as text.
func (d *decoder) text(key string, raw any) (string, bool) {
	switch x := raw.(type) {
	case string:
		// Tokens and paths pasted from elsewhere often carry a newline or
		// spaces that are never meant.
		return strings.TrimSpace(x), true
	case map[string]any, []any:
		d.fail(key, "expected a single value, found %s", describe(raw))
		return "", false
	}
	return fmt.Sprint(raw), true
}

// integer accepts ids written as YAML numbers or quoted strings: both are
// common, and a quoted id is still clearly meant.
// number reads a plain number (a threshold, a count): YAML numbers or
// digits in a string.
func (d *decoder) number(key string, raw any) (float64, bool) {
	switch x := raw.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		s := strings.TrimSpace(strings.Replace(x, ",", ".", 1))
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return v, true
		}
		d.fail(key, "%s is not a number; write digits, such as 0.6 or 3", show(x))
		return 0, false
	default:
		d.fail(key, "expected a number, found %s", describe(raw))
		return 0, false
	}
}

func (d *decoder) integer(key string, raw any) (int64, bool) {
	switch x := raw.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case float64:
		// YAML reads 1e12 and 12.0 as floats; accept them when whole.
		if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
			return int64(x), true
		}
		if x != math.Trunc(x) {
			d.fail(key, "%v is not a whole number; write the id with digits only, such as -1001234567890", x)
			return 0, false
		}
	case string:
		s := strings.TrimSpace(x)
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return n, true
		}
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			break
		}
		d.fail(key, "%s is not a number; write the id with digits only, such as -1001234567890 for a group or 123456789 for a person", show(s))
		return 0, false
	case map[string]any, []any:
		d.fail(key, "expected a number, found %s", describe(raw))
		return 0, false
	default:
		d.fail(key, "%s is not a number; write the id with digits only, such as -1001234567890", show(fmt.Sprint(raw)))
		return 0, false
	}
	d.fail(key, "the number is too large to be a Telegram id; check that it was copied whole and alone")
	return 0, false
}

// idList accepts a YAML list, or one string of ids separated by commas or
// spaces, which is the only way to write a list in an environment variable.
// A bad entry stays as 0 so that the next entries keep the index the admin
// sees in the file.
func (d *decoder) idList(key string, raw any) []int64 {
	var entries []any
	switch x := raw.(type) {
	case []any:
		entries = x
	case string:
		for _, f := range strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' }) {
			entries = append(entries, f)
		}
	case map[string]any:
		d.fail(key, "expected a list of ids such as [123456789, 987654321], found %s", describe(raw))
		return nil
	default:
		entries = []any{raw}
	}
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i], _ = d.integer(fmt.Sprintf("%s[%d]", key, i), e)
	}
	return ids
}

// duration wants a unit: a bare 30 could mean seconds, minutes or (to Go)
// nanoseconds, and guessing wrong would make reminders fire at the wrong
// time.
func (d *decoder) duration(key string, raw any) (time.Duration, bool) {
	s, ok := raw.(string)
	if !ok {
		switch raw.(type) {
		case map[string]any, []any:
			d.fail(key, "expected a duration such as 30s, 5m or 24h, found %s", describe(raw))
		default:
			if fmt.Sprint(raw) == "0" {
				return 0, true
			}
			d.fail(key, "%[1]v has no unit; write it with one, such as %[1]vs, %[1]vm or %[1]vh", raw)
		}
		return 0, false
	}
	s = strings.TrimSpace(s)
	v, err := time.ParseDuration(s)
	if err == nil {
		return v, true
	}
	if strings.HasSuffix(s, "d") {
		d.fail(key, "%s: days are not a unit here; write hours instead, such as 24h for one day or 168h for a week", show(s))
	} else {
		d.fail(key, "%s is not a duration; write a number followed by s, m or h, such as 30s, 5m or 24h", show(s))
	}
	return 0, false
}

// envKeys lists the keys of t that a single environment variable can set.
// Walking every field also catches, at the first Load, a field type the
// decoder would silently leave empty.
func envKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("config")
		if name == "" {
			continue
		}
		switch {
		case f.Type.Kind() == reflect.Struct:
			keys = append(keys, envKeys(f.Type, prefix+name+".")...)
		case isList(f.Type):
			envKeys(f.Type.Elem(), "") // check the item's fields; listFromEnv reads them
		case f.Type == durationType, f.Type == idListType, f.Type.Kind() == reflect.Int64, f.Type.Kind() == reflect.String,
			f.Type.Kind() == reflect.Float64, f.Type.Kind() == reflect.Int:
			keys = append(keys, prefix+name)
		default:
			panic(fmt.Sprintf("config: %s%s has type %s, which the decoder does not handle: add a case to decodeField", prefix, name, f.Type))
		}
	}
	return keys
}

// fileFor names where the value of key came from: the environment variable
// when one is set (viper lets it win over the file), otherwise the file as
// the admin named it. An entry such as moderation.moderators[1] comes from
// its list's variable, and a setting of a list item that only the
// environment created belongs in the environment too.
func (d *decoder) fileFor(key, file string) string {
	if name := envName(key); os.Getenv(name) != "" {
		return "environment variable " + name
	}
	if strings.HasSuffix(key, "]") {
		if name := envName(parentKey(key)); os.Getenv(name) != "" {
			return "environment variable " + name
		}
	}
	for k := key; k != ""; k = parentKey(k) {
		if d.envItems[k] {
			return "environment variable " + envName(key)
		}
	}
	return file
}

// sortByPlace orders problems as their keys appear in Config, which is the
// order of the example file, so an admin can fix them reading the file top
// to bottom.
func sortByPlace(problems []Problem) {
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return slices.Compare(place(a.Key), place(b.Key))
	})
}

// place turns "groups[1].join" into field and item numbers: {groups' field
// number, 1, join's field number}.
func place(key string) []int {
	var at []int
	t := configType
	for part := range strings.SplitSeq(key, ".") {
		name, rest, _ := strings.Cut(part, "[")
		i := -1
		if t.Kind() == reflect.Struct {
			i = fieldIndex(t, name)
		}
		if i < 0 {
			return append(at, math.MaxInt) // unknown keys go last
		}
		at = append(at, i)
		t = t.Field(i).Type
		if isList(t) {
			t = t.Elem()
		}
		if rest != "" {
			n, _ := strconv.Atoi(strings.TrimSuffix(rest, "]"))
			at = append(at, n)
		}
	}
	return at
}

// fieldIndex finds the struct field tagged name.
func fieldIndex(t reflect.Type, name string) int {
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("config") == name {
			return i
		}
	}
	return -1
}

// fieldNames lists the settings of a section, for messages and for
// matching environment variables.
func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name := t.Field(i).Tag.Get("config"); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func isList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct
}

func isMap(raw any) bool {
	_, ok := raw.(map[string]any)
	return ok
}

// envName is the variable that sets key: ENTREPAIRS_GROUPS_0_CHAT_ID for
// groups[0].chat_id.
func envName(key string) string {
	return envPrefix + "_" + strings.ToUpper(strings.NewReplacer(".", "_", "[", "_", "]", "").Replace(key))
}

// lookup follows a dotted key through nested maps.
func lookup(m map[string]any, key string) any {
	var v any = m
	for part := range strings.SplitSeq(key, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[part]
	}
	return v
}

func cloneMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// describe names what was found instead of the expected value, in words an
// admin knows from the file.
func describe(raw any) string {
	switch x := raw.(type) {
	case map[string]any:
		return "a section"
	case []any:
		return "a list"
	case string:
		return "the text " + show(x)
	default:
		return "the value " + show(fmt.Sprint(raw))
	}
}

// tokenLike matches a bot token anywhere in a value. A token pasted under
// the wrong key must not be quoted back in a message that may end up in a
// log or a screenshot.
var tokenLike = regexp.MustCompile(`[0-9]{5,}:[A-Za-z0-9_-]{30,}`)

// show quotes a value for a message, hiding anything that looks like a
// token and shortening what would not fit on a line.
func show(s string) string {
	s = hideTokens(s, "")
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:57]) + "..."
	}
	return strconv.Quote(s)
}
