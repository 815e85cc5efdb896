package bot

// Review actions: the moderators' taps on cards and digests, and carrying
// their decisions out on Telegram.

import (
	"errors"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/stats"
	"github.com/entrepairs/entrepairs/store"
)

// onFlagAction handles a moderator's tap on a card or a digest line.
func (b *Bot) onFlagAction(c tele.Context) error {
	id, letter, ok := dataPair(c.Callback().Data)
	action, known := review.ParseAction(letter)
	if !ok || !known {
		return b.onStaleButton(c)
	}
	who := c.Sender()
	if who == nil || !b.cfg.IsModerator(who.ID) {
		b.log.Warn("review action refused: not a moderator", "update_id", c.Update().ID, "user_id", senderID(c))
		return b.toast(c, b.texts.T(b.lang(c), "mod.not_allowed", nil))
	}
	lang := b.cfg.Language
	defer b.lock(id)()
	f, err := b.st.UpdateFlag(id, func(f *review.Flag) error {
		return f.Decide(action, who.ID, displayName(who), b.now())
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return b.onStaleButton(c)
	case errors.Is(err, review.ErrAlreadyDecided):
		return b.toast(c, b.texts.T(lang, "mod.already_decided", map[string]any{"By": f.DecidedByName}))
	case err != nil:
		_ = b.toast(c, b.texts.T(lang, "error.generic", nil))
		return err
	}
	b.log.Info("flag decided", "update_id", c.Update().ID, "flag", f.ID, "action", action, "by", who.ID)
	b.count(stats.Decided(string(action)))
	_ = b.toast(c, b.texts.T(lang, "mod.decision_recorded", nil))
	b.learn(f)
	b.applyFlag(f)
	b.refreshFlag(f)
	return nil
}

// onDigestAction applies one action to every undecided flag of a digest.
func (b *Bot) onDigestAction(c tele.Context) error {
	id, letter, ok := dataPair(c.Callback().Data)
	action, known := review.ParseAction(letter)
	if !ok || !known || action == review.Warn {
		return b.onStaleButton(c)
	}
	who := c.Sender()
	if who == nil || !b.cfg.IsModerator(who.ID) {
		b.log.Warn("review action refused: not a moderator", "update_id", c.Update().ID, "user_id", senderID(c))
		return b.toast(c, b.texts.T(b.lang(c), "mod.not_allowed", nil))
	}
	d, err := b.st.Digest(id)
	if err != nil {
		return b.onStaleButton(c)
	}
	if d.Kind == review.FloodDigest && action == review.Ignore {
		return b.setFloodAside(c, d, who)
	}
	done := 0
	for _, fid := range d.FlagIDs {
		unlock := b.lock(fid)
		f, err := b.st.UpdateFlag(fid, func(f *review.Flag) error {
			if f.Decided() {
				return review.ErrAlreadyDecided
			}
			return f.Decide(action, who.ID, displayName(who), b.now())
		})
		if err == nil {
			b.count(stats.Decided(string(action)))
			b.learn(f)
			b.applyFlag(f)
			done++
		}
		unlock()
	}
	b.log.Info("digest decided", "update_id", c.Update().ID, "digest", id, "action", action, "flags", done, "by", who.ID)
	_ = b.toast(c, b.texts.T(b.cfg.Language, "review.bulk_done", map[string]any{"N": done}))
	b.refreshDigest(d.ID)
	return nil
}

// applyFlag carries a decision out on Telegram. The caller holds the flag's
// lock. A step Telegram refuses for good is noted on the card; a transient
// failure is left for the sweep.
func (b *Bot) applyFlag(f *review.Flag) {
	if f.Applied || !f.Decided() {
		return
	}
	now := b.now()
	note := ""
	deleteMsg := func() error {
		if f.AutoDeleted || f.MessageID == 0 {
			return nil
		}
		if !f.Deletable(now) {
			note = b.texts.T(b.cfg.Language, "review.note_too_old", nil)
			return nil
		}
		return b.remove(f.GroupID, f.MessageID)
	}
	var err error
	warnings := f.Warnings
	switch f.Action {
	case review.Delete:
		err = deleteMsg()
	case review.Warn:
		if err = deleteMsg(); err == nil || permanent(err) {
			warnings, err = b.st.AddWarning(f.UserID, now)
			if err == nil {
				lang := b.texts.Pick(f.AuthorLanguage, b.cfg.Language)
				b.sendPrivate(f.UserID, b.texts.T(lang, "review.warned_member", map[string]any{"Group": b.groupName(f.GroupID)}))
			}
		}
	case review.Ban:
		err = b.admin("banChatMember", f.GroupID, func() error {
			return b.tb.Ban(&tele.Chat{ID: f.GroupID}, &tele.ChatMember{User: &tele.User{ID: f.UserID}})
		})
		if err == nil || permanent(err) {
			if berr := b.st.AddBan(f.UserID, now); berr != nil {
				b.log.Error("record ban", "flag", f.ID, "err", berr)
			}
			if derr := deleteMsg(); derr != nil && !permanent(derr) {
				b.log.Warn("delete after ban", "flag", f.ID, "err", derr)
			}
		}
	}
	if err != nil && !permanent(err) {
		b.log.Warn("review action not applied yet, will retry", "flag", f.ID, "err", err)
		return
	}
	if err != nil {
		note = telegramReason(err)
	}
	updated, uerr := b.st.UpdateFlag(f.ID, func(x *review.Flag) error {
		x.Applied, x.Note, x.Warnings = true, note, warnings
		return nil
	})
	if uerr != nil {
		b.log.Error("record applied action", "flag", f.ID, "err", uerr)
		return
	}
	*f = *updated
}
