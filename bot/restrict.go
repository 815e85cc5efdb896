package bot

import (
	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/stats"
)

// Restrict mode, for groups without join requests: a newcomer is muted at
// once, shown the way to the charter, and freed when a moderator approves.

func (b *Bot) onUserJoined(c tele.Context) error {
	m := c.Message()
	if m == nil || m.UserJoined == nil {
		return nil
	}
	b.arrive(c, m.Chat, m.UserJoined)
	return nil
}

func (b *Bot) onChatMember(c tele.Context) error {
	u := c.ChatMember()
	if u == nil || u.NewChatMember == nil || u.NewChatMember.User == nil || u.Chat == nil {
		return nil
	}
	was := tele.Left
	if u.OldChatMember != nil {
		was = u.OldChatMember.Role
	}
	now := u.NewChatMember.Role
	arrived := (was == tele.Left || was == tele.Kicked) &&
		(now == tele.Member || (now == tele.Restricted && u.NewChatMember.Member))
	if arrived {
		b.arrive(c, u.Chat, u.NewChatMember.User)
	}
	return nil
}

func (b *Bot) arrive(c tele.Context, chat *tele.Chat, user *tele.User) {
	if chat == nil || user == nil || user.IsBot {
		return
	}
	g, ok := b.cfg.Group(chat.ID)
	if !ok || g.Join != string(admission.ByRestriction) {
		return
	}
	if prev, err := b.st.LatestAdmission(g.ChatID, user.ID); err == nil && prev.State == admission.Approved {
		// Approved before and back again: no second gate.
		return
	}
	a, created, err := b.st.OpenAdmission(admission.Admission{
		GroupID: g.ChatID, GroupTitle: chat.Title, UserID: user.ID, Mode: admission.ByRestriction,
		Name: displayName(user), Username: user.Username, Language: user.LanguageCode,
		RequestedAt: b.now(), State: admission.Pending,
	})
	if err != nil {
		b.log.Error("open admission", "update_id", c.Update().ID, "err", err)
		return
	}
	if created {
		b.count(stats.JoinRequests)
	}
	if !created && a.NoticeMessageID != 0 {
		return
	}
	defer b.lock(a.ID)()
	if err := b.admin("restrictChatMember", chat.ID, func() error {
		return b.tb.Restrict(chat, &tele.ChatMember{User: user, Rights: tele.Rights{}})
	}); err != nil {
		b.log.Error("cannot restrict newcomer (is the bot an admin allowed to restrict?)", "update_id", c.Update().ID, "group", chat.ID, "err", err)
	}
	lang := b.texts.Pick(user.LanguageCode, b.cfg.Language)
	markup := &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{{
		{Text: b.texts.T(lang, "restrict.notice_button", nil), URL: b.deepLink(startCharter + a.ID)},
	}}}
	msg, err := b.send(chat.ID, b.texts.T(lang, "restrict.notice", map[string]any{"Name": displayName(user)}), markup)
	if err != nil {
		b.log.Error("post restrict notice", "update_id", c.Update().ID, "err", err)
		return
	}
	ttl := g.NoticeTTL
	_, err = b.st.UpdateAdmission(a.ID, func(x *admission.Admission) error {
		x.NoticeMessageID = msg.ID
		x.NoticeDeleteAt = b.now().Add(ttl)
		return nil
	})
	if err != nil {
		b.log.Error("record restrict notice", "update_id", c.Update().ID, "err", err)
	}
}
