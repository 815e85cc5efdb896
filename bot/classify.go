package bot

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
)

// classifyTelegram is the bot's outbox.Options.Classify: it reads the errors
// telebot v3 returns and says whether trying the same call again can help,
// and after how long Telegram asked us to wait. It lives here, not in
// outbox, because reading telebot's errors is the Telegram adapter's job:
// the outbox's scheduler is tested with plain errors.
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
//   - Anything else (timeouts, network errors, replies cut short or not
//     JSON, context.Canceled, errors of our own) as outbox.ClassifyTransport
//     says.
func classifyTelegram(err error) (retryAfter time.Duration, retry bool) {
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
	return outbox.ClassifyTransport(err)
}

var (
	plainTelegramError = regexp.MustCompile(`telegram: (.*) \((\d{3})\)$`)
	retryAfterText     = regexp.MustCompile(`retry after (\d+)`)
)

// byCode sorts a Bot API error code, as classifyTelegram documents.
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
