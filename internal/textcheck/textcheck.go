// Package textcheck holds the checks that the parsers of admin-edited files
// (charter, resources) share. It is pure: no I/O.
package textcheck

import "unicode/utf8"

// FirstInvalidUTF8Line is the 1-based line where src stops being valid
// UTF-8, or the last line when it is valid. It tells the admin where an
// encoding problem starts, since the usual cause is a single accented word
// pasted from another program.
func FirstInvalidUTF8Line(src []byte) int {
	line := 1
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		src = src[size:]
	}
	return line
}
