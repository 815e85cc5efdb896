package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/entrepairs/entrepairs/tgfake"
)

// A bot outside the harness, for fuzzing, benchmarks and the crash test:
// the harness needs a *testing.T and a fake clock, these need a
// testing.TB (or none) and the real clock.

// writeBotDir writes, in dir, the shipped charters and resources and a
// configuration like the harness's (same chats and moderators) pointing at
// apiURL. checkins is the YAML of the checkins list ("" for none). It
// returns the configuration's path.
func writeBotDir(tb testing.TB, dir, apiURL, checkins string) string {
	tb.Helper()
	for _, name := range []string{"charter.md", "charter.en.md", "resources.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	if checkins == "" {
		checkins = "checkins: []"
	}
	cfg := fmt.Sprintf(`
telegram:
  token: %q
  api_url: %q
  poll_timeout: 1s
storage:
  path: data/bot.db
timezone: UTC
language: fr
log:
  level: info
moderation:
  chat_id: %d
  moderators: [%d, %d]
  reminder_after: 24h
groups:
  - chat_id: %d
    name: Entraide Paris
    charter: charter.md
    join: request
  - chat_id: %d
    name: Entraide Bruxelles
    charter: charter.md
    join: restrict
    notice_ttl: 5m
    region: BE
%s
checkin_grace: 2h
`, tgfake.Token, apiURL, modChat, mod1.ID, mod2.ID, requestGroup, restrictGrp, checkins)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// logTail collects logs and can be emptied between fuzz inputs.
type logTail struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Take returns what was logged since the last Take and forgets it.
func (l *logTail) Take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.buf.String()
	l.buf.Reset()
	return s
}

// liveBot is the whole program running in this process against a fake
// Telegram, on the real clock.
type liveBot struct {
	api *tgfake.Server
	m   *Main
}

// startLiveBot opens the program on a fresh directory and runs it until
// the test ends; it returns once the bot polls. Logs go to logs (nil:
// discarded).
func startLiveBot(tb testing.TB, logs io.Writer) *liveBot {
	tb.Helper()
	api := tgfake.NewT(tb)
	cfg := writeBotDir(tb, tb.TempDir(), api.URL, "")
	if logs == nil {
		logs = io.Discard
	}
	m := NewMain(cfg)
	m.LogOutput = logs
	if err := m.Open(); err != nil {
		tb.Fatalf("open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("run: %v", err)
			}
		case <-time.After(15 * time.Second):
			tb.Error("bot did not stop")
		}
		if err := m.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	if !api.AwaitCallCount(10*time.Second, "getUpdates", 1) {
		tb.Fatal("the bot never polled")
	}
	return &liveBot{api: api, m: m}
}
