package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"regexp"
	"strconv"
	"time"

	tele "gopkg.in/telebot.v3"
)

// ClassifyTelegram is the default Options.Classify: it reads the errors
// telebot v3 returns and says whether trying the same call again can help,
// and after how long Telegram asked us to wait.
//
// This is the only place the package looks at telebot, so that the
// scheduler can be tested with plain errors and the bot can wrap this
// function when it knows better (for example that "message is not modified"
// is a success).
//
//   - tele.FloodError (429 with parameters.retry_after): retry after
//     RetryAfter seconds.
//   - A 429 without retry_after: retry, with backoff; the seconds are taken
//     from the "retry after N" in the description when present.
//   - 5xx, whether telebot made it a *tele.Error (descriptions it knows) or a
//     plain "telegram: <description> (<code>)" error (those it does not):
//     retry with backoff.
//   - Any other Telegram code (400, 403, 404...): final. Telegram has decided;
//     asking again would get the same answer, or worse, a second message.
//   - Timeouts, network errors, a reply cut short (io.ErrUnexpectedEOF,
//     io.EOF) and replies that are not JSON (telebot reports those as JSON
//     syntax errors; a proxy's HTML error page looks like that): retry with
//     backoff. Such a call may have reached Telegram, so a retried
//     sendMessage can, rarely, arrive twice; losing a charter is worse.
//   - context.Canceled: final (someone stopped waiting for it).
//   - Anything else: final, because an error we do not understand is more
//     likely to be ours than Telegram's.
func ClassifyTelegram(err error) (retryAfter time.Duration, retry bool) {
	if err == nil || errors.Is(err, context.Canceled) {
		return 0, false
	}

	var flood tele.FloodError
	if errors.As(err, &flood) {
		return seconds(flood.RetryAfter), true
	}
	var floodPtr *tele.FloodError
	if errors.As(err, &floodPtr) && floodPtr != nil {
		return seconds(floodPtr.RetryAfter), true
	}

	var apiErr *tele.Error
	if errors.As(err, &apiErr) && apiErr != nil {
		return byCode(apiErr.Code, apiErr.Description)
	}
	// telebot turns descriptions it has no variable for into a plain
	// fmt.Errorf("telegram: %s (%d)"), so the code is only in the text.
	if m := plainTelegramError.FindStringSubmatch(err.Error()); m != nil {
		code, _ := strconv.Atoi(m[2])
		return byCode(code, m[1])
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

var (
	plainTelegramError = regexp.MustCompile(`telegram: (.*) \((\d{3})\)$`)
	retryAfterText     = regexp.MustCompile(`retry after (\d+)`)
)

func byCode(code int, description string) (time.Duration, bool) {
	switch {
	case code == 429:
		if m := retryAfterText.FindStringSubmatch(description); m != nil {
			n, _ := strconv.Atoi(m[1])
			return seconds(n), true
		}
		return 0, true
	case code >= 500:
		return 0, true
	default:
		return 0, false
	}
}

// seconds converts Telegram's retry_after; a missing or zero value means
// "retry with backoff", which the zero duration already says.
func seconds(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
