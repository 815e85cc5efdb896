package store

import "errors"

// ErrNotFound is returned when the asked record does not exist (an old button,
// a forged id, a record already purged).
var ErrNotFound = errors.New("not found")

// ErrLocked is returned by Open when another process holds the data file:
// most often a second instance of the bot started on the same data.
var ErrLocked = errors.New("data file is locked: is another entrepairs already running on it?")

// ErrSchema is returned by Open when the data file was written by a newer
// version of entrepairs than this one.
var ErrSchema = errors.New("data file was written by a newer version")
