package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/secret"
)

// apiReply is Telegram's envelope.
type apiReply struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call is a context-aware Bot API call. telebot's Raw cannot be cancelled
// by a context and accepts a malformed reply as success; long polling needs
// both, so polling and identification use this.
func (b *Bot) call(ctx context.Context, client *http.Client, method string, params any) (json.RawMessage, error) {
	body, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	url := strings.TrimRight(b.cfg.Telegram.APIURL, "/") + "/bot" + b.cfg.Telegram.Token + "/" + method
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, b.scrub(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, b.scrub(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, b.scrub(err)
	}
	var r apiReply
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: malformed reply (HTTP %d): %w", method, resp.StatusCode, err)
	}
	if !r.OK {
		apiErr := tele.NewError(r.ErrorCode, r.Description)
		if r.ErrorCode == http.StatusTooManyRequests && r.Parameters.RetryAfter > 0 {
			return nil, floodError{apiErr: apiErr, retryAfter: r.Parameters.RetryAfter}
		}
		return nil, fmt.Errorf("%s: %w", method, apiErr)
	}
	return r.Result, nil
}

// floodError is a 429 with retry_after. It stands in for tele.FloodError,
// which cannot be built outside telebot with its message: a
// tele.FloodError{RetryAfter: n} made here panics (nil pointer) as soon as
// anything prints it, and the poll loop logs it. errors.As still finds a
// tele.FloodError in it, carrying RetryAfter.
type floodError struct {
	apiErr     *tele.Error
	retryAfter int
}

func (e floodError) Error() string { return e.apiErr.Error() }

func (e floodError) Unwrap() error { return e.apiErr }

// As fills a *tele.FloodError target; only its RetryAfter is meaningful.
func (e floodError) As(target any) bool {
	if t, ok := target.(*tele.FloodError); ok {
		*t = tele.FloodError{RetryAfter: e.retryAfter}
		return true
	}
	return false
}

// scrub removes the token from an error: net/http errors quote the URL,
// and the URL holds the token. An error with nothing to hide is returned as
// it is, so that errors.As still finds telebot's error in it.
func (b *Bot) scrub(err error) error {
	if err == nil {
		return err
	}
	msg := err.Error()
	masked := secret.Mask(msg, "", b.cfg.Telegram.Token)
	if masked == msg {
		return err
	}
	return errors.New(masked)
}

func (b *Bot) getMe(ctx context.Context) (*tele.User, error) {
	raw, err := b.call(ctx, b.api, "getMe", struct{}{})
	if err != nil {
		return nil, err
	}
	var me tele.User
	if err := json.Unmarshal(raw, &me); err != nil {
		return nil, fmt.Errorf("getMe: %w", err)
	}
	return &me, nil
}

// getUpdates long-polls. An update that does not decode is logged and
// skipped (its id still advances the offset), so one strange update cannot
// stall the bot.
func (b *Bot) getUpdates(ctx context.Context, offset int) ([]tele.Update, error) {
	params := map[string]any{
		"offset":          offset,
		"timeout":         int(b.cfg.Telegram.PollTimeout.Seconds()),
		"allowed_updates": AllowedUpdates,
	}
	raw, err := b.call(ctx, b.poll, "getUpdates", params)
	if err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("getUpdates: malformed result: %w", err)
	}
	ups := make([]tele.Update, 0, len(items))
	for _, item := range items {
		var u tele.Update
		if err := json.Unmarshal(item, &u); err != nil {
			var id struct {
				ID int `json:"update_id"`
			}
			_ = json.Unmarshal(item, &id)
			b.log.Warn("undecodable update skipped", "update_id", id.ID, "err", err)
			if id.ID != 0 {
				ups = append(ups, tele.Update{ID: id.ID})
			}
			continue
		}
		ups = append(ups, u)
	}
	return ups, nil
}
