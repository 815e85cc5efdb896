package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"time"
)

// ClassifyTransport is the default Options.Classify. It knows no Bot API
// client: it sorts the failures of the way to the server, which any HTTP
// client returns alike, and leaves the server's own answers (429 and its
// retry_after, 5xx, 4xx) to the Classify the bot passes, which knows how its
// client reports them (bot.classifyTelegram, for telebot) and falls back to
// this function.
//
//   - Timeouts, network errors, a reply cut short (io.ErrUnexpectedEOF,
//     io.EOF) and replies that are not JSON (a proxy's HTML error page reads
//     as a JSON syntax error): retry with backoff. Such a call may have
//     reached Telegram, so a retried sendMessage can, rarely, arrive twice;
//     losing a charter is worse.
//   - context.Canceled: final (someone stopped waiting for it).
//   - Anything else: final, because an error we do not understand is more
//     likely to be ours than Telegram's.
//
// It never asks for a particular wait: retryAfter is always 0.
func ClassifyTransport(err error) (retryAfter time.Duration, retry bool) {
	if err == nil || errors.Is(err, context.Canceled) {
		return 0, false
	}
	if errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) {
		return 0, true
	}
	var netErr net.Error // *url.Error is one: refused, reset, timed out
	if errors.As(err, &netErr) {
		return 0, true
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return 0, true
	}
	return 0, false
}
