package bot

import (
	tele "gopkg.in/telebot.v3"
)

// onMyChatMember hears changes of the bot's own membership. Added to a
// group or channel it was not configured for, the bot leaves at once: it
// serves its groups and nothing else, and someone adding it elsewhere (by
// mistake, or to use it against another group) should find it gone. In a
// served chat the change is only logged, since losing admin rights there
// is something the admins need to see.
func (b *Bot) onMyChatMember(c tele.Context) error {
	u := c.Update().MyChatMember
	if u == nil || u.Chat == nil || u.NewChatMember == nil || u.Chat.Type == tele.ChatPrivate {
		return nil
	}
	chat := u.Chat
	status := u.NewChatMember.Role
	_, served := b.cfg.Group(chat.ID)
	if served || chat.ID == b.cfg.Moderation.ChatID {
		b.log.Info("bot status changed in a served chat", "update_id", c.Update().ID, "chat_id", chat.ID, "status", status)
		return nil
	}
	in := status == tele.Administrator || status == tele.Member || status == tele.Creator ||
		(status == tele.Restricted && u.NewChatMember.Member)
	if !in {
		return nil
	}
	b.log.Warn("added to a chat the bot is not configured for: leaving it",
		"update_id", c.Update().ID, "chat_id", chat.ID, "chat_type", chat.Type, "by", senderID(c))
	if err := b.admin("leaveChat", chat.ID, func() error { return b.tb.Leave(chat) }); err != nil {
		b.log.Error("could not leave an unconfigured chat", "update_id", c.Update().ID, "chat_id", chat.ID, "err", err)
	}
	return nil
}
