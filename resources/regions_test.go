package resources

import (
	"slices"
	"strings"
	"testing"
)

// regionsFile is a small directory declaring its regions; entryRegion is
// the region of its one entry.
func regionsFile(regions, entryRegion string) string {
	return regions + `categories:
  - {id: emergency, title: {fr: Urgence, en: Emergency}}
resources:
  - id: r1
    category: emergency
    region: ` + entryRegion + `
    title: {fr: Secours, en: Ambulance}
    description: {fr: Appelle., en: Call.}
    phone: "112"
`
}

const luxembourg = `regions:
  - {code: FR, name: {fr: "🇫🇷 France", en: "🇫🇷 France"}, emergency: [{label: SAMU, number: "15"}]}
  - {code: LU, name: {fr: "🇱🇺 Luxembourg", en: "🇱🇺 Luxembourg"}, emergency: [{label: Urgences, number: "112"}]}
  - {code: EU, name: {fr: "🇪🇺 Europe", en: "🇪🇺 Europe"}}
`

func TestRegionsAreData(t *testing.T) {
	tests := []struct {
		name string
		file string
		want string // "" means valid
	}{
		{name: "a declared region", file: regionsFile(luxembourg, "LU")},
		{name: "a region without emergency numbers", file: regionsFile(luxembourg, "EU")},
		{name: "no regions: the default ones", file: regionsFile("", "CH")},
		{name: "a region used but not declared", file: regionsFile(luxembourg, "BE"),
			want: `resources[0] (r1): line 10: region "BE" is not declared under regions: (declared: FR, LU, EU)`},
		{name: "EU without regions:", file: regionsFile("", "EU"),
			want: `resources[0] (r1): line 6: region "EU" is not declared under regions: (declared: FR, BE, CH, CA, UK, online)`},
		{name: "a code given twice", file: regionsFile(luxembourg+`  - {code: LU, name: {fr: Lux, en: Lux}}`+"\n", "LU"),
			want: `regions[3] (LU): code "LU" is already used by regions[1]`},
		{name: "a code too long for a button", file: regionsFile(`regions:
  - {code: Grand-Duché-de-Luxembourg, name: {fr: Lux, en: Lux}}
`, "FR"), want: `regions[0] (Grand-Duché-de-Luxembourg): code "Grand-Duché-de-Luxembourg": use at most 12 letters, digits, _ or -`},
		{name: "a region without its English name", file: regionsFile(`regions:
  - {code: LU, name: {fr: Luxembourg}}
`, "LU"), want: `regions[0] (LU): name.en missing`},
		{name: "a region without a code", file: regionsFile(`regions:
  - {name: {fr: Lux, en: Lux}}
`, "FR"), want: `regions[0] (line 2): code missing`},
		{name: "a misspelt key", file: regionsFile(`regions:
  - {code: LU, name: {fr: Lux, en: Lux}, emergncy: "112"}
`, "LU"), want: `regions[0] (LU): line 2: unknown key "emergncy" (expected one of: code, name, emergency)`},
		{name: "a bad emergency number", file: regionsFile(`regions:
  - {code: LU, name: {fr: Lux, en: Lux}, emergency: "11 2a"}
`, "LU"), want: `regions[0] (LU): phone "11 2a" may only contain digits, spaces, + and -`},
		{name: "regions: not a list", file: regionsFile("regions: FR\n", "FR"), want: `line 1: regions: expected a list of {code, name, emergency}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, errs := parse("resources.yaml", []byte(tt.file))
			if tt.want == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected problems: %v", errs)
				}
				return
			}
			if d != nil {
				t.Error("a directory was returned for an invalid file")
			}
			if !containsError(errs, "resources.yaml: "+tt.want) {
				t.Errorf("problems %v\nwant one containing %q", errs, tt.want)
			}
		})
	}
}

func TestDeclaredRegions(t *testing.T) {
	d, errs := Parse([]byte(regionsFile(luxembourg, "LU")))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := d.RegionCodes(); !slices.Equal(got, []string{"FR", "LU", "EU"}) {
		t.Errorf("codes %v, in file order", got)
	}
	lu, ok := d.Region("LU")
	if !ok || lu.Name.In("en") != "🇱🇺 Luxembourg" || len(lu.Emergency) != 1 || lu.Emergency[0].Number != "112" {
		t.Errorf("LU = %+v, %v", lu, ok)
	}
	if _, ok := d.Region("BE"); ok {
		t.Error("BE found, though the file does not declare it")
	}
	if got := d.Emergency("LU"); len(got) != 1 || got[0].ID != "r1" {
		t.Errorf("emergency entries of LU: %+v", got)
	}
}

// TestShippedRegions: the shipped file declares the groups' regions with
// their emergency numbers, as DOMAIN.md lists them.
func TestShippedRegions(t *testing.T) {
	d := load(t, "../resources.yaml")
	want := map[string][]string{"FR": {"15", "112", "114"}, "BE": {"112"}, "CH": {"144"}, "CA": {"911"}, "UK": {"999"}, "online": nil}
	if got := d.RegionCodes(); !slices.Equal(got, Regions) {
		t.Errorf("shipped regions %v, want %v", got, Regions)
	}
	for code, nums := range want {
		r, _ := d.Region(code)
		var got []string
		for _, p := range r.Emergency {
			got = append(got, p.Number)
		}
		if !slices.Equal(got, nums) {
			t.Errorf("%s emergency %v, want %v", code, got, nums)
		}
		if n := len([]rune(r.Name.FR)); n == 0 || n > 20 || strings.TrimSpace(r.Name.EN) == "" {
			t.Errorf("%s name %+v: a short button label in both languages", code, r.Name)
		}
	}
	// The defaults for a file without regions: are the shipped ones.
	for i, r := range DefaultRegions() {
		if s := d.Regions[i]; s.Code != r.Code || s.Name != r.Name || !slices.Equal(s.Emergency, r.Emergency) {
			t.Errorf("default region %d %+v differs from the shipped %+v", i, r, s)
		}
	}
}
