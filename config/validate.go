package config

import (
	"github.com/entrepairs/entrepairs/checkin"
	"net"

	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// tokenShape is what @BotFather hands out: the bot's numeric id, a colon,
// and about 35 characters. Checking the shape catches a token pasted with
// quotes, a "bot" prefix or a missing end, before Telegram answers a
// puzzling 401 or 404.
var tokenShape = regexp.MustCompile(`^[0-9]{3,}:[A-Za-z0-9_-]{30,50}$`)

// validate lists every mistake in the settings, so that the bot refuses to
// start on a configuration that would fail later in front of members. It
// needs no file: charters are read, and reported, by the code that uses
// them. Load adds the file, as the admin named it, to each problem.
func (c *Config) validate() []Problem {
	var ps problems

	switch {
	case c.Telegram.Token == "":
		ps.add("telegram.token", "missing: set the environment variable ENTREPAIRS_TELEGRAM_TOKEN to the token @BotFather gave you (safer than writing it in the file)")
	case !tokenShape.MatchString(c.Telegram.Token):
		// Never quote the value: even a malformed token is mostly secret.
		ps.add("telegram.token", "does not look like a bot token (digits, a colon, then about 35 letters, digits, - or _); copy it again from @BotFather, without quotes, spaces or the word \"bot\"")
	}
	if u, err := url.Parse(c.Telegram.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		ps.add("telegram.api_url", "%s is not a web address; write one starting with https://, or remove the line to use https://api.telegram.org", show(c.Telegram.APIURL))
	} else if u.Scheme == "http" && !loopback(u.Hostname()) {
		// The token travels in every request's path: in clear text only
		// to a Bot API server on this machine.
		ps.add("telegram.api_url", "%s sends the bot token unencrypted over the network; write https://, or http:// only for a Bot API server on this machine (localhost, 127.0.0.1)", show(c.Telegram.APIURL))
	}
	ps.nonNegative("telegram.poll_timeout", c.Telegram.PollTimeout, "30s")
	if c.Telegram.PollTimeout == 0 && c.Telegram.Webhook.URL == "" {
		// Zero is short polling: a request every few milliseconds, which
		// Telegram answers with 429s.
		ps.add("telegram.poll_timeout", "0 makes the bot ask Telegram for updates without pause; write a duration such as 30s")
	}
	if w := c.Telegram.Webhook; w.URL != "" {
		if u, err := url.Parse(w.URL); err != nil || u.Scheme != "https" || u.Host == "" {
			ps.add("telegram.webhook.url", "%s is not an https address: Telegram only posts to https, such as https://bot.example.org/telegram", show(w.URL))
		}
		if len(w.SecretToken) < 16 || len(w.SecretToken) > 256 || strings.Trim(w.SecretToken, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
			ps.add("telegram.webhook.secret_token", "write a secret of 16 to 256 letters, digits, _ or - (set ENTREPAIRS_TELEGRAM_WEBHOOK_SECRET_TOKEN), so that only Telegram can post updates")
		}
		if _, _, err := net.SplitHostPort(w.Listen); err != nil {
			ps.add("telegram.webhook.listen", "%s is not an address to listen on, such as :8443 or 127.0.0.1:8443", show(w.Listen))
		}
	}
	if h := c.Health.Listen; h != "" {
		if _, _, err := net.SplitHostPort(h); err != nil {
			ps.add("health.listen", "%s is not an address to listen on, such as 127.0.0.1:8080", show(h))
		}
	}

	if c.Storage.Path == "" {
		ps.add("storage.path", "missing: write where the bot keeps its data, such as data/entrepairs.db")
	}
	if c.Timezone == "" {
		ps.add("timezone", "missing: write a time zone name such as Europe/Paris")
	} else if _, err := time.LoadLocation(c.Timezone); err != nil {
		ps.add("timezone", "unknown time zone %s; write a name from the IANA list, such as Europe/Paris, Europe/Brussels or America/Montreal", show(c.Timezone))
	}
	ps.oneOf("language", c.Language, "fr", "en")

	c.validateModeration(&ps)
	c.validateAdmission(&ps)
	c.validateGroups(&ps)

	ps.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	ps.oneOf("log.format", c.Log.Format, "text", "json")
	return ps
}

func (c *Config) validateModeration(ps *problems) {
	switch id := c.Moderation.ChatID; {
	case id == 0:
		ps.add("moderation.chat_id", "missing: write the id of the moderators' private group, a negative number such as -1001234567890 (the example config.yaml explains how to find it)")
	case id > 0:
		// A person's chat would work for one moderator but hides every
		// card from the others, which defeats shared moderation.
		ps.add("moderation.chat_id", "%d is a person's id, not a group's: write the id of the moderators' private group, a negative number such as -1001234567890", id)
	}
	if len(c.Moderation.Moderators) == 0 {
		ps.add("moderation.moderators", "no moderator listed: write the Telegram user id of each person allowed to act on cards, such as [123456789, 987654321]")
	}
	for i, id := range c.Moderation.Moderators {
		key := fmt.Sprintf("moderation.moderators[%d]", i)
		switch {
		case id == 0:
			ps.add(key, "0 is not a Telegram user id: write the moderator's id or remove the entry")
		case id < 0:
			ps.add(key, "%d is a group's id, not a person's: write the user id of a moderator (a positive number)", id)
		}
	}
	ps.nonNegative("moderation.reminder_after", c.Moderation.ReminderAfter, "24h")
	m := c.Moderation
	if m.Threshold < 0 || m.Threshold > 1 {
		ps.add("moderation.threshold", "%v is out of range: write a score between 0.05 and 1, such as 0.6 (or 0 for the default)", m.Threshold)
	}
	switch {
	case m.AutoDeleteAbove < 0 || m.AutoDeleteAbove > 1:
		ps.add("moderation.auto_delete_above", "%v is out of range: write a score between 0 and 1 (0 turns automatic deletion off)", m.AutoDeleteAbove)
	case m.AutoDeleteAbove > 0 && m.Threshold > 0 && m.AutoDeleteAbove <= m.Threshold:
		ps.add("moderation.auto_delete_above", "%v is not above moderation.threshold (%v): automatic deletion is meant for scores well above the flag threshold", m.AutoDeleteAbove, m.Threshold)
	}
	if m.WarnLimit < 1 {
		ps.add("moderation.warn_limit", "%d: write how many warnings lead cards to suggest a ban, such as 3", m.WarnLimit)
	}
	if m.ReportsPerHour < 1 {
		ps.add("moderation.reports_per_hour", "%d: write how many messages a member may report per hour, such as 5", m.ReportsPerHour)
	}
	ps.nonNegative("moderation.new_member_window", m.NewMemberWindow, "72h")
	if m.Flood.Messages < 0 {
		ps.add("moderation.flood.messages", "%d: write a number of messages, such as 12, or 0 to turn the rule off", m.Flood.Messages)
	}
	if m.Flood.Messages > 0 && m.Flood.Per <= 0 {
		ps.add("moderation.flood.per", "write the time window of the flood rule, such as 30s")
	}
	ps.nonNegative("moderation.flood.mute", m.Flood.Mute, "10m")
	c.validateCheckIns(ps)
	if c.Resources == "" {
		ps.add("resources", "missing: write the path of the resources directory, such as resources.yaml")
	}
	if c.RetentionDays < 1 {
		ps.add("retention_days", "%d: write how many days decided flags are kept, such as 30", c.RetentionDays)
	}
}

func (c *Config) validateGroups(ps *problems) {
	if len(c.Groups) == 0 {
		ps.add("groups", "no group listed: add at least one group with its chat_id and charter (see the example config.yaml)")
	}
	first := map[int64]int{} // chat id -> index of the group that uses it
	for i, g := range c.Groups {
		key := func(name string) string { return fmt.Sprintf("groups[%d].%s", i, name) }
		switch {
		case g.ChatID == 0:
			ps.add(key("chat_id"), "missing: write the id of the group, a negative number such as -1001234567890")
		case g.ChatID > 0:
			ps.add(key("chat_id"), "%d is positive, so it is a person's id: a Telegram group id is negative, such as -1001234567890", g.ChatID)
		case g.ChatID == c.Moderation.ChatID:
			ps.add(key("chat_id"), "%d is the moderators' group (moderation.chat_id): members must not see the moderators' cards, so use two different groups", g.ChatID)
		default:
			if j, seen := first[g.ChatID]; seen {
				ps.add(key("chat_id"), "%d is already groups[%d]: list each group once", g.ChatID, j)
			} else {
				first[g.ChatID] = i
			}
		}
		if g.Charter == "" {
			ps.add(key("charter"), "missing: write the path of the group's charter, a Markdown file such as charter.md")
		}
		ps.oneOf(key("join"), g.Join, "request", "restrict")
		// region: one of the regions the resources file declares, which
		// app.Check reads.
		ps.nonNegative(key("notice_ttl"), g.NoticeTTL, "5m")
	}
}

// problems collects findings; File is filled in by the caller, which knows
// how the admin named the file.
type problems []Problem

func (ps *problems) add(key, format string, args ...any) {
	*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) oneOf(key, value string, allowed ...string) {
	if !slices.Contains(allowed, value) {
		ps.add(key, "unknown value %s (use %s)", show(value), orList(allowed))
	}
}

func (ps *problems) nonNegative(key string, d time.Duration, example string) {
	if d < 0 {
		ps.add(key, "must not be negative; write a duration such as %s", example)
	}
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// orList writes "a, b or c".
func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func (c *Config) validateCheckIns(ps *problems) {
	ps.nonNegative("checkin_grace", c.CheckInGrace, "2h")
	seen := map[string]int{}
	for i, ci := range c.CheckIns {
		key := func(name string) string { return fmt.Sprintf("checkins[%d].%s", i, name) }
		switch {
		case ci.Name == "":
			ps.add(key("name"), "missing: give each check-in a short name such as vendredi")
		case strings.Trim(ci.Name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "":
			ps.add(key("name"), "%s: use lower-case letters, digits, - or _ only, such as vendredi", show(ci.Name))
		default:
			if j, dup := seen[ci.Name]; dup {
				ps.add(key("name"), "%s is already checkins[%d]: each check-in needs its own name", show(ci.Name), j)
			}
			seen[ci.Name] = i
		}
		if _, ok := checkin.ParseWeekday(ci.Weekday); !ok {
			ps.add(key("weekday"), "%s is not a day: write monday … sunday (or lundi … dimanche)", show(ci.Weekday))
		}
		if _, _, ok := checkin.ParseClock(ci.Time); !ok {
			ps.add(key("time"), "%s is not a time of day: write it as 18:30", show(ci.Time))
		}
		for j, g := range ci.Groups {
			if _, ok := c.Group(g); !ok {
				ps.add(fmt.Sprintf("checkins[%d].groups[%d]", i, j), "%d is not one of the groups listed under groups", g)
			}
		}
	}
}
