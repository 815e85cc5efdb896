package config

import (
	"regexp"
	"strings"
)

// This file is the package's only token masker, kept apart so that the
// shared masker planned for the whole bot can replace hideTokens in one
// place: every message, String method and quoted value goes through it.

// hidden replaces secrets wherever the configuration is shown.
const hidden = "<hidden>"

// tokenLike matches a bot token anywhere in a value. A token pasted under
// the wrong key must not be quoted back in a message that may end up in a
// log or a screenshot.
var tokenLike = regexp.MustCompile(`[0-9]{5,}:[A-Za-z0-9_-]{30,}`)

// hideTokens removes the configured token and anything shaped like one
// from text shown to people. Messages already avoid echoing the token; this
// also covers a token pasted under the wrong key, which would otherwise be
// quoted back in a "not a number" message or printed with the config.
func hideTokens(text, token string) string {
	text = tokenLike.ReplaceAllString(text, hidden)
	if len(token) >= 8 { // shorter is no real token, and "1" would blank digits everywhere
		text = strings.ReplaceAll(text, token, hidden)
	}
	return text
}
