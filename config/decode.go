package config

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// Viper decodes the configuration (Unmarshal, with decodeValue as the
// mapstructure decode hook, and SetDefault for the defaults). This file
// holds what viper does not do:
//
//   - list items from the environment (ENTREPAIRS_GROUPS_0_CHAT_ID), and
//     defaults inside list items: viper binds one variable, and one
//     default, to one key known in advance, and list items have none;
//   - a section or list of the wrong shape reported as such: viper merges
//     the defaults and bound variables under a key the file wrote as a
//     single value, and would silently drop the admin's value;
//   - a blank value treated as absent, so that its default applies;
//   - a bare number refused for a duration (mapstructure reads 30 as 30ns);
//   - one plain sentence per bad value, naming its key, instead of
//     mapstructure's Go types ("expected type 'int64', got unconvertible
//     type 'string'"), and a record of the keys that failed, so that
//     validate does not also call them missing;
//   - problems sorted by their place in the file.

var (
	configType   = reflect.TypeFor[Config]()
	durationType = reflect.TypeFor[time.Duration]()
	idListType   = reflect.TypeFor[[]int64]()
)

// defaults apply when a key is absent or blank. A key with no entry
// defaults to its zero value.
var defaults = map[string]any{
	"telegram.api_url":             "https://api.telegram.org",
	"telegram.poll_timeout":        30 * time.Second,
	"telegram.webhook.listen":      ":8443",
	"storage.path":                 "data/entrepairs.db",
	"timezone":                     "Europe/Paris",
	"language":                     "fr",
	"moderation.reminder_after":    24 * time.Hour,
	"moderation.warn_limit":        3,
	"moderation.reports_per_hour":  5,
	"moderation.new_member_window": 72 * time.Hour,
	"moderation.flood.messages":    12,
	"moderation.flood.per":         30 * time.Second,
	"retention_days":               30,
	"admission.expire_after":       48 * time.Hour,
	"admission.undecided_after":    14 * 24 * time.Hour,
	"admission.retry_after":        7 * 24 * time.Hour,
	"admission.sanctions_stick":    true,
	"resources":                    "resources.yaml",
	"checkin_grace":                2 * time.Hour,
	"log.level":                    "info",
	"log.format":                   "text",
}

// itemDefaults are the defaults of the settings of each list's items,
// which SetDefault cannot reach.
var itemDefaults = map[string]map[string]any{
	"groups": {"join": "request", "region": "FR", "notice_ttl": 5 * time.Minute},
}

// decoder collects problems while viper fills a Config.
type decoder struct {
	problems []Problem
	// bad holds keys whose value could not be used: validate's findings
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

// prepare does, before viper's Unmarshal, what viper cannot: it checks the
// shape of sections and lists, applies defaults to blank values, and
// builds each list from the file's items and the environment's.
func (d *decoder) prepare(v *viper.Viper, t reflect.Type, prefix string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("mapstructure")
		if name == "" || name == "-" {
			continue
		}
		key := prefix + name
		raw := v.Get(key)
		switch {
		case f.Type.Kind() == reflect.Struct:
			if raw != nil && !isMap(raw) {
				d.fail(key, "expected a section with its settings indented below it (%s), found %s; check the indentation", strings.Join(fieldNames(f.Type), ", "), describe(raw))
				// An empty section in place of the value: its settings
				// then decode from defaults and variables alone.
				v.Set(key, map[string]any{})
			}
			d.prepare(v, f.Type, key+".")
		case isList(f.Type):
			v.Set(key, d.listItems(key, f.Type.Elem(), raw))
		case isBlank(raw):
			// An emptied line means "I have no value", as if it were
			// absent; viper would let the blank hide the default.
			if def, ok := defaults[key]; ok {
				v.Set(key, def)
			}
		}
	}
}

// listItems returns a list of sections, such as groups, from the file and
// from ENTREPAIRS_<LIST>_<n>_<SETTING> variables, with the items' defaults.
func (d *decoder) listItems(key string, elem reflect.Type, raw any) []any {
	var items []map[string]any
	switch x := raw.(type) {
	case nil:
	case []any:
		for i, it := range x {
			m, ok := it.(map[string]any)
			if !ok {
				d.fail(fmt.Sprintf("%s[%d]", key, i), "expected settings such as %q, found %s; check the \"- \" and the indentation", fieldNames(elem)[0]+": ...", describe(it))
			}
			// A copy, because environment values and defaults are added
			// to it and the map belongs to viper.
			items = append(items, cloneMap(m))
		}
	default:
		d.fail(key, "expected a list, each item starting with \"- \" on a new line, found %s (see the example config.yaml)", describe(raw))
	}
	items = d.listFromEnv(key, elem, items)

	list := make([]any, len(items))
	for i, m := range items {
		for name, def := range itemDefaults[key] {
			if v, ok := m[name]; !ok || v == nil || isBlank(v) {
				m[name] = def
			}
		}
		list[i] = m
	}
	return list
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

// valueError is a problem with one value, worded for the admin; the key is
// added from mapstructure's error, which names the field it was decoding.
type valueError string

func (e valueError) Error() string { return string(e) }

func badValue(format string, args ...any) error {
	return valueError(fmt.Sprintf(format, args...))
}

// collect turns the errors of Unmarshal into problems. mapstructure keeps
// going after a bad value, joins one DecodeError per bad key (named as in
// the file, such as "groups[0].chat_id") and leaves that field empty.
func (d *decoder) collect(err error) {
	if err == nil {
		return
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			d.collect(e)
		}
		return
	}
	de, ok := err.(*mapstructure.DecodeError)
	if !ok {
		if inner := errors.Unwrap(err); inner != nil {
			d.collect(inner) // "decoding failed due to the following error(s)"
		} else {
			d.fail("configuration", "cannot be read (%v)", err) // not expected: mapstructure names the key of every error
		}
		return
	}
	var ve valueError
	if errors.As(de.Unwrap(), &ve) {
		d.fail(de.Name(), "%s", ve)
		return
	}
	// decodeValue hands mapstructure only values it can store; keep a
	// sentence for the case a new field type slips through.
	d.fail(de.Name(), "this value cannot be used here; see the example config.yaml")
}

// decodeValue is the decode hook: it converts each value to the type of
// its field the way a volunteer means it, or says what is wrong. It sees
// sections and lists too, and hands them on unchanged.
func decodeValue(from, to reflect.Value) (any, error) {
	raw := from.Interface()
	if isBlank(raw) {
		return nil, nil // absent: the field keeps its zero value
	}
	switch t := to.Type(); {
	case t == durationType:
		return duration(raw)
	case t == idListType:
		return idEntries(raw)
	case t.Kind() == reflect.Int64:
		return integer(raw)
	case t.Kind() == reflect.Int:
		return count(raw)
	case t.Kind() == reflect.Float64:
		return number(raw)
	case t.Kind() == reflect.String:
		return text(raw)
	case t.Kind() == reflect.Bool:
		return boolean(raw)
	}
	return raw, nil
}

// text accepts any single value: a name such as 2024 written without quotes
// is still meant as text.
func text(raw any) (string, error) {
	switch x := raw.(type) {
	case string:
		// Tokens and paths pasted from elsewhere often carry a newline or
		// spaces that are never meant.
		return strings.TrimSpace(x), nil
	case map[string]any, []any:
		return "", badValue("expected a single value, found %s", describe(raw))
	}
	return fmt.Sprint(raw), nil
}

// number reads a plain number (a threshold): YAML numbers or digits in a
// string, with a decimal comma as French speakers write it.
func number(raw any) (float64, error) {
	switch x := raw.(type) {
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		s := strings.TrimSpace(strings.Replace(x, ",", ".", 1))
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return v, nil
		}
		return 0, badValue("%s is not a number; write digits, such as 0.6 or 3", show(x))
	default:
		return 0, badValue("expected a number, found %s", describe(raw))
	}
}

// count reads a whole number of things (warnings, messages, days).
func count(raw any) (int, error) {
	v, err := number(raw)
	if err != nil {
		return 0, err
	}
	if v != math.Trunc(v) {
		return 0, badValue("%v is not a whole number; write a count such as 3", v)
	}
	return int(v), nil
}

// integer reads a Telegram id. It accepts ids written as YAML numbers or
// quoted strings: both are common, and a quoted id is still clearly meant.
func integer(raw any) (int64, error) {
	switch x := raw.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), nil
		}
	case float64:
		// YAML reads 1e12 and 12.0 as floats; accept them when whole.
		if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
			return int64(x), nil
		}
		if x != math.Trunc(x) {
			return 0, badValue("%v is not a whole number; write the id with digits only, such as -1001234567890", x)
		}
	case string:
		s := strings.TrimSpace(x)
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return n, nil
		}
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			break
		}
		return 0, badValue("%s is not a number; write the id with digits only, such as -1001234567890 for a group or 123456789 for a person", show(s))
	case map[string]any, []any:
		return 0, badValue("expected a number, found %s", describe(raw))
	default:
		return 0, badValue("%s is not a number; write the id with digits only, such as -1001234567890", show(fmt.Sprint(raw)))
	}
	return 0, badValue("the number is too large to be a Telegram id; check that it was copied whole and alone")
}

// idEntries accepts a YAML list, or one string of ids separated by commas
// or spaces, which is the only way to write a list in an environment
// variable. mapstructure then reads each entry with integer: a bad entry
// stays as 0, so that the next entries keep the index the admin sees in
// the file.
func idEntries(raw any) ([]any, error) {
	switch x := raw.(type) {
	case []any:
		return x, nil
	case string:
		var entries []any
		for _, f := range strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' }) {
			entries = append(entries, f)
		}
		return entries, nil
	case map[string]any:
		return nil, badValue("expected a list of ids such as [123456789, 987654321], found %s", describe(raw))
	}
	return []any{raw}, nil
}

// duration wants a unit: a bare 30 could mean seconds, minutes or (to Go)
// nanoseconds, and guessing wrong would make reminders fire at the wrong
// time.
func duration(raw any) (time.Duration, error) {
	s, ok := raw.(string)
	if !ok {
		switch x := raw.(type) {
		case time.Duration: // a default
			return x, nil
		case map[string]any, []any:
			return 0, badValue("expected a duration such as 30s, 5m or 24h, found %s", describe(raw))
		}
		if fmt.Sprint(raw) == "0" {
			return 0, nil
		}
		return 0, badValue("%[1]v has no unit; write it with one, such as %[1]vs, %[1]vm or %[1]vh", raw)
	}
	s = strings.TrimSpace(s)
	v, err := time.ParseDuration(s)
	if err == nil {
		return v, nil
	}
	if strings.HasSuffix(s, "d") {
		return 0, badValue("%s: days are not a unit here; write hours instead, such as 24h for one day or 168h for a week", show(s))
	}
	return 0, badValue("%s is not a duration; write a number followed by s, m or h, such as 30s, 5m or 24h", show(s))
}

// envKeys lists the keys of t that a single environment variable can set:
// every setting outside lists (listFromEnv reads those).
func envKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("mapstructure")
		switch {
		case name == "" || name == "-" || isList(f.Type):
		case f.Type.Kind() == reflect.Struct:
			keys = append(keys, envKeys(f.Type, prefix+name+".")...)
		default:
			keys = append(keys, prefix+name)
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
		if t.Kind() == reflect.Slice {
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
		if t.Field(i).Tag.Get("mapstructure") == name {
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
		if name := t.Field(i).Tag.Get("mapstructure"); name != "" && name != "-" {
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

// isBlank reports whether raw is empty text, which an admin who emptied a
// line means as "no value".
func isBlank(raw any) bool {
	s, ok := raw.(string)
	return ok && strings.TrimSpace(s) == ""
}

// envName is the variable that sets key: ENTREPAIRS_GROUPS_0_CHAT_ID for
// groups[0].chat_id.
func envName(key string) string {
	return envPrefix + "_" + strings.ToUpper(strings.NewReplacer(".", "_", "[", "_", "]", "").Replace(key))
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

// show quotes a value for a message, hiding anything that looks like a
// token and shortening what would not fit on a line.
func show(s string) string {
	s = hideTokens(s, "")
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:57]) + "..."
	}
	return strconv.Quote(s)
}
