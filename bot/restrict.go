package bot

import (
	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/stats"
	"github.com/entrepairs/entrepairs/store"
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
	// The admission, the newcomer's muting and the notice that leads to
	// the charter, in one transaction; the notice's message id is recorded
	// once it is sent, for its removal after notice_ttl.
	lang := b.texts.Pick(user.LanguageCode, b.cfg.Language)
	var a *admission.Admission
	var created bool
	err := b.write(func(tx *store.Tx) error {
		var err error
		a, created, err = tx.OpenAdmission(admission.Admission{
			GroupID: g.ChatID, GroupTitle: chat.Title, UserID: user.ID, Mode: admission.ByRestriction,
			Name: displayName(user), Username: user.Username, Language: user.LanguageCode,
			RequestedAt: b.now(), State: admission.Pending,
		})
		if err != nil {
			return err
		}
		if !created && (a.NoticeMessageID != 0 || a.NoticeDeleteAt.After(b.now())) {
			return nil // its notice is up, or owed
		}
		if err := b.oweIn(tx, c, outbox.Effects, chat.ID, owedMessage{Op: opRestrict, User: user.ID}); err != nil {
			return err
		}
		markup := &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{{
			{Text: b.texts.T(lang, "restrict.notice_button", nil), URL: b.deepLink(startCharter + a.ID)},
		}}}
		notice := owedMessage{
			Text: b.texts.T(lang, "restrict.notice", map[string]any{"Name": displayName(user)}), Markup: markup,
			Then: &followUp{Kind: thenNotice, ID: a.ID},
		}
		if err := b.oweIn(tx, c, outbox.Normal, chat.ID, notice); err != nil {
			return err
		}
		_, err = tx.UpdateAdmission(a.ID, func(x *admission.Admission) error {
			x.NoticeDeleteAt = b.now().Add(g.NoticeTTL)
			return nil
		})
		return err
	})
	if err != nil {
		b.log.Error("open admission", "update_id", c.Update().ID, "err", err)
		return
	}
	if created {
		b.count(stats.JoinRequests)
	}
}
