package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testToken has the shape of a real token; tests check it never leaks.
const testToken = "123456789:AAH3x9kq0ZVv7fPz2wLrT5nYc8uBdE1gSjM"

// cleanEnv hides any ENTREPAIRS_* variable of the developer's shell, so that
// tests see only what they set. Empty counts as unset for viper and for the
// list variables alike.
func cleanEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, envPrefix+"_") {
			t.Setenv(name, "")
		}
	}
}

// load loads path and fails the test on a file error.
func load(t *testing.T, path string) (*Config, []Problem) {
	t.Helper()
	c, problems, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%q): %v", path, err)
	}
	return c, problems
}

// writeConfig writes content as config.yaml in a fresh directory.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func keys(problems []Problem) []string {
	var ks []string
	for _, p := range problems {
		ks = append(ks, p.Key)
	}
	return ks
}

func TestLoadAppliesDefaults(t *testing.T) {
	cleanEnv(t)
	c, problems := load(t, "testdata/minimal.yaml")
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	dir, _ := filepath.Abs("testdata")
	tests := []struct {
		name      string
		got, want any
	}{
		{"path is absolute", c.Path, filepath.Join(dir, "minimal.yaml")},
		{"dir is the file's", c.Dir, dir},
		{"api url", c.Telegram.APIURL, "https://api.telegram.org"},
		{"poll timeout", c.Telegram.PollTimeout, 30 * time.Second},
		{"storage path next to the file", c.Storage.Path, filepath.Join(dir, "data", "entrepairs.db")},
		{"timezone", c.Timezone, "Europe/Paris"},
		{"location", c.Location.String(), "Europe/Paris"},
		{"language", c.Language, "fr"},
		{"reminder after", c.Moderation.ReminderAfter, 24 * time.Hour},
		{"join", c.Groups[0].Join, "request"},
		{"notice ttl", c.Groups[0].NoticeTTL, 5 * time.Minute},
		{"group name", c.Groups[0].Name, ""},
		{"log level", c.Log.Level, "info"},
		{"log format", c.Log.Format, "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestLoadReadsEverySetting(t *testing.T) {
	cleanEnv(t)
	c, problems := load(t, "testdata/valid.yaml")
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	dir, _ := filepath.Abs("testdata")
	want := &Config{
		Path:     filepath.Join(dir, "valid.yaml"),
		Dir:      dir,
		Telegram: Telegram{Token: testToken, APIURL: "https://api.telegram.org", PollTimeout: 45 * time.Second, Webhook: Webhook{Listen: ":8443"}},
		Storage:  Storage{Path: filepath.Join(dir, "state", "bot.db"), KeyFile: filepath.Join(dir, "state", "entrepairs.key")},
		Timezone: "America/Montreal",
		Location: c.Location,
		Language: "en",
		Moderation: Moderation{
			ChatID:          -1000000000001,
			Moderators:      []int64{111111111, 222222222},
			ReminderAfter:   12 * time.Hour,
			WarnLimit:       3,
			ReportsPerHour:  5,
			NewMemberWindow: 72 * time.Hour,
			Flood:           Flood{Messages: 12, Per: 30 * time.Second},
		},
		Admission: Admission{ExpireAfter: 48 * time.Hour, UndecidedAfter: 14 * 24 * time.Hour, RetryAfter: 7 * 24 * time.Hour, SanctionsStick: true},
		Groups: []Group{
			{ChatID: -1001234567890, Name: "Entraide", Charter: filepath.Join(dir, "charters", "entraide.md"), Join: "request", Region: "FR", NoticeTTL: 10 * time.Minute},
			{ChatID: -1009876543210, Charter: "/srv/charters/soir.md", Join: "restrict", Region: "FR", NoticeTTL: 5 * time.Minute},
		},
		Log:           Log{Level: "debug", Format: "json"},
		RetentionDays: 30,
		Resources:     filepath.Join(dir, "resources.yaml"),
		CheckInGrace:  2 * time.Hour,
	}
	// String shows every field; it hides the token on both sides, so the
	// token is compared on its own.
	if c.String() != want.String() || c.Telegram.Token != want.Telegram.Token {
		t.Errorf("got  %v\nwant %v", c, want)
	}
	if c.Location == nil || c.Location.String() != "America/Montreal" {
		t.Errorf("Location = %v", c.Location)
	}
}

func TestLoadWithoutFile(t *testing.T) {
	cleanEnv(t)
	for name, value := range map[string]string{
		"ENTREPAIRS_TELEGRAM_TOKEN":         testToken,
		"ENTREPAIRS_MODERATION_CHAT_ID":     "-1000000000001",
		"ENTREPAIRS_MODERATION_MODERATORS":  "111111111",
		"ENTREPAIRS_GROUPS_0_CHAT_ID":       "-1001234567890",
		"ENTREPAIRS_GROUPS_0_CHARTER":       "charter.md",
		"ENTREPAIRS_STORAGE_PATH":           "/var/lib/entrepairs/bot.db",
		"ENTREPAIRS_MODERATION_UNKNOWN_KEY": "ignored",
	} {
		t.Setenv(name, value)
	}
	c, problems := load(t, "")
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	wd, _ := os.Getwd()
	if c.Path != "" || c.Dir != wd {
		t.Errorf("Path, Dir = %q, %q; want \"\", %q", c.Path, c.Dir, wd)
	}
	if got, want := c.Groups[0].Charter, filepath.Join(wd, "charter.md"); got != want {
		t.Errorf("charter = %q, want %q", got, want)
	}
	if c.Storage.Path != "/var/lib/entrepairs/bot.db" {
		t.Errorf("storage path = %q", c.Storage.Path)
	}
}

func TestLoadWithoutFileNamesNoFile(t *testing.T) {
	cleanEnv(t)
	_, problems := load(t, "")
	for _, p := range problems {
		if p.File != "" {
			t.Errorf("%v: File = %q, want none", p, p.File)
		}
	}
	if !slices.Contains(keys(problems), "telegram.token") {
		t.Errorf("problems %v lack telegram.token", keys(problems))
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	dir, _ := filepath.Abs("testdata")
	tests := []struct {
		name string
		env  map[string]string
		got  func(*Config) any
		want any
	}{
		{"token", map[string]string{"ENTREPAIRS_TELEGRAM_TOKEN": "987654321:ZZH3x9kq0ZVv7fPz2wLrT5nYc8uBdE1gSjM"},
			func(c *Config) any { return c.Telegram.Token }, "987654321:ZZH3x9kq0ZVv7fPz2wLrT5nYc8uBdE1gSjM"},
		{"api url", map[string]string{"ENTREPAIRS_TELEGRAM_API_URL": "http://localhost:8081/"},
			func(c *Config) any { return c.Telegram.APIURL }, "http://localhost:8081"},
		{"poll timeout", map[string]string{"ENTREPAIRS_TELEGRAM_POLL_TIMEOUT": "5s"},
			func(c *Config) any { return c.Telegram.PollTimeout }, 5 * time.Second},
		{"storage path resolved against the file", map[string]string{"ENTREPAIRS_STORAGE_PATH": "other.db"},
			func(c *Config) any { return c.Storage.Path }, filepath.Join(dir, "other.db")},
		{"timezone", map[string]string{"ENTREPAIRS_TIMEZONE": "Europe/Brussels"},
			func(c *Config) any { return c.Location.String() }, "Europe/Brussels"},
		{"language in capitals", map[string]string{"ENTREPAIRS_LANGUAGE": "FR"},
			func(c *Config) any { return c.Language }, "fr"},
		{"moderation chat id", map[string]string{"ENTREPAIRS_MODERATION_CHAT_ID": "-100555"},
			func(c *Config) any { return c.Moderation.ChatID }, int64(-100555)},
		{"moderators with commas", map[string]string{"ENTREPAIRS_MODERATION_MODERATORS": "111,222"},
			func(c *Config) any { return fmt.Sprint(c.Moderation.Moderators) }, "[111 222]"},
		{"moderators with spaces", map[string]string{"ENTREPAIRS_MODERATION_MODERATORS": " 111  222, 333 "},
			func(c *Config) any { return fmt.Sprint(c.Moderation.Moderators) }, "[111 222 333]"},
		{"reminder", map[string]string{"ENTREPAIRS_MODERATION_REMINDER_AFTER": "1h"},
			func(c *Config) any { return c.Moderation.ReminderAfter }, time.Hour},
		{"group chat id", map[string]string{"ENTREPAIRS_GROUPS_0_CHAT_ID": "-100777"},
			func(c *Config) any { return c.Groups[0].ChatID }, int64(-100777)},
		{"group keeps the file's other settings", map[string]string{"ENTREPAIRS_GROUPS_0_CHAT_ID": "-100777"},
			func(c *Config) any { return c.Groups[0].Name }, "Entraide"},
		{"group charter", map[string]string{"ENTREPAIRS_GROUPS_1_CHARTER": "soir.md"},
			func(c *Config) any { return c.Groups[1].Charter }, filepath.Join(dir, "soir.md")},
		{"group join", map[string]string{"ENTREPAIRS_GROUPS_0_JOIN": "Restrict"},
			func(c *Config) any { return c.Groups[0].Join }, "restrict"},
		{"group appended at the list's length", map[string]string{
			"ENTREPAIRS_GROUPS_2_CHAT_ID": "-100333", "ENTREPAIRS_GROUPS_2_CHARTER": "trois.md", "ENTREPAIRS_GROUPS_2_NOTICE_TTL": "1m"},
			func(c *Config) any { return fmt.Sprintf("%d %+v", len(c.Groups), c.Groups[2]) },
			fmt.Sprintf("3 %+v", Group{ChatID: -100333, Charter: filepath.Join(dir, "trois.md"), Join: "request", Region: "FR", NoticeTTL: time.Minute})},
		{"two groups appended", map[string]string{
			"ENTREPAIRS_GROUPS_3_CHAT_ID": "-100444", "ENTREPAIRS_GROUPS_3_CHARTER": "quatre.md",
			"ENTREPAIRS_GROUPS_2_CHAT_ID": "-100333", "ENTREPAIRS_GROUPS_2_CHARTER": "trois.md"},
			func(c *Config) any { return []int64{c.Groups[2].ChatID, c.Groups[3].ChatID} }, "[-100333 -100444]"},
		{"log level", map[string]string{"ENTREPAIRS_LOG_LEVEL": "warn"},
			func(c *Config) any { return c.Log.Level }, "warn"},
		{"empty variable leaves the file's value", map[string]string{"ENTREPAIRS_LOG_LEVEL": ""},
			func(c *Config) any { return c.Log.Level }, "debug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, problems := load(t, "testdata/valid.yaml")
			if len(problems) != 0 {
				t.Fatalf("problems: %v", problems)
			}
			if got := tt.got(c); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// validYAML is a complete, correct config that problem cases break one
// line at a time.
const validYAML = `
telegram:
  token: "123456789:AAH3x9kq0ZVv7fPz2wLrT5nYc8uBdE1gSjM"
  api_url: https://api.telegram.org
  poll_timeout: 30s
timezone: Europe/Paris
language: fr
moderation:
  chat_id: -1000000000001
  moderators: [111111111, 222222222]
  reminder_after: 24h
groups:
  - chat_id: -1001234567890
    charter: charter.md
    join: request
    notice_ttl: 5m
log:
  level: info
  format: text
`

func TestProblems(t *testing.T) {
	tests := []struct {
		name     string
		old, new string            // replaced once in validYAML
		env      map[string]string // set on top of the file
		key      string            // the only key with a problem
		file     string            // "" means config.yaml
		message  string            // part of the message
	}{
		{name: "token missing", old: `token: "123456789:AAH3x9kq0ZVv7fPz2wLrT5nYc8uBdE1gSjM"`, new: `token: ""`,
			key: "telegram.token", message: "ENTREPAIRS_TELEGRAM_TOKEN"},
		{name: "token line absent", old: `  token: "123456789:AAH3x9kq0ZVv7fPz2wLrT5nYc8uBdE1gSjM"` + "\n", new: "",
			key: "telegram.token", message: "missing"},
		{name: "token with bot prefix", old: `token: "123456789:`, new: `token: "bot123456789:`,
			key: "telegram.token", message: "does not look like a bot token"},
		{name: "token cut short", old: `uBdE1gSjM"`, new: `"`,
			key: "telegram.token", message: "does not look like a bot token"},
		{name: "token malformed in the environment", env: map[string]string{"ENTREPAIRS_TELEGRAM_TOKEN": "not-a-token"},
			key: "telegram.token", file: "environment variable ENTREPAIRS_TELEGRAM_TOKEN", message: "does not look like a bot token"},
		{name: "api url without scheme", old: "api_url: https://api.telegram.org", new: "api_url: api.telegram.org",
			key: "telegram.api_url", message: "starting with https://"},
		{name: "api url ftp", old: "api_url: https://api.telegram.org", new: "api_url: ftp://example.org",
			key: "telegram.api_url", message: `"ftp://example.org" is not a web address`},
		{name: "poll timeout without unit", old: "poll_timeout: 30s", new: "poll_timeout: 30",
			key: "telegram.poll_timeout", message: "30 has no unit"},
		{name: "poll timeout negative", old: "poll_timeout: 30s", new: "poll_timeout: -30s",
			key: "telegram.poll_timeout", message: "must not be negative"},
		{name: "poll timeout zero", old: "poll_timeout: 30s", new: "poll_timeout: 0s",
			key: "telegram.poll_timeout", message: "without pause"},
		{name: "api url http to another machine", old: "api_url: https://api.telegram.org", new: "api_url: http://botapi.example.org",
			key: "telegram.api_url", message: "unencrypted"},
		{name: "webhook secret too long", old: "poll_timeout: 30s", new: "poll_timeout: 30s\n  webhook:\n    url: https://bot.example.org/tg\n    listen: 127.0.0.1:8443\n    secret_token: " + strings.Repeat("a", 257),
			key: "telegram.webhook.secret_token", message: "16 to 256"},
		{name: "webhook secret with a space", old: "poll_timeout: 30s", new: "poll_timeout: 30s\n  webhook:\n    url: https://bot.example.org/tg\n    listen: 127.0.0.1:8443\n    secret_token: \"abcdefgh ijklmnopq\"",
			key: "telegram.webhook.secret_token", message: "16 to 256"},
		{name: "storage not a section", old: "timezone: Europe/Paris", new: "storage: data.db\ntimezone: Europe/Paris",
			key: "storage", message: "expected a section"},
		{name: "timezone unknown", old: "timezone: Europe/Paris", new: "timezone: Paris",
			key: "timezone", message: `unknown time zone "Paris"`},
		{name: "language unknown", old: "language: fr", new: "language: de",
			key: "language", message: `unknown value "de" (use fr or en)`},
		{name: "threshold above 1", old: "reminder_after: 24h", new: "reminder_after: 24h\n  threshold: 1.5",
			key: "moderation.threshold", message: "out of range"},
		{name: "threshold not a number", old: "reminder_after: 24h", new: "reminder_after: 24h\n  threshold: haut",
			key: "moderation.threshold", message: "not a number"},
		{name: "auto delete below threshold", old: "reminder_after: 24h", new: "reminder_after: 24h\n  threshold: 0.6\n  auto_delete_above: 0.5",
			key: "moderation.auto_delete_above", message: "not above moderation.threshold"},
		{name: "warn limit zero", old: "reminder_after: 24h", new: "reminder_after: 24h\n  warn_limit: 0",
			key: "moderation.warn_limit", message: "warnings"},
		{name: "warn limit not whole", old: "reminder_after: 24h", new: "reminder_after: 24h\n  warn_limit: 2.5",
			key: "moderation.warn_limit", message: "not a whole number"},
		{name: "flood window missing", old: "reminder_after: 24h", new: "reminder_after: 24h\n  flood:\n    messages: 5\n    per: 0s",
			key: "moderation.flood.per", message: "time window"},
		{name: "retention zero", old: "language: fr", new: "language: fr\nretention_days: 0",
			key: "retention_days", message: "days"},
		{name: "moderation chat id missing", old: "  chat_id: -1000000000001\n", new: "",
			key: "moderation.chat_id", message: "missing"},
		{name: "moderation chat id zero", old: "chat_id: -1000000000001", new: "chat_id: 0",
			key: "moderation.chat_id", message: "missing"},
		{name: "moderation chat id not a number", old: "chat_id: -1000000000001", new: "chat_id: moderateurs",
			key: "moderation.chat_id", message: `"moderateurs" is not a number`},
		{name: "moderation chat id from the environment", env: map[string]string{"ENTREPAIRS_MODERATION_CHAT_ID": "abc"},
			key: "moderation.chat_id", file: "environment variable ENTREPAIRS_MODERATION_CHAT_ID", message: `"abc" is not a number`},
		{name: "moderation chat id is a person", old: "chat_id: -1000000000001", new: "chat_id: 1000000000001",
			key: "moderation.chat_id", message: "person's id"},
		{name: "moderators empty", old: "moderators: [111111111, 222222222]", new: "moderators: []",
			key: "moderation.moderators", message: "no moderator"},
		{name: "moderators absent", old: "  moderators: [111111111, 222222222]\n", new: "",
			key: "moderation.moderators", message: "no moderator"},
		{name: "moderator not a number", old: "moderators: [111111111, 222222222]", new: "moderators: [111111111, alice]",
			key: "moderation.moderators[1]", message: `"alice" is not a number`},
		{name: "moderator zero", old: "moderators: [111111111, 222222222]", new: "moderators: [0, 222222222]",
			key: "moderation.moderators[0]", message: "0 is not a Telegram user id"},
		{name: "moderator from the environment", env: map[string]string{"ENTREPAIRS_MODERATION_MODERATORS": "111,bob"},
			key: "moderation.moderators[1]", file: "environment variable ENTREPAIRS_MODERATION_MODERATORS", message: `"bob" is not a number`},
		{name: "reminder in days", old: "reminder_after: 24h", new: "reminder_after: 1d",
			key: "moderation.reminder_after", message: "days are not a unit"},
		{name: "reminder negative", old: "reminder_after: 24h", new: "reminder_after: -1h",
			key: "moderation.reminder_after", message: "must not be negative"},
		{name: "groups empty", old: "groups:\n  - chat_id: -1001234567890\n    charter: charter.md\n    join: request\n    notice_ttl: 5m\n", new: "groups: []\n",
			key: "groups", message: "no group listed"},
		{name: "groups not a list", old: "  - chat_id: -1001234567890", new: "    chat_id: -1001234567890",
			key: "groups", message: "expected a list"},
		{name: "group chat id missing", old: "  - chat_id: -1001234567890\n    charter", new: "  - charter",
			key: "groups[0].chat_id", message: "missing"},
		{name: "group chat id not a number", old: "chat_id: -1001234567890", new: "chat_id: entraide",
			key: "groups[0].chat_id", message: `"entraide" is not a number`},
		{name: "group chat id positive", old: "chat_id: -1001234567890", new: "chat_id: 1001234567890",
			key: "groups[0].chat_id", message: "a Telegram group id is negative, such as -1001234567890"},
		{name: "group chat id quoted", old: "chat_id: -1001234567890", new: `chat_id: "-1001234567890 "`},
		{name: "group is the moderators' group", old: "chat_id: -1001234567890", new: "chat_id: -1000000000001",
			key: "groups[0].chat_id", message: "moderators' group"},
		{name: "group listed twice", old: "log:", new: "  - chat_id: -1001234567890\n    charter: autre.md\nlog:",
			key: "groups[1].chat_id", message: "already groups[0]"},
		{name: "group listed twice through the environment", env: map[string]string{"ENTREPAIRS_GROUPS_1_CHAT_ID": "-1001234567890", "ENTREPAIRS_GROUPS_1_CHARTER": "b.md"},
			key: "groups[1].chat_id", file: "environment variable ENTREPAIRS_GROUPS_1_CHAT_ID", message: "already groups[0]"},
		{name: "group added by the environment without charter", env: map[string]string{"ENTREPAIRS_GROUPS_1_CHAT_ID": "-100222"},
			key: "groups[1].charter", file: "environment variable ENTREPAIRS_GROUPS_1_CHARTER", message: "missing"},
		{name: "group charter missing", old: "    charter: charter.md\n", new: "",
			key: "groups[0].charter", message: "missing"},
		{name: "group join unknown", old: "join: request", new: "join: sometimes",
			key: "groups[0].join", message: `unknown value "sometimes" (use request or restrict)`},
		{name: "group notice ttl negative", old: "notice_ttl: 5m", new: "notice_ttl: -5m",
			key: "groups[0].notice_ttl", message: "must not be negative"},
		{name: "group notice ttl not a duration", old: "notice_ttl: 5m", new: "notice_ttl: cinq minutes",
			key: "groups[0].notice_ttl", message: `"cinq minutes" is not a duration`},
		{name: "group item not a section", old: "log:", new: "  - oops\nlog:",
			key: "groups[1]", message: "expected settings"},
		{name: "group variable with an unknown setting", env: map[string]string{"ENTREPAIRS_GROUPS_0_CHARTE": "x.md"},
			key: "groups[0]", file: "environment variable ENTREPAIRS_GROUPS_0_CHARTE", message: `unknown setting "CHARTE"`},
		{name: "group variable past the end", env: map[string]string{"ENTREPAIRS_GROUPS_5_CHAT_ID": "-100555"},
			key: "groups[5]", file: "environment variable ENTREPAIRS_GROUPS_5_CHAT_ID", message: "ENTREPAIRS_GROUPS_1_CHAT_ID"},
		{name: "group variable without number", env: map[string]string{"ENTREPAIRS_GROUPS_FIRST_CHAT_ID": "-100555"},
			key: "groups", file: "environment variable ENTREPAIRS_GROUPS_FIRST_CHAT_ID", message: "ENTREPAIRS_GROUPS_0_CHAT_ID"},
		{name: "log level unknown", old: "level: info", new: "level: verbose",
			key: "log.level", message: `unknown value "verbose" (use debug, info, warn or error)`},
		{name: "log format unknown", old: "format: text", new: "format: xml",
			key: "log.format", message: `unknown value "xml" (use text or json)`},
		{name: "unknown sections are tolerated", old: "log:", new: "statistics:\n  every: 168h\nlog:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			content := validYAML
			if tt.old != "" {
				if !strings.Contains(content, tt.old) {
					t.Fatalf("validYAML lacks %q", tt.old)
				}
				content = strings.Replace(content, tt.old, tt.new, 1)
			}
			path := writeConfig(t, content)
			_, problems := load(t, path)
			if tt.key == "" {
				if len(problems) != 0 {
					t.Fatalf("problems: %v", problems)
				}
				return
			}
			if len(problems) != 1 || problems[0].Key != tt.key {
				t.Fatalf("problems %q, want only %s", problems, tt.key)
			}
			p := problems[0]
			file := tt.file
			if file == "" {
				file = path
			}
			if p.File != file {
				t.Errorf("File = %q, want %q", p.File, file)
			}
			if !strings.Contains(p.Message, tt.message) {
				t.Errorf("message %q lacks %q", p.Message, tt.message)
			}
			if want := file + ": " + tt.key + ": "; !strings.HasPrefix(p.String(), want) {
				t.Errorf("String() = %q, want it to start with %q", p.String(), want)
			}
		})
	}
}

func TestSeveralProblemsAtOnce(t *testing.T) {
	cleanEnv(t)
	_, problems := load(t, "testdata/problems.yaml")
	// In the order of the file, whether found while decoding or validating.
	want := []string{
		"telegram.token",
		"telegram.api_url",
		"telegram.poll_timeout",
		"timezone",
		"language",
		"moderation.chat_id",
		"moderation.moderators",
		"moderation.reminder_after",
		"groups[0].chat_id",
		"groups[0].charter",
		"groups[0].join",
		"groups[1].chat_id",
		"groups[1].notice_ttl",
		"log.level",
		"log.format",
	}
	if got := keys(problems); !slices.Equal(got, want) {
		t.Errorf("problem keys\n got %q\nwant %q", got, want)
	}
	for _, p := range problems {
		if p.File != "testdata/problems.yaml" {
			t.Errorf("%v: File = %q, want the path as given", p, p.File)
		}
	}
}

func TestShippedConfigOnlyLacksTheToken(t *testing.T) {
	cleanEnv(t)
	c, problems := load(t, "../config.yaml")
	if len(problems) != 1 || problems[0].Key != "telegram.token" {
		t.Fatalf("problems: %v", problems)
	}
	if got, want := problems[0].String(), "../config.yaml: telegram.token: missing: set the environment variable ENTREPAIRS_TELEGRAM_TOKEN"; !strings.HasPrefix(got, want) {
		t.Errorf("got %q, want it to start with %q", got, want)
	}
	if len(c.Groups) != 1 || c.Groups[0].Join != "request" {
		t.Errorf("groups = %+v", c.Groups)
	}

	t.Setenv("ENTREPAIRS_TELEGRAM_TOKEN", testToken)
	if _, problems := load(t, "../config.yaml"); len(problems) != 0 {
		t.Errorf("with the token set: %v", problems)
	}
}

func TestUnknownSectionsAreTolerated(t *testing.T) {
	cleanEnv(t)
	if _, problems := load(t, "testdata/unknown_sections.yaml"); len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
}

func TestTokenIsNeverShown(t *testing.T) {
	tests := []struct {
		name    string
		content string
		env     map[string]string
	}{
		{name: "valid config", content: validYAML},
		{name: "token from the environment", content: validYAML, env: map[string]string{"ENTREPAIRS_TELEGRAM_TOKEN": testToken}},
		{name: "malformed token", content: strings.Replace(validYAML, "123456789:", "bot 123456789:", 1)},
		{name: "token pasted under other keys", content: strings.NewReplacer(
			"chat_id: -1000000000001", "chat_id: "+testToken,
			"api_url: https://api.telegram.org", "api_url: https://api.telegram.org/bot"+testToken+"/ ",
			"join: request", "join: "+testToken,
			"notice_ttl: 5m", "notice_ttl: "+testToken,
			"moderators: [111111111, 222222222]", "moderators: [\""+testToken+"\"]",
		).Replace(validYAML)},
		{name: "another token pasted under other keys", content: strings.Replace(validYAML, "language: fr", "language: 987654321:ZZH3x9kq0ZVv7fPz2wLrT5nYc8uBdE1gSjM", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, problems := load(t, writeConfig(t, tt.content))
			secret := c.Telegram.Token
			if secret == "" {
				t.Fatal("no token loaded")
			}
			var shown []string
			for _, p := range problems {
				shown = append(shown, p.String())
			}
			var logs bytes.Buffer
			slog.New(slog.NewTextHandler(&logs, nil)).Info("loaded", "config", c, "telegram", c.Telegram)
			slog.New(slog.NewJSONHandler(&logs, nil)).Info("loaded", "config", *c, "telegram", c.Telegram)
			shown = append(shown,
				fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprint(*c),
				fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", *c), fmt.Sprintf("%+v", c.Telegram), fmt.Sprintf("%#v", c.Telegram),
				logs.String())
			for _, s := range shown {
				for _, token := range []string{secret, testToken, "ZZH3x9kq0ZVv7fPz2wLrT5nYc8uBdE1gSjM"} {
					if strings.Contains(s, token) {
						t.Errorf("token shown in %q", s)
					}
				}
			}
			if !strings.Contains(fmt.Sprintf("%+v", c), "Token:"+hidden) {
				t.Errorf("%%+v does not say a token is set: %+v", c)
			}
		})
	}
}

func TestRelativePathsFollowTheFile(t *testing.T) {
	cleanEnv(t)
	dir := filepath.Join(t.TempDir(), "etc", "entrepairs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	content := strings.Replace(validYAML, "    charter: charter.md\n",
		"    charter: charters/entraide.md\n  - chat_id: -100222\n    charter: /srv/soir.md\n", 1) +
		"storage:\n  path: ../var/bot.db\n"
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	// Started from elsewhere, as a service manager would.
	t.Chdir(t.TempDir())
	c, problems := load(t, path)
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	tests := []struct {
		name      string
		got, want string
	}{
		{"dir", c.Dir, dir},
		{"relative charter", c.Groups[0].Charter, filepath.Join(dir, "charters", "entraide.md")},
		{"absolute charter", c.Groups[1].Charter, "/srv/soir.md"},
		{"storage with ..", c.Storage.Path, filepath.Join(filepath.Dir(dir), "var", "bot.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	cleanEnv(t)
	tests := []struct {
		name string
		path string
		want []string // parts of the error message
	}{
		{"missing file", "testdata/nope.yaml", []string{"testdata/nope.yaml", "no such file"}},
		{"directory", "testdata", []string{"testdata"}},
		{"tabs", "testdata/tabs.yaml", []string{"testdata/tabs.yaml is not valid YAML", "line 2", "indent with spaces"}},
		{"unclosed list", writeConfig(t, "moderation:\n  moderators: [1, 2\n"), []string{"config.yaml is not valid YAML", "line "}},
		{"a list instead of settings", writeConfig(t, "- telegram\n- groups\n"), []string{"config.yaml is not valid YAML", "not a list or a single value"}},
		{"a key twice", writeConfig(t, "language: fr\nlanguage: en\n"), []string{"line 2", `"language" already defined at line 1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, problems, err := Load(tt.path)
			if err == nil {
				t.Fatalf("no error; config %v, problems %v", c, problems)
			}
			if c != nil || problems != nil {
				t.Errorf("config %v and problems %v returned with the error", c, problems)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestEmptyFileGivesDefaultsAndProblems(t *testing.T) {
	cleanEnv(t)
	c, problems := load(t, writeConfig(t, "# nothing yet\n"))
	if c.Timezone != "Europe/Paris" || c.Language != "fr" {
		t.Errorf("defaults not applied: %v", c)
	}
	want := []string{"telegram.token", "moderation.chat_id", "moderation.moderators", "groups"}
	if got := keys(problems); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestGroupAndIsModerator(t *testing.T) {
	cleanEnv(t)
	c, _ := load(t, "testdata/valid.yaml")
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"known group", func() bool { g, ok := c.Group(-1009876543210); return ok && g.Join == "restrict" }(), true},
		{"unknown group", func() bool { _, ok := c.Group(-1); return ok }(), false},
		{"moderators' group is not a members' group", func() bool { _, ok := c.Group(-1000000000001); return ok }(), false},
		{"moderator", c.IsModerator(222222222), true},
		{"not a moderator", c.IsModerator(333333333), false},
		{"user id 0", c.IsModerator(0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}

	// A moderator entry that failed to decode must grant nothing.
	bad, _ := load(t, writeConfig(t, strings.Replace(validYAML, "111111111,", "alice,", 1)))
	if bad.IsModerator(0) || !bad.IsModerator(222222222) {
		t.Errorf("moderators %v", bad.Moderation.Moderators)
	}
	if _, ok := bad.Group(0); ok {
		t.Error("Group(0) found a group")
	}
}

// The admission settings read yes/no and durations as volunteers write them.
func TestAdmissionSettings(t *testing.T) {
	t.Setenv("ENTREPAIRS_ADMISSION_SANCTIONS_STICK", "non")
	t.Setenv("ENTREPAIRS_ADMISSION_RETRY_AFTER", "24h")
	c, problems := load(t, "testdata/valid.yaml")
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	if c.Admission.SanctionsStick || c.Admission.RetryAfter != 24*time.Hour || c.Admission.ExpireAfter != 48*time.Hour {
		t.Errorf("admission settings: %+v", c.Admission)
	}
	t.Setenv("ENTREPAIRS_ADMISSION_SANCTIONS_STICK", "peut-être")
	if _, problems := load(t, "testdata/valid.yaml"); len(problems) != 1 || !strings.Contains(problems[0].String(), "admission.sanctions_stick") {
		t.Errorf("a bad yes/no: %v", problems)
	}
}

func TestValidateOnItsOwn(t *testing.T) {
	c := &Config{
		Path:          "/etc/entrepairs/config.yaml",
		Telegram:      Telegram{Token: testToken, APIURL: "https://api.telegram.org", PollTimeout: 30 * time.Second},
		Storage:       Storage{Path: "/var/lib/entrepairs.db"},
		Timezone:      "Europe/Paris",
		Language:      "fr",
		Moderation:    Moderation{ChatID: -1, Moderators: []int64{1}, WarnLimit: 3, ReportsPerHour: 5},
		Groups:        []Group{{ChatID: -2, Charter: "/c.md", Join: "request", Region: "FR"}, {ChatID: -2, Charter: "/d.md", Join: "request", Region: "BE"}},
		Log:           Log{Level: "info", Format: "text"},
		RetentionDays: 30,
		Resources:     "/r.yaml",
	}
	// validate names no file: Load adds the file as the admin named it
	// (the exported Validate, which set File to c.Path, had no caller).
	problems := c.validate()
	if len(problems) != 1 || problems[0].Key != "groups[1].chat_id" || problems[0].File != "" {
		t.Errorf("problems: %v", problems)
	}
}

func FuzzLoad(f *testing.F) {
	for _, path := range []string{"../config.yaml", "testdata/valid.yaml", "testdata/minimal.yaml", "testdata/problems.yaml", "testdata/tabs.yaml", "testdata/unknown_sections.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(validYAML))
	f.Add([]byte("groups: [1, [2], {chat_id: [3]}, {chat_id: {a: b}}]\nmoderation: {moderators: {a: 1}, chat_id: 1e300}\n"))
	f.Add([]byte("a: &a [*a]\ntelegram: 3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, problems, err := Load(path)
		if err != nil {
			if c != nil || problems != nil {
				t.Errorf("config and problems returned with error %v", err)
			}
			return
		}
		if c == nil {
			t.Fatal("no config and no error")
		}
		for _, p := range problems {
			if p.Key == "" || p.Message == "" {
				t.Errorf("problem without key or message: %#v", p)
			}
		}
	})
}

func TestWebhookSettings(t *testing.T) {
	cleanEnv(t)
	t.Setenv("ENTREPAIRS_TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram")
	t.Setenv("ENTREPAIRS_TELEGRAM_WEBHOOK_SECRET_TOKEN", "s3cr3t-webhook-token-xyz")
	c, problems := load(t, writeConfig(t, validYAML))
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	if c.Telegram.Webhook.URL != "https://bot.example.org/telegram" || c.Telegram.Webhook.Listen != ":8443" {
		t.Errorf("webhook %+v", c.Telegram.Webhook)
	}
	for _, shown := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c.Telegram)} {
		if strings.Contains(shown, "s3cr3t-webhook-token-xyz") {
			t.Errorf("secret token shown: %s", shown)
		}
	}
	t.Setenv("ENTREPAIRS_TELEGRAM_WEBHOOK_URL", "http://bot.example.org/telegram")
	t.Setenv("ENTREPAIRS_TELEGRAM_WEBHOOK_SECRET_TOKEN", "short")
	_, problems = load(t, writeConfig(t, validYAML))
	got := keys(problems)
	if !slices.Contains(got, "telegram.webhook.url") || !slices.Contains(got, "telegram.webhook.secret_token") {
		t.Errorf("problems %v", got)
	}
}
