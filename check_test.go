package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes a configuration and the charter it names into a
// temporary directory, and returns the configuration's path.
func writeConfig(t *testing.T, yaml string, withCharter bool) string {
	t.Helper()
	dir := t.TempDir()
	if withCharter {
		if err := os.WriteFile(filepath.Join(dir, "charter.md"), []byte("# Charte\n\nSoyons doux.\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, err := os.ReadFile("resources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "resources.yaml"), res, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const validConfig = `
telegram:
  token: "123456:AAFake-Test-Token-For-The-Local-Bot-API"
moderation:
  chat_id: -1009
  moderators: [501]
groups:
  - chat_id: -1001
    charter: charter.md
`

func TestCheck(t *testing.T) {
	tests := []struct {
		name        string
		yaml        string
		withCharter bool
		wantCode    int
		wantLines   []string // each must appear in stderr, on its own line with the file
	}{
		{name: "valid", yaml: validConfig, withCharter: true, wantCode: 0},
		{name: "missing token", yaml: strings.Replace(validConfig, `token: "123456:AAFake-Test-Token-For-The-Local-Bot-API"`, `token: ""`, 1), withCharter: true, wantCode: 2,
			wantLines: []string{"telegram.token"}},
		{name: "missing charter file", yaml: validConfig, withCharter: false, wantCode: 2,
			wantLines: []string{"groups[0].charter", "charter.md"}},
		{name: "unknown join value", yaml: validConfig + "    join: sometimes\n", withCharter: true, wantCode: 2,
			wantLines: []string{"groups[0].join"}},
		{name: "non-numeric chat id", yaml: strings.Replace(validConfig, "chat_id: -1001", "chat_id: mon-groupe", 1), withCharter: true, wantCode: 2,
			wantLines: []string{"groups[0].chat_id"}},
		{name: "empty moderators", yaml: strings.Replace(validConfig, "moderators: [501]", "moderators: []", 1), withCharter: true, wantCode: 2,
			wantLines: []string{"moderation.moderators"}},
		{name: "unknown time zone", yaml: validConfig + "timezone: Europe/Lutece\n", withCharter: true, wantCode: 2,
			wantLines: []string{"timezone"}},
		{name: "several problems at once", yaml: strings.Replace(validConfig, "moderators: [501]", "moderators: []", 1) + "timezone: Mars/Olympus\n", withCharter: false, wantCode: 2,
			wantLines: []string{"moderation.moderators", "timezone", "groups[0].charter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.yaml, tt.withCharter)
			var stdout, stderr bytes.Buffer
			code := cli([]string{"check", "--config", path}, nil, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			for _, want := range tt.wantLines {
				found := false
				for _, l := range lines {
					if strings.Contains(l, want) && strings.Contains(l, path) {
						found = true
					}
				}
				if !found {
					t.Errorf("no line naming %s and %q in:\n%s", path, want, stderr.String())
				}
			}
			if strings.Contains(stderr.String(), "AAFake-Test-Token") {
				t.Error("the token was printed")
			}
		})
	}
}

func TestCheckBrokenCharterNamesTheFile(t *testing.T) {
	path := writeConfig(t, validConfig, false)
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "charter.md"), []byte("   \n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := cli([]string{"check", "--config", path}, nil, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d for an empty charter", code)
	}
	if !strings.Contains(stderr.String(), "charter.md") || !strings.Contains(stderr.String(), "empty") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

func TestRunRefusesAnInvalidConfigBeforeContactingTelegram(t *testing.T) {
	path := writeConfig(t, strings.Replace(validConfig, "moderators: [501]", "moderators: []", 1), true)
	var stdout, stderr bytes.Buffer
	if code := cli([]string{"run", "--config", path}, nil, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2; stderr %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "moderation.moderators") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli([]string{"version"}, nil, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "entrepairs") {
		t.Errorf("version: %d %q", code, stdout.String())
	}
	stdout.Reset()
	if code := cli([]string{"frobnicate"}, nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "unknown command") {
		t.Errorf("unknown command: %d %q", code, stderr.String())
	}
}
