package bot

// Helpers about the update being handled and the people and groups in it,
// used by every part of the bot.

import (
	"strings"

	tele "gopkg.in/telebot.v3"
)

// senderID is the id of the person behind the update, 0 when there is none
// (a channel post): for logs.
func senderID(c tele.Context) int64 {
	if c.Sender() == nil {
		return 0
	}
	return c.Sender().ID
}

// lang is the language to answer the person behind this update in.
func (b *Bot) lang(c tele.Context) string {
	code := ""
	if s := c.Sender(); s != nil {
		code = s.LanguageCode
	}
	return b.texts.Pick(code, b.cfg.Language)
}

// onStaleButton answers a button the bot cannot match: from an old version,
// already purged, or forged.
func (b *Bot) onStaleButton(c tele.Context) error {
	b.log.Info("unknown or stale button", "update_id", c.Update().ID, "user_id", senderID(c))
	return b.toast(c, b.texts.T(b.lang(c), "button.stale", nil))
}

// displayName is how a person appears on cards: their Telegram name, which
// in these groups is a pseudonym.
func displayName(u *tele.User) string {
	if u == nil {
		return ""
	}
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = u.Username
	}
	return name
}

// groupName is how a served group is named to readers: its configured name,
// or a generic "the group" in the bot's language.
func (b *Bot) groupName(id int64) string {
	if g, ok := b.cfg.Group(id); ok && g.Name != "" {
		return g.Name
	}
	return b.texts.T(b.cfg.Language, "group_fallback", nil)
}
