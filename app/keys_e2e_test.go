package app

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	enc "encoding/binary"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The key that makes sanctions unlinkable lives in the key file, never in
// the data file; an old data file with its salt in clear is migrated at the
// first start, and its bans keep their meaning.
func TestKeysLiveOutsideTheDataFile(t *testing.T) {
	h := newHarness(t)
	tonio := frenchUser(8201, "Tonio")
	_, fc := flagCard(h, tonio, offer)
	h.press(fc, "Avertir", mod1)
	h.botMessage(modChat, "avertissement n° 1")
	h.stop()

	keyPath := filepath.Join(h.dir, "data", "entrepairs.key")
	key, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(keyPath); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	for _, kv := range dataFileValues(t, h) {
		if bytes.Contains(kv, key) || bytes.HasPrefix(kv, []byte("meta/salt=")) || bytes.HasPrefix(kv, []byte("meta/sanctions_salt_sealed=")) {
			t.Errorf("a key in the data file: %q", kv)
		}
	}

	// The data file of an older version: a clear salt, a ban keyed by it.
	salt := bytes.Repeat([]byte{5}, 32)
	banned := asker(8202, "Nico", "fr")
	mac := hmac.New(sha256.New, salt)
	mac.Write(enc.BigEndian.AppendUint64(nil, uint64(banned.ID)))
	db, err := bolt.Open(filepath.Join(h.dir, "data", "bot.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("meta")).Put([]byte("salt"), salt); err != nil {
			return err
		}
		return tx.Bucket([]byte("sanctions")).Put(mac.Sum(nil)[:16], []byte(`{"warnings":0,"banned":true,"last":"2026-10-01T12:00:00Z"}`))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	req := h.api.JoinRequest(group(), banned)
	req.ChatJoinRequest.Unixtime = h.clock.Now().Unix()
	h.push(req)
	declined(h, banned)
	h.botMessage(modChat, "Nico", "refusée automatiquement")
	h.stop()
	sealed := false
	for _, kv := range dataFileValues(t, h) {
		if bytes.Contains(kv, salt) || bytes.HasPrefix(kv, []byte("meta/salt=")) {
			t.Errorf("the clear salt is still in the data file: %q", kv)
		}
		sealed = sealed || bytes.HasPrefix(kv, []byte("meta/sanctions_salt_sealed="))
	}
	if !sealed {
		t.Error("the old salt was not sealed with the key file")
	}
}
