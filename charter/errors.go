package charter

import "errors"

// ErrEmpty means a charter file holds nothing a member could read. It is an
// error rather than an empty message because Telegram refuses empty texts and
// a person asking to join must always be shown the group's rules.
var ErrEmpty = errors.New("charter is empty")

// ErrNotUTF8 means a charter file is not valid UTF-8, usually because it was
// saved as Latin-1 or Windows-1252 by a desktop editor. Telegram only accepts
// UTF-8, and guessing the encoding would silently garble accents.
var ErrNotUTF8 = errors.New("charter is not valid UTF-8")
