package bot

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
)

// Every message the bot writes goes through these few functions, so that
// formatting, link previews and error handling are decided in one place.

// send posts an HTML text to a chat.
func (b *Bot) send(chatID int64, text string, opts ...any) (*tele.Message, error) {
	return b.sendAs(b.priorityFor(chatID), chatID, text, opts...)
}

// sendPrivate writes to a person. Telegram refuses (403) when the person
// never opened a chat with the bot or blocked it: that is logged and is not
// an error for the caller, which carries on.
func (b *Bot) sendPrivate(chatID int64, text string, opts ...any) (*tele.Message, bool) {
	return b.sendPrivateAs(outbox.Normal, chatID, text, opts...)
}

// sendPrivateAs is sendPrivate with an explicit priority (charters to join
// requesters go first: Telegram's window to write to them is short).
func (b *Bot) sendPrivateAs(prio outbox.Priority, chatID int64, text string, opts ...any) (*tele.Message, bool) {
	msg, err := b.sendAs(prio, chatID, text, opts...)
	if err != nil {
		if isForbidden(err) {
			b.log.Info("private message refused by telegram", "chat_id", chatID, "err", err)
		} else {
			b.log.Warn("private message failed", "chat_id", chatID, "err", err)
		}
		return nil, false
	}
	return msg, true
}

// edit replaces the text (and buttons) of a message the bot sent.
func (b *Bot) edit(chatID int64, msgID int, text string, markup *tele.ReplyMarkup) error {
	opts := []any{tele.ModeHTML, tele.NoPreview}
	if markup != nil {
		opts = append(opts, markup)
	}
	err := b.tg("editMessageText", chatID, outbox.Edit, b.priorityFor(chatID), func() error {
		_, err := b.tb.Edit(tele.StoredMessage{ChatID: chatID, MessageID: strconv.Itoa(msgID)}, text, opts...)
		return err
	})
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil
	}
	return b.scrub(err)
}

// remove deletes a message; one already gone is not an error.
func (b *Bot) remove(chatID int64, msgID int) error {
	err := b.tg("deleteMessage", chatID, outbox.Edit, b.priorityFor(chatID), func() error {
		return b.tb.Delete(tele.StoredMessage{ChatID: chatID, MessageID: strconv.Itoa(msgID)})
	})
	if err != nil && strings.Contains(err.Error(), "message to delete not found") {
		return nil
	}
	return b.scrub(err)
}

// toast answers a button tap with a short notice only the tapper sees.
func (b *Bot) toast(c tele.Context, text string) error {
	if c.Callback() == nil {
		return nil
	}
	return b.tg("answerCallbackQuery", 0, outbox.Answer, outbox.Moderators, func() error {
		return c.Respond(&tele.CallbackResponse{Text: text})
	})
}

func isForbidden(err error) bool {
	var apiErr *tele.Error
	if errors.As(err, &apiErr) {
		return apiErr.Code == 403
	}
	return strings.Contains(err.Error(), "(403)") || strings.Contains(err.Error(), "Forbidden")
}

// permanent reports whether retrying a call cannot help (Telegram said no
// for a reason of its own, such as a request already handled elsewhere).
func permanent(err error) bool {
	var apiErr *tele.Error
	if errors.As(err, &apiErr) {
		return apiErr.Code == 400 || apiErr.Code == 403
	}
	msg := err.Error()
	return strings.Contains(msg, "(400)") || strings.Contains(msg, "(403)")
}

// deepLink opens the private chat with the bot and sends /start payload
// when the person taps Start: the only way a bot can be sure to be able to
// write to someone later.
func (b *Bot) deepLink(payload string) string {
	return "https://t.me/" + url.PathEscape(b.Username()) + "?start=" + url.QueryEscape(payload)
}

// when formats a moment for a reader in lang, in the configured time zone.
func (b *Bot) when(t time.Time, lang string) string {
	loc := b.cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(b.texts.T(lang, "time_layout", nil))
}

// messageLink points to a message of a supergroup, for moderators who are
// members of it. Basic groups have no links: "" then.
func messageLink(chatID int64, msgID int) string {
	s := strconv.FormatInt(chatID, 10)
	if !strings.HasPrefix(s, "-100") || msgID == 0 {
		return ""
	}
	return fmt.Sprintf("https://t.me/c/%s/%d", strings.TrimPrefix(s, "-100"), msgID)
}
