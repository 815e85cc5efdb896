package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The deployment's secret key lives in its own file (storage.key_file), not
// in the data file: whatever the store keys with it (what was learned from
// moderators' decisions, and later any value that must not be linkable to a
// member) stays unlinkable in a copy of the data file alone.

// KeySize is the length of the deployment's secret key.
const KeySize = 32

// LoadOrCreateKey reads the deployment's key file, creating it (0600, in a
// 0700 directory) with a fresh random key if it does not exist.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != KeySize {
			return nil, fmt.Errorf("key file %s: %d bytes, want %d (restore it from a backup, or delete it to start learning anew)", path, len(key), KeySize)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("key file: %w", err)
	}
	return key, f.Close()
}
