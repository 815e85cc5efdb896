package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// OpenReadOnly opens an existing data file for reading, for tools such as
// `entrepairs stats` that run beside the bot's deployment. It creates and
// writes nothing; the Store's writing methods fail on it.
//
// bbolt takes a shared lock to read, which the running bot's exclusive lock
// excludes: while the bot runs on the file, OpenReadOnly waits opt.Timeout
// and returns ErrLocked. Reading a copy of the file (see the README on
// backups) works at any time.
func OpenReadOnly(path string, opt Options) (*Store, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: opt.Timeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return errors.New("not an entrepairs data file")
		}
		if v := meta.Get(keySchema); len(v) == 8 {
			if n := binary.BigEndian.Uint64(v); n > SchemaVersion {
				return fmt.Errorf("%w (schema %d, this version knows %d)", ErrSchema, n, SchemaVersion)
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Store{db: db, key: opt.Key}, nil
}
