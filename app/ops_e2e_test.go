package app

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestHealthEndpoint(t *testing.T) {
	addr := freeAddr(t)
	t.Setenv("ENTREPAIRS_HEALTH_LISTEN", addr)
	h := newHarness(t)
	deadline := time.Now().Add(waitFor)
	var code int
	for time.Now().Before(deadline) {
		var out, errOut bytes.Buffer
		if code = cli(t, []string{"health", "--config", h.cfgPath}, nil, &out, &errOut); code == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != 0 {
		t.Fatalf("health never answered ok")
	}
	// Long silence from Telegram: unhealthy.
	h.api.FailNext("getUpdates", 1000, emulator.Fault{Code: 502, Status: 502, Body: "<html>bad gateway</html>"})
	h.clock.Advance(10 * time.Minute)
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz after 10 minutes without Telegram: %d %s", resp.StatusCode, body)
	}
}

func TestWebhookMode(t *testing.T) {
	addr := freeAddr(t)
	t.Setenv("ENTREPAIRS_TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram")
	t.Setenv("ENTREPAIRS_TELEGRAM_WEBHOOK_LISTEN", addr)
	t.Setenv("ENTREPAIRS_TELEGRAM_WEBHOOK_SECRET_TOKEN", "webhook-secret-for-tests-123")
	h := newHarness(t)
	set := h.api.WaitCall(t, waitFor, "setWebhook", nil)
	if set.String("url") != "https://bot.example.org/telegram" || set.String("secret_token") != "webhook-secret-for-tests-123" {
		t.Errorf("setWebhook %v", set.Raw)
	}
	post := func(secret string, u tele.Update) int {
		t.Helper()
		data := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":%d,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"first_name":"Lou","language_code":"fr"},"text":"/urgence"}}`,
			u.ID, h.clock.Now().Unix(), u.Message.Chat.ID, u.Message.Chat.ID)
		var resp *http.Response
		var err error
		for i := 0; i < 100; i++ {
			req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/telegram", strings.NewReader(data))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			if resp, err = http.DefaultClient.Do(req); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	lou := &tele.Update{ID: 77001, Message: &tele.Message{Chat: &tele.Chat{ID: 4242}}}
	if code := post("wrong-secret", *lou); code != http.StatusUnauthorized {
		t.Errorf("wrong secret answered %d", code)
	}
	if code := post("webhook-secret-for-tests-123", *lou); code != http.StatusOK {
		t.Fatalf("webhook answered %d", code)
	}
	h.botMessage(4242, "112")
	if n := h.api.CallCount("getUpdates"); n != 0 {
		t.Errorf("%d getUpdates calls in webhook mode", n)
	}
	if strings.Contains(h.logs.String(), "webhook-secret-for-tests-123") {
		t.Error("the webhook secret reached the log")
	}
}

func TestReadableConfigWithTokenWarns(t *testing.T) {
	h := newHarness(t)
	h.stop()
	if err := os.Chmod(h.cfgPath, 0o644); err != nil {
		t.Fatal(err)
	}
	h.start()
	if !strings.Contains(h.logs.String(), "other users can read it") {
		t.Error("no warning for a world-readable config file holding the token")
	}
	fi, err := os.Stat(filepath.Join(h.dir, "data", "bot.db"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("data file mode %v %v", fi.Mode().Perm(), err)
	}
	di, _ := os.Stat(filepath.Join(h.dir, "data"))
	if di.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v", di.Mode().Perm())
	}
}
