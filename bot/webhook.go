package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	tele "gopkg.in/telebot.v3"
)

// runWebhook receives updates from Telegram over HTTPS (through the admins'
// reverse proxy) instead of long polling. Each update is handled before the
// reply, so Telegram retries one that failed, and the handled-update ledger
// keeps side effects single.
func (b *Bot) runWebhook(ctx context.Context) error {
	wh := b.cfg.Telegram.Webhook
	params := map[string]any{
		"url":             wh.URL,
		"secret_token":    wh.SecretToken,
		"allowed_updates": AllowedUpdates,
	}
	for failures := 1; ; failures++ {
		_, err := b.call(ctx, b.api, "setWebhook", params)
		if err == nil {
			break
		}
		wait := reconnect.Delay(failures)
		b.log.Warn("setWebhook failed", "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return nil
		}
	}
	ln, err := net.Listen("tcp", wh.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: b.WebhookHandler(), ReadHeaderTimeout: 10 * time.Second,
		// Telegram posts small updates and waits for the handler's reply
		// (HandleUpdate records, it does not wait for sends): a client
		// slower than this is not Telegram.
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	b.markContact()
	b.log.Info("webhook listening", "listen", ln.Addr().String())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
		<-done
		return nil
	case err := <-done:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// WebhookHandler accepts updates posted by Telegram. Requests without the
// configured secret are refused: only Telegram knows it.
func (b *Bot) WebhookHandler() http.Handler {
	secret := []byte(b.cfg.Telegram.Webhook.SecretToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if len(secret) == 0 || subtle.ConstantTimeCompare(got, secret) != 1 {
			b.log.Warn("webhook request without the right secret refused", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		data, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		b.markContact()
		var u tele.Update
		if err := json.Unmarshal(data, &u); err != nil {
			// Answer 200 anyway: Telegram would otherwise send the same
			// undecodable update again and again.
			b.log.Warn("undecodable webhook update skipped", "err", err)
			w.WriteHeader(http.StatusOK)
			return
		}
		b.HandleUpdate(u)
		w.WriteHeader(http.StatusOK)
	})
}

func (b *Bot) markContact() { b.lastContact.Store(b.now().UnixNano()) }

// Healthy reports whether the bot is in touch with Telegram: a successful
// poll recently, or a webhook listening.
func (b *Bot) Healthy() bool {
	last := b.lastContact.Load()
	if last == 0 {
		return false
	}
	if b.cfg.Telegram.Webhook.URL != "" {
		return true
	}
	limit := 2*b.cfg.Telegram.PollTimeout + time.Minute
	return b.now().Sub(time.Unix(0, last)) < limit
}
