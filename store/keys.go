package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// keySanctionsSealed holds, in files written before the deployment key
// existed, their old sanctions salt sealed with the deployment key: the
// hashes already stored cannot be recomputed (the user ids are not kept),
// so the salt stays, but a copy of the data file alone can no longer use it.
var keySanctionsSealed = []byte("sanctions_salt_sealed")

// sanctionsLabel derives the sanctions key of a new data file from the
// deployment key.
const sanctionsLabel = "entrepairs sanctions v1"

// derive returns a sub-key of the deployment key for one use, so that the
// values keyed for one purpose cannot be joined with another's.
func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// loadSanctionsKey sets s.salt, the key of the sanctions' member hashes,
// from the deployment key; it never lives in the data file. A file that
// still holds its salt in clear (written before the deployment key) is
// migrated: the salt is sealed with the deployment key and the clear copy
// deleted, so warnings and bans already recorded keep their meaning.
//
// Without a deployment key (tools and tests that open a file with zero
// Options) the key is random for this process: sanctions written then are
// not found again after a reopen, and a clear salt is left untouched.
func (s *Store) loadSanctionsKey(meta *bolt.Bucket) error {
	if len(s.key) == 0 {
		s.salt = make([]byte, 32)
		if v := meta.Get(keySalt); v != nil {
			s.salt = append(s.salt[:0], v...)
			return nil
		}
		_, err := rand.Read(s.salt)
		return err
	}
	if v := meta.Get(keySanctionsSealed); v != nil {
		salt, err := unseal(s.key, v, "sanctions")
		if err != nil {
			return fmt.Errorf("sanctions key: %w (is storage.key_file the key this data file was written with?)", err)
		}
		s.salt = salt
		return nil
	}
	if v := meta.Get(keySalt); v != nil {
		sealed, err := seal(s.key, v, "sanctions")
		if err != nil {
			return err
		}
		if err := meta.Put(keySanctionsSealed, sealed); err != nil {
			return err
		}
		s.salt = append([]byte(nil), v...)
		return meta.Delete(keySalt)
	}
	s.salt = derive(s.key, sanctionsLabel)
	return nil
}

// seal encrypts plain with a key derived from the deployment key; label
// says what it is, so that a sealed value cannot be passed off as another.
func seal(key, plain []byte, label string) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, []byte(label)), nil
}

func unseal(key, sealed []byte, label string) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("sealed value too short")
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(label))
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(derive(key, "entrepairs seal v1"))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
