package bot

import (
	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
)

// moderatorAsks reports whether a moderators' command (/attente, /stats)
// may be answered: only for a person listed under moderation.moderators,
// in the moderators' chat or in private. Being in the moderators' chat is
// not enough: a chat's members change without the configuration knowing,
// and these commands show who waits and how the groups are doing.
//
// When it says no, it has already told the person in private (a member
// who typed it in the moderators' chat learns nothing there) or said
// nothing (in a members' group, where the command was a slip).
func (b *Bot) moderatorAsks(c tele.Context) bool {
	who := c.Sender()
	isMod := who != nil && b.cfg.IsModerator(who.ID)
	chat := c.Chat()
	inModChat := chat.ID == b.cfg.Moderation.ChatID
	if isMod && (inModChat || chat.Type == tele.ChatPrivate) {
		return true
	}
	switch {
	case chat.Type == tele.ChatPrivate:
		_ = b.answer(c, b.texts.T(b.lang(c), "mod.only", nil))
	case inModChat && who != nil:
		b.log.Info("moderators' command from someone not listed as a moderator", "update_id", c.Update().ID, "user_id", who.ID)
		_ = b.oweOp(c, outbox.Normal, who.ID, owedMessage{Text: b.texts.T(b.lang(c), "mod.only", nil)})
	}
	return false
}
