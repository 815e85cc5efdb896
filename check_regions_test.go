package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCheckRegionsAreData: an admin adds a region in resources.yaml, with
// no Go; a region used but not declared is a check error naming the file
// and the line, and so is a group's region the file does not declare.
func TestCheckRegionsAreData(t *testing.T) {
	shipped, err := os.ReadFile("resources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	europe := strings.Replace(string(shipped), "\ncategories:\n",
		"\n  - {code: EU, name: {fr: \"🇪🇺 Europe\", en: \"🇪🇺 Europe\"}, emergency: [{label: Urgences, number: \"112\"}]}\n\ncategories:\n", 1)
	entry := `  - id: eu_112
    category: emergency
    region: EU
    title: {fr: "Numéro d'urgence européen", en: "European emergency number"}
    description: {fr: "Dans toute l'Union européenne.", en: "Anywhere in the European Union."}
    phone: "112"
`
	tests := []struct {
		name, resources, group string
		code                   int
		says                   string
	}{
		{name: "EU declared and used", resources: europe + entry, group: "EU", code: 0},
		{name: "EU used, not declared", resources: string(shipped) + entry, group: "FR", code: 2,
			says: `resources.yaml: resources[` /* then the entry and its line */},
		{name: "a group in an undeclared region", resources: string(shipped), group: "LU", code: 2,
			says: `groups[0].region: "LU" is not a region of resources.yaml (declared: FR, BE, CH, CA, UK, online)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, validConfig+"    region: "+tt.group+"\n", true)
			res := filepath.Join(filepath.Dir(path), "resources.yaml")
			if err := os.WriteFile(res, []byte(tt.resources), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := cli([]string{"check", "--config", path}, nil, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.says) {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if tt.code == 2 && tt.group == "FR" {
				lines := strings.Count(tt.resources[:strings.Index(tt.resources, "    region: EU")], "\n") + 1
				want := `(eu_112): line ` + strconv.Itoa(lines) + `: region "EU" is not declared under regions:`
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
				}
			}
		})
	}
}
