// Package config loads the bot's settings from config.yaml and ENTREPAIRS_*
// environment variables, and explains every mistake in them.
//
// The admins who deploy the bot are volunteers, not developers: a mistake in
// the configuration must never surface as a stack trace or a Go type name.
// Load therefore keeps going after a bad value and returns one Problem per
// mistake, each naming the file (or environment variable) and the key, so
// that the check command can list them all at once.
//
// Adding a setting takes a field with `mapstructure:"name"`, its default in
// defaults (decode.go) when it has one, and a line in validate: viper
// decodes it, and the environment variable and the problem messages follow
// from the tag and the field's type.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Config is everything the bot needs to run, with defaults applied and
// relative paths resolved. Only Load builds it from outside input; other
// packages read it and never change it.
type Config struct {
	Path     string         `mapstructure:"-"` // absolute path of the file loaded ("" when none)
	Dir      string         `mapstructure:"-"` // its directory: relative file paths in the config (charters, storage.path) are resolved against it
	Telegram Telegram       `mapstructure:"telegram"`
	Storage  Storage        `mapstructure:"storage"`
	Timezone string         `mapstructure:"timezone"` // IANA name
	Location *time.Location `mapstructure:"-"`        // loaded from Timezone (nil if invalid -> a Problem)
	// Language is the default language of texts for moderators and the
	// group: "fr" or "en".
	Language   string     `mapstructure:"language"`
	Moderation Moderation `mapstructure:"moderation"`
	Admission  Admission  `mapstructure:"admission"`
	Groups     []Group    `mapstructure:"groups"`
	Log        Log        `mapstructure:"log"`
	Health     Health     `mapstructure:"health"`
	// RetentionDays is how long decided flags (and their excerpt) are kept.
	RetentionDays int `mapstructure:"retention_days"`
	// Resources is the harm-reduction directory file (resolved against Dir).
	Resources string `mapstructure:"resources"`
	// CheckIns are the weekly messages posted in the groups.
	CheckIns []CheckIn `mapstructure:"checkins"`
	// CheckInGrace: a check-in missed while the bot was down is still
	// posted if the bot is back within this long, skipped otherwise.
	CheckInGrace time.Duration `mapstructure:"checkin_grace"`
}

// CheckIn is one weekly check-in as written in the file; the checkin
// package interprets it.
type CheckIn struct {
	Name    string  `mapstructure:"name"`
	Weekday string  `mapstructure:"weekday"` // monday … sunday, or lundi … dimanche
	Time    string  `mapstructure:"time"`    // local wall time, 18:30
	Groups  []int64 `mapstructure:"groups"`  // empty: every group
	Text    string  `mapstructure:"text"`    // locale key prefix of its texts, default checkins.<name>
}

// Telegram holds how the bot reaches the Telegram Bot API.
type Telegram struct {
	// Token is secret: whoever has it controls the bot and reads every
	// message sent to it. String, GoString and LogValue hide it, and no
	// Problem ever repeats it.
	Token string `mapstructure:"token"`
	// APIURL can point at a self-hosted Bot API server, or at a fake one in
	// tests.
	APIURL string `mapstructure:"api_url"`
	// PollTimeout is how long one long-polling request waits for updates.
	PollTimeout time.Duration `mapstructure:"poll_timeout"`
	// Webhook, when its URL is set, replaces long polling: Telegram posts
	// updates to URL, which a reverse proxy forwards to Listen.
	Webhook Webhook `mapstructure:"webhook"`
}

// Webhook settings, for deployments behind a reverse proxy.
type Webhook struct {
	Listen string `mapstructure:"listen"` // address the bot listens on
	URL    string `mapstructure:"url"`    // public https URL Telegram posts to; empty = long polling
	// SecretToken is checked on every request (Telegram sends it in the
	// X-Telegram-Bot-Api-Secret-Token header), so only Telegram can post
	// updates. Secret: never printed.
	SecretToken string `mapstructure:"secret_token"`
}

// Health is the optional health endpoint for Docker's HEALTHCHECK.
type Health struct {
	Listen string `mapstructure:"listen"` // such as 127.0.0.1:8080; empty = off
}

// Storage says where the bot keeps its state between restarts.
type Storage struct {
	Path string `mapstructure:"path"` // resolved against Config.Dir
	// KeyFile holds the deployment's secret key (created at first start,
	// 0600), kept apart from the data file so that a copy of the data file
	// alone links nothing it keys (what was learned from moderators'
	// decisions) to anything. Default: entrepairs.key beside the data file.
	KeyFile string `mapstructure:"key_file"`
}

// Moderation describes the moderators' private group and who in it may act
// on request cards.
type Moderation struct {
	ChatID int64 `mapstructure:"chat_id"` // the moderators' private group
	// Moderators are the Telegram user ids allowed to act on cards: being a
	// member of the moderators' group is not enough, because a group's
	// membership can change without the admins noticing.
	Moderators []int64 `mapstructure:"moderators"`
	// ReminderAfter is how long a request may wait before moderators get
	// one reminder about it.
	ReminderAfter time.Duration `mapstructure:"reminder_after"`
	// Lexicon is an optional YAML file that extends the embedded screening
	// vocabulary (resolved against Dir).
	Lexicon string `mapstructure:"lexicon"`
	// Threshold is the score from which a message is flagged; 0 uses the
	// screener's calibrated default.
	Threshold float64 `mapstructure:"threshold"`
	// AutoDeleteAbove deletes at once the messages scoring at least this
	// (the card then says so); 0 leaves every action to a moderator.
	AutoDeleteAbove float64 `mapstructure:"auto_delete_above"`
	// WarnLimit is the number of warnings from which cards suggest a ban.
	WarnLimit int `mapstructure:"warn_limit"`
	// ReportsPerHour bounds how many messages one member can report.
	ReportsPerHour int `mapstructure:"reports_per_hour"`
	// NewMemberWindow: a member approved less than this long ago is new,
	// and their messages weigh more in screening.
	NewMemberWindow time.Duration `mapstructure:"new_member_window"`
	// Flood is the anti-flood rule.
	Flood Flood `mapstructure:"flood"`
}

// Flood: a member posting more than Messages within Per gets a card in the
// moderators' chat, and is muted for Mute when Mute is set.
type Flood struct {
	Messages int           `mapstructure:"messages"` // 0 turns the rule off
	Per      time.Duration `mapstructure:"per"`
	Mute     time.Duration `mapstructure:"mute"`
}

// Group is one members' group the bot protects.
type Group struct {
	ChatID  int64  `mapstructure:"chat_id"`
	Name    string `mapstructure:"name"`    // optional display name for moderator cards
	Charter string `mapstructure:"charter"` // Markdown file, resolved against Config.Dir
	// Join is "request": newcomers ask to join and moderators decide, or
	// "restrict": newcomers get in but cannot write until they accept the
	// charter.
	Join string `mapstructure:"join"`
	// Region is where most members live: the default region of resources
	// and emergency numbers (FR, BE, CH, CA, UK or online).
	Region string `mapstructure:"region"`
	// NoticeTTL is how long the restrict-mode notice stays in the group:
	// long enough for the newcomer to read it, short enough not to clutter
	// the conversation.
	NoticeTTL time.Duration `mapstructure:"notice_ttl"`
}

// Log sets how much the bot logs and in which form.
type Log struct {
	Level  string `mapstructure:"level"`  // debug, info, warn or error
	Format string `mapstructure:"format"` // text for people, json for log collectors
}

// Problem is one thing wrong with the configuration, named by file and key.
type Problem struct {
	// File is the config file as the admin named it, or "environment
	// variable ENTREPAIRS_..." when the value came from there: the admin
	// has to know where to go to fix it. Empty when neither applies.
	File    string
	Key     string // such as "groups[0].join"
	Message string // says what is wrong and how to fix it, for a volunteer
}

// String renders the problem as one line an admin can act on, such as
// `config.yaml: groups[0].join: unknown value "sometimes" (use request or restrict)`.
func (p Problem) String() string {
	if p.File == "" {
		return p.Key + ": " + p.Message
	}
	return p.File + ": " + p.Key + ": " + p.Message
}

// envPrefix starts every environment variable the bot reads, so that its
// settings cannot collide with other programs' variables.
const envPrefix = "ENTREPAIRS"

// Load reads the config file at path, merges the ENTREPAIRS_* environment
// variables over it, applies defaults and checks the result.
//
// The error is only for a file that cannot be read or is not valid YAML:
// then nothing else can be checked. Every other mistake is returned as a
// Problem next to the config, all of them at once, so an admin fixes the
// file in one go rather than one restart per mistake. path == "" means no
// file: settings come from the environment and defaults only.
func Load(path string) (*Config, []Problem, error) {
	v := viper.New()
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	// Bound one by one rather than through AutomaticEnv, so that the
	// variables the bot reads are exactly its documented keys, each of
	// which can come from the environment alone: that is how container
	// deployments pass the token.
	for _, key := range envKeys(configType, "") {
		_ = v.BindEnv(key) // fails only when given no key
	}
	for key, value := range defaults {
		v.SetDefault(key, value)
	}

	c := &Config{}
	if path == "" {
		// Without a file, relative paths can only mean the working
		// directory; an empty Dir would leave them relative to wherever
		// the bot is later started from.
		if wd, err := os.Getwd(); err == nil {
			c.Dir = wd
		}
	} else {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("read config file: %w", err)
		}
		// ReadConfig with an explicit type rather than ReadInConfig: viper
		// would pick the format from the extension and refuse a file named
		// entrepairs.conf or config.yml.bak.
		v.SetConfigType("yaml")
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return nil, nil, yamlError(path, data, err)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, nil, fmt.Errorf("config file %s: %w", path, err)
		}
		c.Path, c.Dir = abs, filepath.Dir(abs)
	}

	d := decoder{bad: map[string]bool{}, envItems: map[string]bool{}}
	d.prepare(v, configType, "")
	d.collect(v.Unmarshal(c, viper.DecodeHook(mapstructure.DecodeHookFuncValue(decodeValue))))
	c.normalize()
	if loc, err := time.LoadLocation(c.Timezone); err == nil {
		c.Location = loc
	}

	problems := d.problems
	for _, p := range c.validate() {
		// A value that could not be decoded is left empty; validate would
		// then call it missing, which is untrue and repeats the problem.
		if !d.coveredBy(p.Key) {
			problems = append(problems, p)
		}
	}
	problems = append(problems, d.envProblems...)
	for i := range problems {
		if problems[i].File == "" {
			problems[i].File = d.fileFor(problems[i].Key, path)
		}
		problems[i].Message = hideTokens(problems[i].Message, c.Telegram.Token)
	}
	sortByPlace(problems)
	return c, problems, nil
}

// normalize forgives what volunteers commonly type and what has only one
// meaning, so that the rest of the bot compares plain values.
func (c *Config) normalize() {
	c.Language = strings.ToLower(c.Language)
	c.Log.Level = strings.ToLower(c.Log.Level)
	c.Log.Format = strings.ToLower(c.Log.Format)
	// telebot appends "/bot<token>/<method>": a trailing slash would make
	// "//bot", which a Bot API server may answer with 404 on every call.
	c.Telegram.APIURL = strings.TrimRight(c.Telegram.APIURL, "/")
	c.Storage.Path = c.resolve(c.Storage.Path)
	if c.Storage.KeyFile == "" {
		c.Storage.KeyFile = filepath.Join(filepath.Dir(c.Storage.Path), "entrepairs.key")
	} else {
		c.Storage.KeyFile = c.resolve(c.Storage.KeyFile)
	}
	c.Moderation.Lexicon = c.resolve(c.Moderation.Lexicon)
	c.Resources = c.resolve(c.Resources)
	for i := range c.Groups {
		c.Groups[i].Join = strings.ToLower(c.Groups[i].Join)
		c.Groups[i].Charter = c.resolve(c.Groups[i].Charter)
	}
}

// resolve makes a path in the config relative to the config file, so that
// the bot finds the same files whatever directory it is started from.
func (c *Config) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || c.Dir == "" {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// Group returns the settings of the members' group with this chat id; false
// means the bot should not act in that chat.
func (c *Config) Group(chatID int64) (Group, bool) {
	if chatID == 0 {
		return Group{}, false
	}
	for _, g := range c.Groups {
		if g.ChatID == chatID {
			return g, true
		}
	}
	return Group{}, false
}

// IsModerator reports whether this Telegram user may act on request cards.
func (c *Config) IsModerator(userID int64) bool {
	// Entries that failed to decode are kept as 0 so that problem indices
	// match the file; 0 must never grant anything.
	return userID != 0 && slices.Contains(c.Moderation.Moderators, userID)
}

// String shows the configuration with the token hidden. It has a value
// receiver so that printing a Config, not only a *Config, hides the token.
//
// Anything shaped like a token is hidden too, wherever it sits: a token
// pasted into api_url or another key by mistake would otherwise reach the
// log through this method.
func (c Config) String() string {
	type plain Config // no methods: fmt would otherwise call String again
	text := hideTokens(fmt.Sprintf("%+v", plain(c)), c.Telegram.Token)
	if secret := c.Telegram.Webhook.SecretToken; len(secret) >= 8 {
		text = strings.ReplaceAll(text, secret, hidden)
	}
	return text
}

// GoString hides the token from %#v as well. It returns the String form:
// the Go-syntax form would also dump the whole time zone table.
func (c Config) GoString() string { return c.String() }

// LogValue keeps the token out of structured logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String shows the Telegram settings with the token hidden, including when
// Telegram is printed on its own or as part of a Config.
func (t Telegram) String() string {
	type plain Telegram
	p := plain(t)
	if p.Token != "" {
		p.Token = hidden
	}
	if p.Webhook.SecretToken != "" {
		p.Webhook.SecretToken = hidden
	}
	return hideTokens(fmt.Sprintf("%+v", p), t.Token)
}

// GoString hides the token from %#v.
func (t Telegram) GoString() string { return t.String() }

// LogValue keeps the token out of structured logs.
func (t Telegram) LogValue() slog.Value { return slog.StringValue(t.String()) }

// yamlError explains why the file is not a configuration, keeping the line
// number the YAML parser gives.
func yamlError(path string, data []byte, err error) error {
	var pe viper.ConfigParseError
	if errors.As(err, &pe) {
		err = pe.Unwrap() // drop viper's "While parsing config:" prefix
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) {
		// The parser speaks of Go types here; the whole file is decoded
		// into a map of names, so those errors mean the layout is wrong.
		lines := make([]string, len(te.Errors))
		for i, e := range te.Errors {
			switch {
			case strings.Contains(e, "into map["):
				e = "the file must be made of settings such as \"telegram:\" and \"groups:\" at the start of lines, not a list or a single value"
			case strings.Contains(e, "cannot unmarshal"):
				line, _, _ := strings.Cut(e, ":")
				e = line + ": a setting name must be a single word followed by a colon"
			}
			lines[i] = e
		}
		msg = strings.Join(lines, "; ")
	}
	if bytes.ContainsRune(data, '\t') && strings.Contains(msg, "cannot start any token") {
		msg += " (YAML does not allow tabs: indent with spaces)"
	}
	return &yamlFileError{file: path, msg: msg, err: err}
}

// yamlFileError reads such as `config.yaml is not valid YAML: line 3:
// mapping values are not allowed in this context`, yet still unwraps to the
// parser's error for callers that want it.
type yamlFileError struct {
	file, msg string
	err       error
}

func (e *yamlFileError) Error() string { return e.file + " is not valid YAML: " + e.msg }
func (e *yamlFileError) Unwrap() error { return e.err }
