// Package store keeps the bot's state in one embedded bbolt file.
//
// It is the only package that knows bbolt. Values are JSON documents so that
// a later version can add fields without a migration; the schema version is
// recorded for the migrations that will need more than that.
package store

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout of the data file this code reads and writes.
// 2: the sanctions key comes from the key file (a clear salt is sealed
// with it at open), check-ins key their answers per occurrence; a version-1
// binary would make a new clear salt and lose every sanction, so it must
// refuse the file.
const SchemaVersion = 2

var (
	bucketMeta       = []byte("meta")
	bucketAdmissions = []byte("admissions")
	bucketMembers    = []byte("members")
	bucketUpdates    = []byte("updates")
	bucketFlags      = []byte("flags")
	bucketFlagIndex  = []byte("flag_by_message")
	bucketDigests    = []byte("digests")
	bucketSanctions  = []byte("sanctions")
	bucketCheckIns   = []byte("checkins")
	bucketPrefs      = []byte("prefs")
	bucketEphemeral  = []byte("ephemeral")
	bucketStats      = []byte("stats")
	keySchema        = []byte("schema_version")
	keySalt          = []byte("salt")
)

// Options tune Open.
type Options struct {
	// Timeout bounds the wait for the file lock. Without it a second instance
	// would hang forever; default 1s.
	Timeout time.Duration
	// Key is the deployment's secret key (LoadOrCreateKey), kept outside
	// the data file; without it the store learns nothing from moderators'
	// decisions.
	Key []byte
}

// Store is the bot's state. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	salt []byte
	key  []byte
	// ledger groups concurrent MarkHandled calls into one transaction.
	ledger ledgerQueue
}

// Open opens (or creates) the data file at path. The directory is created
// with mode 0700 and the file with 0600: it holds pseudonyms and decisions
// about people.
func Open(path string, opt Options) (*Store, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.Timeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, key: opt.Key}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) init() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketAdmissions, bucketMembers, bucketUpdates, bucketFlags, bucketFlagIndex, bucketDigests, bucketSanctions, bucketCheckIns, bucketPrefs, bucketEphemeral, bucketStats} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keySchema); v != nil {
			if n := binary.BigEndian.Uint64(v); n > SchemaVersion {
				return fmt.Errorf("%w (schema %d, this version knows %d)", ErrSchema, n, SchemaVersion)
			}
		}
		// The sanctions key comes from the deployment key, outside this
		// file (keys.go).
		if err := s.loadSanctionsKey(meta); err != nil {
			return err
		}
		return meta.Put(keySchema, u64(SchemaVersion))
	})
}

// Close releases the file. The store must not be used afterwards.
func (s *Store) Close() error {
	return s.db.Close()
}

// Schema returns the schema version recorded in the file.
func (s *Store) Schema() (int, error) {
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keySchema)
		if v == nil {
			return ErrNotFound
		}
		n = int(binary.BigEndian.Uint64(v))
		return nil
	})
	return n, err
}

// newID returns a random opaque identifier, short enough for Telegram's
// 64-byte callback data and deep-link payloads, long enough not to be guessed.
func newID() string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func i64key(a, b int64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(a))
	binary.BigEndian.PutUint64(k[8:], uint64(b))
	return k
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}
