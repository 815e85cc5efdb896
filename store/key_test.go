package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDeploymentKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "entrepairs.key")
	first, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || len(first) != KeySize {
		t.Fatalf("key file mode %v, %d bytes", fi.Mode().Perm(), len(first))
	}
	again, err := LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("second start read another key (%v)", err)
	}
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "restore it from a backup") {
		t.Fatalf("a damaged key file: %v", err)
	}
}
