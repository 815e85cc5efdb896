package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/store"
)

// TestLearningCommand: check and learning say what was learned, and
// --reset forgets it.
func TestLearningCommand(t *testing.T) {
	path := writeConfig(t, validConfig, true)
	dir := filepath.Dir(path)
	run := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := cli(args, nil, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := run("check", "--config", path); code != 0 || !strings.Contains(out, "learning: nothing yet") {
		t.Fatalf("check before any run: %d %s", code, out)
	}
	// Resetting before the bot ever ran refuses, and creates no data file.
	if code, out := run("learning", "--config", path, "--reset"); code == 0 || !strings.Contains(out, "no data file") {
		t.Errorf("reset without a data file: %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "entrepairs.db")); err == nil {
		t.Error("reset created a data file")
	}

	key, err := store.LoadOrCreateKey(filepath.Join(dir, "data", "entrepairs.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "data", "entrepairs.db"), store.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	lesson := moderation.Lesson{1: {Delta: 0.2, Count: 1}, 2: {Delta: 0.2, Count: 1}}
	for range 3 {
		if _, err := st.Learn(lesson); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	for _, cmd := range []string{"check", "learning"} {
		if code, out := run(cmd, "--config", path); code != 0 || !strings.Contains(out, "learning: 3 decision(s) learned, 2 cell(s) in force") {
			t.Errorf("%s: %d %s", cmd, code, out)
		}
	}
	if code, out := run("learning", "--config", path, "--reset"); code != 0 || !strings.Contains(out, "reset") {
		t.Fatalf("reset: %d %s", code, out)
	}
	if code, out := run("learning", "--config", path); code != 0 || !strings.Contains(out, "0 decision(s) learned") {
		t.Errorf("after reset: %d %s", code, out)
	}
}
