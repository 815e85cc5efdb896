package bot

// Review actions: the moderators' taps on cards and digests, and carrying
// their decisions out on Telegram.

import (
	"errors"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
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
	// The decision and its carrying out (owed: the sender runs applyFlag),
	// in one transaction.
	var f *review.Flag
	err := b.write(func(tx *store.Tx) error {
		var err error
		f, err = tx.UpdateFlag(id, func(f *review.Flag) error {
			return f.Decide(action, who.ID, displayName(who), b.now())
		})
		if err != nil {
			return err
		}
		return b.oweIn(tx, c, outbox.Effects, f.GroupID, owedMessage{Op: opApplyFlag, Ref: f.ID})
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
		var f *review.Flag
		err := b.write(func(tx *store.Tx) error {
			var err error
			f, err = tx.UpdateFlag(fid, func(f *review.Flag) error {
				if f.Decided() {
					return review.ErrAlreadyDecided
				}
				return f.Decide(action, who.ID, displayName(who), b.now())
			})
			if err != nil {
				return err
			}
			return b.oweIn(tx, c, outbox.Effects, f.GroupID, owedMessage{Op: opApplyFlag, Ref: f.ID})
		})
		if err == nil {
			b.count(stats.Decided(string(action)))
			b.learn(f)
			done++
		}
		unlock()
	}
	b.log.Info("digest decided", "update_id", c.Update().ID, "digest", id, "action", action, "flags", done, "by", who.ID)
	_ = b.toast(c, b.texts.T(b.cfg.Language, "review.bulk_done", map[string]any{"N": done}))
	return nil
}

// carryOutFlag carries out the decision recorded on a flag (an owed
// opApplyFlag entry; the sweep for what a crash left unfinished).
func (b *Bot) carryOutFlag(id string) {
	defer b.lock(id)()
	f, err := b.st.Flag(id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			b.log.Error("carry out review decision", "flag", id, "err", err)
		}
		return
	}
	b.applyFlag(f)
}

// applyFlag carries a decision out on Telegram, then records it, in one
// transaction with what it owes: the warned member's notice and the card
// (or digest) showing the decision. The caller holds the flag's lock. A
// step Telegram refuses for good is noted on the card; a transient failure
// is left for the sweep.
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
	warned := false
	switch f.Action {
	case review.Delete:
		err = deleteMsg()
	case review.Warn:
		if err = deleteMsg(); err == nil || permanent(err) {
			warnings, err = b.st.AddWarning(f.UserID, now)
			warned = err == nil
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
	var updated *review.Flag
	werr := b.write(func(tx *store.Tx) error {
		var err error
		updated, err = tx.UpdateFlag(f.ID, func(x *review.Flag) error {
			x.Applied, x.Note, x.Warnings = true, note, warnings
			return nil
		})
		if err != nil {
			return err
		}
		if warned {
			lang := b.texts.Pick(f.AuthorLanguage, b.cfg.Language)
			text := b.texts.T(lang, "review.warned_member", map[string]any{"Group": b.groupName(f.GroupID)})
			if err := b.oweIn(tx, nil, outbox.Effects, f.UserID, owedMessage{Text: text}); err != nil {
				return err
			}
		}
		return b.oweRefresh(tx, updated)
	})
	if werr != nil {
		b.log.Error("record applied action", "flag", f.ID, "err", werr)
		return
	}
	*f = *updated
}

// oweRefresh owes the edit that shows a flag's decision where moderators
// see it: its card, or its digest. Rendered when sent (see opRefresh).
func (b *Bot) oweRefresh(tx *store.Tx, f *review.Flag) error {
	then := &followUp{Kind: thenFlagCard, ID: f.ID}
	if f.DigestID != "" {
		then = &followUp{Kind: thenDigestCard, ID: f.DigestID}
	}
	return b.oweIn(tx, nil, outbox.Effects, b.cfg.Moderation.ChatID, owedMessage{Op: opRefresh, Then: then})
}
