// Package secret masks the bot token (and any other secret) in text that
// leaves the program: log lines, error messages, the printed configuration.
//
// A Telegram bot token is the bot: whoever reads it can act as the bot in
// every group. It travels in every Bot API URL (/bot<token>/method), and
// net/http errors quote the URL whole, so any error from a Telegram call can
// carry it; a token pasted under the wrong configuration key would be quoted
// back in a "not a number" message. Mask therefore hides both the secrets it
// is given and anything shaped like a token.
//
// It imports only the standard library's text packages, so that every
// package (config, outbox, bot, the logger) can use the same one.
package secret

import (
	"regexp"
	"strings"
)

// Marker is what Mask puts in place of a secret by default.
const Marker = "<token>"

// MinLen is the shortest secret Mask replaces: a shorter one is no real
// token, and masking "1" would blank digits everywhere.
const MinLen = 8

// tokenShape matches a bot token as Telegram issues them (digits, a colon,
// a long tail) anywhere, and one of any length in a Bot API URL path, where
// tests and local Bot API servers use short ones.
var tokenShape = regexp.MustCompile(`(bot)\d+:[A-Za-z0-9_-]+|[0-9]{5,}:[A-Za-z0-9_-]{30,}`)

// Mask returns text with every secret of at least MinLen bytes, and anything
// shaped like a bot token, replaced by marker (Marker when marker is ""). In
// a URL the "bot" in front of the token stays: ".../bot<token>/getMe".
func Mask(text, marker string, secrets ...string) string {
	if marker == "" {
		marker = Marker
	}
	for _, s := range secrets {
		if len(s) >= MinLen {
			text = strings.ReplaceAll(text, s, marker)
		}
	}
	return tokenShape.ReplaceAllString(text, "${1}"+marker)
}
