// Package charter turns each group's charter, a Markdown file that admins edit
// while the bot runs, into Telegram-ready HTML messages and keeps it fresh.
//
// Admins are volunteers, not developers: the package accepts what ordinary
// editors produce (Windows line endings, a UTF-8 byte order mark, editors that
// replace the file on save) and, when a file goes wrong while the bot runs,
// keeps showing the last good version rather than leaving a person who asks to
// join without the rules. It knows nothing of Telegram libraries or storage:
// it only produces strings that are valid with parse_mode HTML.
package charter

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// MaxMessageLen is Telegram's limit for one message's text (characters after
// entity parsing, counted in UTF-16 code units). Charters are cut into parts
// that each fit, because a longer message is refused outright.
const MaxMessageLen = 4096

// Charter is one loaded charter file.
type Charter struct {
	// Path is the file the charter was read from, so that logs and alerts can
	// tell admins which file to fix.
	Path string
	// Version identifies the content a member accepted: the first 8 hex
	// characters of the SHA-256 of the file with line endings normalised to
	// \n, a leading byte order mark removed and surrounding whitespace
	// trimmed, so that re-saving the same text in another editor keeps the
	// same version.
	Version string
	// Parts is the charter as Telegram HTML, one element per message, each
	// within MaxMessageLen; there is always at least one part.
	Parts []string
	// Title is the plain text of the first heading, or "" when there is none;
	// it lets the bot name the charter in buttons and short notices.
	Title string
}

// Parse builds a Charter from the bytes of the file at path. The path is only
// used to name the file in errors and in the result, which makes Parse usable
// on content that did not come from disk.
func Parse(path string, src []byte) (*Charter, error) {
	if !utf8.Valid(src) {
		return nil, fmt.Errorf("charter %s: %w (line %d)", path, ErrNotUTF8, firstInvalidLine(src))
	}
	text := normalise(string(src))
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("charter %s: %w", path, ErrEmpty)
	}
	parts, title := render(text, MaxMessageLen)
	if len(parts) == 0 {
		// Only empty headings or quote markers: nothing a member could read.
		return nil, fmt.Errorf("charter %s: %w", path, ErrEmpty)
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(text)))
	return &Charter{
		Path:    path,
		Version: hex.EncodeToString(sum[:])[:8],
		Parts:   parts,
		Title:   title,
	}, nil
}

// Load reads and parses the charter at path. Errors always name the path,
// because the admin reading them may run several groups.
func Load(path string) (*Charter, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("charter %s: %w", path, err)
	}
	return Parse(path, src)
}

// EnglishPath is where the optional English version of the charter at path
// lives: "dir/charter.md" gives "dir/charter.en.md" and "x" gives "x.en". A
// fixed naming rule spares admins one more setting to get wrong.
func EnglishPath(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + ".en" + ext
}

// Check lists the problems of the charter at path and of its English version
// when that file exists, for the `check` subcommand an admin runs after
// editing. It returns nil when both are fine; each error names its file.
func Check(path string) []error {
	var errs []error
	if _, err := Load(path); err != nil {
		errs = append(errs, err)
	}
	en := EnglishPath(path)
	if _, err := os.Stat(en); errors.Is(err, fs.ErrNotExist) {
		return errs
	}
	if _, err := Load(en); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// firstInvalidLine tells the admin where an encoding problem starts, since
// the usual cause is a single accented word pasted from another program.
func firstInvalidLine(src []byte) int {
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

// normalise removes what editors add without the admin seeing it: a byte
// order mark and carriage returns. Invalid UTF-8 becomes U+FFFD because
// Telegram refuses the whole message otherwise.
func normalise(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.TrimPrefix(s, "\uFEFF")
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

// contentSum fingerprints raw file bytes so that polling can tell whether a
// file changed without trusting modification times, whose granularity can
// hide a quick same-size edit.
func contentSum(src []byte) [sha256.Size]byte {
	return sha256.Sum256(src)
}
