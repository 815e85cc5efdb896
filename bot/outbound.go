package bot

import (
	"context"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
)

// callTimeout bounds how long a handler waits for one Telegram call,
// pacing and retries included.
const callTimeout = 2 * time.Minute

// tg makes one Bot API call through the outbox: paced to Telegram's limits,
// ordered by priority, retried when Telegram or the network fails for a
// passing reason. Every call the bot makes goes through here.
func (b *Bot) tg(name string, chat int64, kind outbox.Kind, prio outbox.Priority, call func() error) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	err := b.scrub(b.out.Do(ctx, outbox.Call{
		Chat: chat, Kind: kind, Priority: prio, Name: name,
		Do: func(context.Context) error { return call() },
	}))
	if err != nil && kind == outbox.Message && malformed(err) {
		// Dropped, never retried: the caller logs it with its update id.
		b.count(SendsRefused)
	}
	return err
}

// priorityFor: cards and reminders for the moderators come before the
// rest; charters to join requesters are sent with outbox.Charter by
// offerCharter itself.
func (b *Bot) priorityFor(chat int64) outbox.Priority {
	if chat == b.cfg.Moderation.ChatID {
		return outbox.Moderators
	}
	return outbox.Normal
}

// sendAs posts an HTML text with an explicit priority.
func (b *Bot) sendAs(prio outbox.Priority, chatID int64, text string, opts ...any) (*tele.Message, error) {
	all := append([]any{tele.ModeHTML, tele.NoPreview}, opts...)
	var msg *tele.Message
	err := b.tg("sendMessage", chatID, outbox.Message, prio, func() error {
		m, err := b.tb.Send(tele.ChatID(chatID), text, all...)
		msg = m
		return err
	})
	return msg, err
}

// answer writes in the chat an update came from. The message is owed
// (outbox_durable.go): recorded with the update, sent after, never waited
// for.
func (b *Bot) answer(c tele.Context, text string) error {
	return b.owe(c, b.priorityFor(c.Chat().ID), c.Chat().ID, text, nil)
}

// setButtons removes or replaces the buttons of a message.
func (b *Bot) setButtons(msg tele.Editable, chat int64, markup *tele.ReplyMarkup) error {
	return b.tg("editMessageReplyMarkup", chat, outbox.Edit, b.priorityFor(chat), func() error {
		_, err := b.tb.EditReplyMarkup(msg, markup)
		return err
	})
}

// admin makes a member or chat action (approve, ban, restrict, leave,
// commands menu); these count as edits, not messages, for pacing.
func (b *Bot) admin(name string, chat int64, call func() error) error {
	return b.tg(name, chat, outbox.Edit, outbox.Effects, call)
}
