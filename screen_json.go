package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/entrepairs/entrepairs/moderation"
)

// Fast paths for `entrepairs screen` on large histories: most lines are flat
// objects {"id": ..., "text": "..."} without escapes, and most verdicts are
// a few short strings. Anything else goes through encoding/json.

// decodeLine reads the id (as idString keeps it) and the text of one JSON
// Lines input line. ok is false when the line is not such an object; err
// says why.
func decodeLine(raw string) (id, text string, ok bool, err error) {
	if id, text, ok := decodeFlat(raw); ok {
		return id, text, true, nil
	}
	var in struct {
		ID   json.RawMessage `json:"id"`
		Text *string         `json:"text"`
	}
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		return "", "", false, err
	}
	if in.Text == nil {
		return "", "", false, errNoText
	}
	return idString(in.ID), *in.Text, true, nil
}

// decodeFlat handles a JSON object whose values are strings without
// escapes, numbers, true, false or null, with a "text" string; it gives up
// (false) on anything else, for encoding/json to decide. It checks the
// syntax of what it accepts itself, so that valid lines are read once; the
// id and the text are substrings of b, not copies.
func decodeFlat(b string) (id, text string, ok bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return "", "", false
	}
	i++
	hasText, hasID := false, false
	for {
		i = skipWS(b, i)
		if i < len(b) && b[i] == '}' && !hasText && !hasID {
			return "", "", false
		}
		key, next, ok := flatString(b, i)
		if !ok {
			return "", "", false
		}
		if (strings.EqualFold(key, "text") && key != "text") || (strings.EqualFold(key, "id") && key != "id") {
			return "", "", false // encoding/json matches keys regardless of case
		}
		i = skipWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return "", "", false
		}
		i = skipWS(b, i+1)
		var value string // the id as idString keeps it
		if i < len(b) && b[i] == '"' {
			s, next, ok := flatString(b, i)
			if !ok {
				return "", "", false
			}
			if key == "text" {
				if hasText {
					return "", "", false // a repeated key: let encoding/json decide
				}
				text, hasText = s, true
			}
			value, i = s, next
		} else {
			end := literalEnd(b, i)
			if end == i || key == "text" {
				return "", "", false
			}
			value, i = b[i:end], end
			if value == "null" {
				value = "" // as json.Unmarshal into a string leaves it
			}
		}
		if key == "id" {
			if hasID {
				return "", "", false
			}
			id, hasID = value, true
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == '}' && skipWS(b, i+1) == len(b) && hasText {
			return id, text, true
		}
		return "", "", false
	}
}

// literalEnd returns the end of the JSON number, true, false or null at
// b[i], or i if there is none.
func literalEnd(b string, i int) int {
	for _, lit := range [...]string{"true", "false", "null"} {
		if strings.HasPrefix(b[i:], lit) {
			return i + len(lit)
		}
	}
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && '1' <= b[j] && b[j] <= '9':
		j = digitsEnd(b, j)
	default:
		return i
	}
	if j < len(b) && b[j] == '.' {
		if k := digitsEnd(b, j+1); k > j+1 {
			j = k
		} else {
			return i
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		k := j + 1
		if k < len(b) && (b[k] == '+' || b[k] == '-') {
			k++
		}
		if e := digitsEnd(b, k); e > k {
			j = e
		} else {
			return i
		}
	}
	return j
}

func digitsEnd(b string, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// flatString reads a JSON string without escapes at b[i].
func flatString(b string, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			if !utf8.ValidString(s) {
				return "", 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

func skipWS(b string, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// appendVerdict writes one output line, as encoding/json would (without
// HTML escaping).
func appendVerdict(dst []byte, v verdictLine) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, v.ID)
	dst = append(dst, `,"flag":`...)
	dst = strconv.AppendBool(dst, v.Flag)
	dst = append(dst, `,"score":`...)
	dst = strconv.AppendFloat(dst, v.Score, 'f', -1, 64)
	dst = append(dst, `,"reasons":[`...)
	for i, r := range v.Reasons {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, r)
	}
	return append(dst, "]}\n"...)
}

// appendVerdictOf writes the line appendVerdict writes for
// verdictOf(id, v), without building the line's strings first.
func appendVerdictOf(dst []byte, id string, v moderation.Verdict) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, id)
	dst = append(dst, `,"flag":`...)
	dst = strconv.AppendBool(dst, v.Flag)
	dst = append(dst, `,"score":`...)
	dst = strconv.AppendFloat(dst, round3(v.Score), 'f', -1, 64)
	dst = append(dst, `,"reasons":[`...)
	for i, r := range v.Reasons {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = appendJSONChars(dst, r.Code)
		if r.Evidence != "" {
			// The code and ": " are ASCII: escaping the parts is escaping
			// the joined string.
			dst = append(dst, ':', ' ')
			dst = appendJSONChars(dst, r.Evidence)
		}
		dst = append(dst, '"')
	}
	return append(dst, "]}\n"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD, and U+2028
// and U+2029 escaped as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONChars(dst, s)
	return append(dst, '"')
}

// appendJSONChars appends s escaped as the inside of a JSON string.
func appendJSONChars(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\b':
				dst = append(dst, '\\', 'b')
			case c == '\f':
				dst = append(dst, '\\', 'f')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
