package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Fast paths for `entrepairs screen` on large histories: most lines are flat
// objects {"id": ..., "text": "..."} without escapes, and most verdicts are
// a few short strings. Anything else goes through encoding/json.

// decodeLine reads the id (as written) and the text of one JSON Lines input
// line. ok is false when the line is not such an object; err says why.
func decodeLine(raw []byte) (id json.RawMessage, text string, ok bool, err error) {
	if json.Valid(raw) {
		if id, text, ok := decodeFlat(raw); ok {
			return id, text, true, nil
		}
	}
	var in struct {
		ID   json.RawMessage `json:"id"`
		Text *string         `json:"text"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, "", false, err
	}
	if in.Text == nil {
		return nil, "", false, errNoText
	}
	return in.ID, *in.Text, true, nil
}

// decodeFlat handles a valid JSON object whose values are strings without
// escapes, numbers, true, false or null, with a "text" string; it gives up
// (false) on anything else, for encoding/json to decide.
func decodeFlat(b []byte) (id json.RawMessage, text string, ok bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, "", false
	}
	i++
	hasText := false
	for {
		i = skipWS(b, i)
		if i < len(b) && b[i] == '}' && !hasText && id == nil {
			return nil, "", false
		}
		key, next, ok := flatString(b, i)
		if !ok {
			return nil, "", false
		}
		if (strings.EqualFold(key, "text") && key != "text") || (strings.EqualFold(key, "id") && key != "id") {
			return nil, "", false // encoding/json matches keys regardless of case
		}
		i = skipWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return nil, "", false
		}
		i = skipWS(b, i+1)
		start := i
		switch {
		case i < len(b) && b[i] == '"':
			s, next, ok := flatString(b, i)
			if !ok {
				return nil, "", false
			}
			if key == "text" {
				if hasText {
					return nil, "", false // a repeated key: let encoding/json decide
				}
				text, hasText = s, true
			}
			i = next
		default:
			for i < len(b) && (b[i] == '-' || b[i] == '+' || b[i] == '.' || b[i] >= '0' && b[i] <= '9' || b[i] >= 'a' && b[i] <= 'z' || b[i] == 'E') {
				i++
			}
			if i == start || key == "text" {
				return nil, "", false
			}
		}
		if key == "id" {
			if id != nil {
				return nil, "", false
			}
			id = json.RawMessage(b[start:i])
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == '}' && skipWS(b, i+1) == len(b) && hasText {
			return id, text, true
		}
		return nil, "", false
	}
}

// flatString reads a JSON string without escapes at b[i].
func flatString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			if !utf8.Valid(s) {
				return "", 0, false
			}
			return string(s), j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

func skipWS(b []byte, i int) int {
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

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD, and U+2028
// and U+2029 escaped as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
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
	return append(dst, '"')
}
