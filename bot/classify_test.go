package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/secret"
)

const testToken = "123456:secret-token"

const okMessage = `{"ok":true,"result":{"message_id":7,"date":0,"chat":{"id":42,"type":"private"}}}`

// reply answers one Bot API request the way Telegram (or what stands in
// front of it) does.
func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// sendThrough makes one sendMessage with the real telebot client against h
// and returns telebot's error.
func sendThrough(t *testing.T, h http.HandlerFunc, timeout time.Duration, closed bool) error {
	t.Helper()
	srv := httptest.NewServer(h)
	if closed {
		srv.Close()
	} else {
		defer srv.Close()
	}
	b, err := tele.NewBot(tele.Settings{
		URL:     srv.URL,
		Token:   testToken,
		Offline: true,
		Client:  &http.Client{Timeout: timeout},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Send(tele.ChatID(42), "hello")
	return err
}

// These tests moved here from package outbox with classifyTelegram: they
// run the real telebot client against a local server and read its errors.

func TestClassifyTelegramReadsTelebotErrors(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		timeout   time.Duration
		closed    bool
		wantRetry bool
		wantAfter time.Duration
	}{
		{name: "429 with retry_after is a FloodError",
			handler:   reply(429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`),
			wantRetry: true, wantAfter: 3 * time.Second},
		{name: "429 without parameters: seconds read from the description",
			handler:   reply(429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 2"}`),
			wantRetry: true, wantAfter: 2 * time.Second},
		{name: "500 telebot knows",
			handler:   reply(500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`),
			wantRetry: true},
		{name: "502 telebot does not know",
			handler:   reply(502, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`),
			wantRetry: true},
		{name: "proxy error page instead of JSON",
			handler:   reply(502, `<html><body>502 Bad Gateway</body></html>`),
			wantRetry: true},
		{name: "reply cut short",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "500")
				io.WriteString(w, `{"ok":true,"res`)
			},
			wantRetry: true},
		{name: "timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body) // then the server notices the client leave
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
			timeout: 50 * time.Millisecond, wantRetry: true},
		{name: "connection refused", handler: reply(200, okMessage), closed: true, wantRetry: true},
		{name: "400 chat not found is final",
			handler: reply(400, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`)},
		{name: "400 telebot does not know is final",
			handler: reply(400, `{"ok":false,"error_code":400,"description":"Bad Request: something new"}`)},
		{name: "403 blocked by the user is final",
			handler: reply(403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			err := sendThrough(t, tt.handler, timeout, tt.closed)
			if err == nil {
				t.Fatal("telebot returned no error")
			}
			after, retry := classifyTelegram(err)
			if retry != tt.wantRetry || after != tt.wantAfter {
				t.Errorf("classifyTelegram(%v) = %v, %v; want %v, %v", err, after, retry, tt.wantAfter, tt.wantRetry)
			}
			if line := secret.Mask(err.Error(), ""); strings.Contains(line, "secret-token") {
				t.Errorf("token in the log line: %s", line)
			}
		})
	}
}

func TestClassifyTelegramPlainErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantRetry bool
	}{
		{name: "nil", err: nil},
		{name: "caller cancelled", err: fmt.Errorf("send: %w", context.Canceled)},
		{name: "deadline", err: fmt.Errorf("send: %w", context.DeadlineExceeded), wantRetry: true},
		{name: "unexpected EOF", err: fmt.Errorf("telebot: %w", io.ErrUnexpectedEOF), wantRetry: true},
		{name: "wrapped plain telegram 503", err: fmt.Errorf("card: %w", errors.New("telegram: Service Unavailable (503)")), wantRetry: true},
		{name: "our own error", err: errors.New("telebot: unsupported what argument")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, retry := classifyTelegram(tt.err); retry != tt.wantRetry {
				t.Errorf("retry = %v, want %v", retry, tt.wantRetry)
			}
		})
	}
}

// TestTelebotFloodEndToEnd proves that the bot's Classify reads the
// FloodError the real telebot client makes of Telegram's 429: the outbox
// waits, retries, and the caller gets the message.
func TestTelebotFloodEndToEnd(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/sendMessage") {
			http.NotFound(w, r)
			return
		}
		if requests.Add(1) == 1 {
			reply(429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)(w, r)
			return
		}
		reply(200, okMessage)(w, r)
	}))
	defer srv.Close()
	b, err := tele.NewBot(tele.Settings{URL: srv.URL, Token: testToken, Offline: true})
	if err != nil {
		t.Fatal(err)
	}

	o := outbox.New(outbox.Options{Logger: slog.New(slog.DiscardHandler), Classify: classifyTelegram})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- o.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	var messageID int
	began := time.Now()
	err = o.Do(context.Background(), outbox.Call{Chat: 42, Priority: outbox.Charter, Kind: outbox.Message, Name: "sendMessage",
		Do: func(context.Context) error {
			msg, err := b.Send(tele.ChatID(42), "welcome")
			if err == nil {
				messageID = msg.ID
			}
			return err
		}})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if messageID != 7 || requests.Load() != 2 {
		t.Errorf("message %d after %d requests, want message 7 after 2", messageID, requests.Load())
	}
	if s := o.Stats(); s.FloodWaits != 1 || s.Retried != 1 || s.Sent != 1 || s.Dropped != 0 {
		t.Errorf("stats %+v, want 1 flood wait, 1 retry, 1 sent", s)
	}
	if elapsed := time.Since(began); elapsed < time.Second {
		t.Errorf("retried after %v, before Telegram's retry_after of 1s", elapsed)
	}
}
