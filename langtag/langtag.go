// Package langtag reads the language codes Telegram sends (user.language_code,
// an IETF tag such as "fr", "fr-BE", "en-US", sometimes "pt_BR" or "") the
// one way the bot needs: by their primary language. Pure: the standard
// library's strings only, so domain packages (charter, resources) may use it.
package langtag

import "strings"

// Primary returns the primary language of code, lower-cased: "fr" for
// "fr-BE" or "FR_ca", "" for "". Region, script and variant are dropped: the
// groups speak French and English, whatever the country.
func Primary(code string) string {
	primary, _, _ := strings.Cut(code, "-")
	primary, _, _ = strings.Cut(primary, "_")
	return strings.ToLower(primary)
}
