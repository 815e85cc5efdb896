package config

import "github.com/entrepairs/entrepairs/secret"

// hidden replaces secrets wherever the configuration is shown.
const hidden = "<hidden>"

// hideTokens removes the configured token and anything shaped like one
// from text shown to people, with the program's one masker. Messages already
// avoid echoing the token; this also covers a token pasted under the wrong
// key, which would otherwise be quoted back in a "not a number" message or
// printed with the config.
func hideTokens(text, token string) string { return secret.Mask(text, hidden, token) }
