package resources

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Region is where a member lives, as the directory declares it: the region
// buttons of /ressources, the emergency numbers of /urgence, the default
// region of a group. Regions are data, so that an admin adds Luxembourg,
// Monaco, a "Europe" region or a Canadian province without touching Go.
type Region struct {
	// Code is what entries and the configuration write in `region:`. It is
	// short and ASCII because the bot puts it in button data, which
	// Telegram limits to 64 bytes.
	Code string
	// Name is the button's label ("🇧🇪 Belgique").
	Name Text
	// Emergency are the numbers to call when a life is in danger there,
	// shown first by /urgence; none for a region such as "online".
	Emergency []Phone
}

// maxRegionLen bounds a region code: it shares a button's 64 bytes with a
// category id.
const maxRegionLen = 12

var regionKeys = []string{"code", "name", "emergency"}

// DefaultRegions are the regions of a resources file that declares none
// (files written before regions became data): where the groups' members
// live, online last.
func DefaultRegions() []Region {
	name := func(fr, en string) Text { return Text{FR: fr, EN: en} }
	return []Region{
		{Code: FR, Name: name("🇫🇷 France", "🇫🇷 France"), Emergency: []Phone{{"SAMU", "15"}, {"Urgences", "112"}, {"SMS (sourds, malentendants)", "114"}}},
		{Code: BE, Name: name("🇧🇪 Belgique", "🇧🇪 Belgium"), Emergency: []Phone{{"Urgences", "112"}}},
		{Code: CH, Name: name("🇨🇭 Suisse", "🇨🇭 Switzerland"), Emergency: []Phone{{"Ambulance", "144"}}},
		{Code: CA, Name: name("🇨🇦 Québec", "🇨🇦 Québec"), Emergency: []Phone{{"Urgences", "911"}}},
		{Code: UK, Name: name("🇬🇧 Royaume-Uni", "🇬🇧 UK"), Emergency: []Phone{{"Emergency", "999"}}},
		{Code: Online, Name: name("🌐 En ligne", "🌐 Online")},
	}
}

// Region returns the declared region with that code. The bot gets codes
// back from button data and from members' saved choices, which may predate
// an edit of the file: hence the boolean.
func (d *Directory) Region(code string) (Region, bool) {
	if d == nil {
		return Region{}, false
	}
	for _, r := range d.Regions {
		if r.Code == code {
			return r, true
		}
	}
	return Region{}, false
}

// RegionCodes lists the declared codes in file order.
func (d *Directory) RegionCodes() []string {
	if d == nil {
		return nil
	}
	out := make([]string, len(d.Regions))
	for i, r := range d.Regions {
		out[i] = r.Code
	}
	return out
}

type regionFields struct {
	Code      scalar `yaml:"code"`
	Name      text   `yaml:"name"`
	Emergency phones `yaml:"emergency"`
}

// rawRegion is one item of regions:, decoded as rawCategory is.
type rawRegion struct {
	regionFields
	mapping  bool
	problems []string
}

func (r *rawRegion) UnmarshalYAML(unmarshal func(any) error) error {
	r.mapping, r.problems = keyProblems(typeErrors(unmarshal(&r.regionFields)), regionKeys)
	return nil
}

// regions checks the regions: list: codes present, unique and short, names
// in both languages, emergency numbers well formed.
func (p *parser) regions(n *yaml.Node, raws []rawRegion) []Region {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add("", "line %d: regions: expected a list of {code, name, emergency}", n.Line)
		return nil
	}
	var out []Region
	seen := map[string]int{}
	for i, raw := range align(n, raws) {
		item := resolve(n.Content[i])
		where := fmt.Sprintf("regions[%d] (line %d)", i, item.Line)
		if item.Kind == yaml.MappingNode {
			if code, ok := scalarValue(mapValueOrNil(item, "code")); ok && code != "" {
				where = fmt.Sprintf("regions[%d] (%s)", i, code)
			}
		}
		if raw == nil {
			raw = &rawRegion{}
		}
		for _, pr := range raw.problems {
			p.add(where, "%s", pr)
		}
		if !raw.mapping {
			if len(raw.problems) == 0 {
				p.add(where, "expected {code, name, emergency}")
			}
			continue
		}
		r := Region{Code: p.value(where, "code", raw.Code)}
		valid := false
		switch {
		case raw.Code.blank():
			p.add(where, "code missing (such as LU, or QC)")
		case r.Code == "":
			// Not a single value: reported by value.
		case len(r.Code) > maxRegionLen || strings.IndexFunc(r.Code, func(c rune) bool {
			return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')
		}) >= 0:
			p.add(where, "code %q: use at most %d letters, digits, _ or -", r.Code, maxRegionLen)
		default:
			if j, dup := seen[r.Code]; dup {
				p.add(where, "code %q is already used by regions[%d]", r.Code, j)
			} else {
				seen[r.Code] = i
				valid = true
			}
		}
		r.Name = p.text(where, "name", raw.Name, true)
		r.Emergency = p.phones(where, raw.Emergency)
		if valid {
			out = append(out, r)
		}
	}
	return out
}
