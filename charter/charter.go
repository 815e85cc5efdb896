// Package charter turns each group's charter, a Markdown file that admins edit
// while the bot runs, into Telegram-ready HTML messages.
//
// Admins are volunteers, not developers: the package accepts what ordinary
// editors produce (Windows line endings, a UTF-8 byte order mark). It is pure:
// it reads no file and knows nothing of Telegram libraries or storage; it
// only turns bytes into strings that are valid with parse_mode HTML. Reading
// the files and following their edits is the job of package files.
package charter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/entrepairs/entrepairs/langtag"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/entrepairs/entrepairs/internal/textcheck"
)

// MaxMessageLen is Telegram's limit for one message's text (characters after
// entity parsing, counted in UTF-16 code units). Charters are cut into parts
// that each fit, because a longer message is refused outright.
const MaxMessageLen = 4096

// Charter is one parsed charter file.
type Charter struct {
	// Path is the file the charter was read from, so that logs and alerts can
	// tell admins which file to fix. Parse leaves it empty; whoever read the
	// file sets it.
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

// Parse builds a Charter from the bytes of a charter file. Errors do not
// name the file, which Parse does not know: the caller wraps them.
func Parse(src []byte) (*Charter, error) {
	if !utf8.Valid(src) {
		return nil, fmt.Errorf("%w (line %d)", ErrNotUTF8, textcheck.FirstInvalidUTF8Line(src))
	}
	text := normalise(string(src))
	if strings.TrimSpace(text) == "" {
		return nil, ErrEmpty
	}
	parts, title := render(text, MaxMessageLen)
	if len(parts) == 0 {
		// Only empty headings or quote markers: nothing a member could read.
		return nil, ErrEmpty
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(text)))
	return &Charter{
		Version: hex.EncodeToString(sum[:])[:8],
		Parts:   parts,
		Title:   title,
	}, nil
}

// EnglishPath is where the optional English version of the charter at p
// lives: "dir/charter.md" gives "dir/charter.en.md" and "x" gives "x.en". A
// fixed naming rule spares admins one more setting to get wrong. Paths use
// forward slashes, as on the systems the bot runs on.
func EnglishPath(p string) string {
	ext := path.Ext(p)
	return strings.TrimSuffix(p, ext) + ".en" + ext
}

// WantsEnglish reports whether a member whose Telegram language_code is lang
// ("en", "en-US", "de", "fr-CA") should read the English charter when there
// is one: everyone but French speakers, since English is the groups' second
// language. An empty lang counts as French, the groups' language.
func WantsEnglish(lang string) bool {
	primary := langtag.Primary(lang)
	return primary != "" && primary != "fr"
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
