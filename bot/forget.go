package bot

import (
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/review"
)

// Button kind of /oubli's confirmation.
const btnForget = "forget"

// onForget answers /oubli (alias /forget) in private: what will be erased,
// what stays and why, and a confirmation button.
func (b *Bot) onForget(c tele.Context) error {
	if c.Chat().Type != tele.ChatPrivate || c.Sender() == nil {
		return nil
	}
	lang := b.lang(c)
	markup := &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{
		{{Text: b.texts.T(lang, "forget.btn_confirm", nil), Unique: btnForget, Data: "yes"}},
		{{Text: b.texts.T(lang, "forget.btn_cancel", nil), Unique: btnForget, Data: "no"}},
	}}
	return b.owe(c, outbox.Normal, c.Chat().ID, b.texts.T(lang, "forget.explain", nil), markup)
}

// onForgetButton erases, after confirmation, what the bot keeps about the
// person who taps (never anyone else: the id comes from Telegram, not from
// the button).
func (b *Bot) onForgetButton(c tele.Context) error {
	who := c.Sender()
	msg := c.Callback().Message
	if who == nil || msg == nil || c.Chat().Type != tele.ChatPrivate {
		return b.onStaleButton(c)
	}
	lang := b.lang(c)
	if c.Callback().Data != "yes" {
		_ = b.toast(c, "")
		return b.edit(msg.Chat.ID, msg.ID, b.texts.T(lang, "forget.cancelled", nil), nil)
	}
	e, err := b.forgetMember(who.ID)
	if err != nil {
		_ = b.toast(c, b.texts.T(lang, "error.generic", nil))
		return err
	}
	b.review.mu.Lock()
	b.review.reports.Erase(who.ID)
	b.review.flood.Erase(who.ID)
	b.review.mu.Unlock()
	b.log.Info("member data erased on request", "update_id", c.Update().ID, "admissions", e.Admissions, "flags", e.Flags, "reports", e.Reports, "answers", e.Answers, "kept_for_moderation", e.Kept)
	_ = b.toast(c, "")
	return b.edit(msg.Chat.ID, msg.ID, b.texts.T(lang, "forget.done", nil), nil)
}

// retentionEvery: the retention job runs once a day.
const retentionEvery = 24 * time.Hour

// retain enforces the retention periods stated in the README: decided flags
// and closed requests to join are erased retention_days after they closed.
func (b *Bot) retain(now time.Time) {
	if !b.lastRetention.IsZero() && now.Sub(b.lastRetention) < retentionEvery {
		return
	}
	b.lastRetention = now
	retention := time.Duration(b.cfg.RetentionDays) * 24 * time.Hour
	b.retainCards(now, retention)
	flags, err := b.st.PurgeFlags(func(f *review.Flag) bool { return f.Expired(now, retention) })
	if err != nil {
		b.log.Error("retention: flags", "err", err)
	}
	adms, err := b.st.PurgeAdmissions(now.Add(-retention))
	if err != nil {
		b.log.Error("retention: admissions", "err", err)
	}
	updates, err := b.st.PruneHandled(now.Add(-handledMemory))
	if err != nil {
		b.log.Error("retention: handled updates", "err", err)
	}
	b.log.Info("retention job done", "flags_erased", flags, "admissions_erased", adms, "update_ids_forgotten", updates)
}
