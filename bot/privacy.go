package bot

import (
	"errors"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/store"
)

// This file keeps the privacy promises of the README that need the bot:
// requests to join that close on their own, sanctions that follow a person
// from one group to another, and cards in the moderators' chat that forget
// the person once their period is over.

// gateRequest decides, before a new request to join is recorded, whether
// the person's earlier sanctions or refusals close it at once. It returns
// true when it handled the request (declined: nothing is recorded about
// it). chatID is where Telegram lets the bot write to the requester.
func (b *Bot) gateRequest(c tele.Context, req *tele.ChatJoinRequest, chatID int64) bool {
	updateID := c.Update().ID
	if cur, err := b.st.LatestAdmission(req.Chat.ID, req.Sender.ID); err == nil && cur.Open() {
		return false // a request redelivered, or already under way
	}
	x, err := b.st.SanctionsOf(req.Sender.ID)
	if err != nil {
		b.log.Error("read sanctions", "update_id", updateID, "err", err)
		return false
	}
	set := b.cfg.Admission
	gate := admission.GateFor(x.Record(), b.now(), set.RetryAfter, set.SanctionsStick)
	if gate != admission.Sanctioned && gate != admission.TooSoon {
		return false
	}
	// What the refusal causes is owed with the update's mark: sent by the
	// sender, in priority order, and not lost to a crash.
	owe := func(prio outbox.Priority, chat int64, m owedMessage) {
		if err := b.oweOp(c, prio, chat, m); err != nil {
			b.log.Error("record what a refused join request owes", "update_id", updateID, "err", err)
		}
	}
	group := req.Chat.ID
	owe(outbox.Effects, group, owedMessage{Op: opDecline, User: req.Sender.ID})
	lang := b.texts.Pick(req.Sender.LanguageCode, b.cfg.Language)
	region := b.regionOf(req.Sender.ID, group)
	help := b.emergencyBlock(lang, region)
	title := b.groupName(group)
	if gate == admission.Sanctioned {
		owe(outbox.Charter, chatID, owedMessage{Text: b.texts.T(lang, "privacy.request_declined", map[string]any{"Group": title, "Emergency": help})})
		note := b.texts.T(b.cfg.Language, "privacy.sanction_note", map[string]any{"Name": displayName(req.Sender), "Group": title, "Dealer": x.Dealer})
		owe(outbox.Moderators, b.cfg.Moderation.ChatID, owedMessage{Text: note})
		b.log.Info("join request declined: earlier sanction", "update_id", updateID, "group", group)
		return true
	}
	owe(outbox.Charter, chatID, owedMessage{Text: b.texts.T(lang, "privacy.request_too_soon", map[string]any{"Group": title, "Emergency": help})})
	b.log.Info("join request declined: refused less than admission.retry_after ago", "update_id", updateID, "group", group)
	return true
}

// cardSanctions is what the moderators read at the top of an undecided
// admission card: an earlier ban or dealer refusal (when sanctions do not
// stick), and earlier refusals.
func (b *Bot) cardSanctions(a *admission.Admission, lang string) string {
	if a.Decided() || a.State == admission.Expired {
		return ""
	}
	x, err := b.st.SanctionsOf(a.UserID)
	if err != nil {
		return ""
	}
	out := ""
	if x.Banned || x.Dealer {
		out += b.texts.T(lang, "privacy.card_sanctioned", map[string]any{"Banned": x.Banned, "Dealer": x.Dealer}) + "\n"
	}
	if x.Refusals > 0 {
		out += b.texts.T(lang, "privacy.card_refusals", map[string]any{"Count": x.Refusals, "Last": b.when(x.LastRefusal, lang)}) + "\n"
	}
	return out
}

// closeStale closes the requests to join that waited too long: not
// accepted within admission.expire_after (declined kindly and erased), or
// accepted but not decided within admission.undecided_after (closed
// kindly, the moderators told in one line, the personal fields erased).
func (b *Bot) closeStale(now time.Time) {
	set := b.cfg.Admission
	due, err := b.st.Admissions(func(a *admission.Admission) bool {
		return a.Open() && a.ClosingAt(now, set.ExpireAfter, set.UndecidedAfter) != admission.StaysOpen
	})
	if err != nil {
		b.log.Error("sweep: read admissions", "err", err)
		return
	}
	for _, a := range due {
		b.closeOne(a.ID, now)
	}
}

// lastCall tells the moderators, once, which undecided requests close
// within a day.
func (b *Bot) lastCall(now time.Time) {
	after := b.cfg.Admission.UndecidedAfter
	due, err := b.st.Admissions(func(a *admission.Admission) bool { return a.NeedsLastCall(now, after) })
	if err != nil || len(due) == 0 {
		return
	}
	lang := b.cfg.Language
	type item struct{ Name, Group, Link string }
	// Capped like the 24-hour reminder: it names reminderItems requests
	// and counts the rest, so its text fits in one Telegram message
	// whatever the backlog (all of them are marked reminded).
	items := make([]item, 0, min(len(due), reminderItems))
	for _, a := range due[:min(len(due), reminderItems)] {
		items = append(items, item{Name: review.Excerpt(a.Name, 64), Group: review.Excerpt(b.groupTitle(a), 48), Link: messageLink(a.CardChatID, a.CardMessageID)})
	}
	text := b.texts.T(lang, "privacy.last_call", map[string]any{"Items": items, "Count": len(due), "More": len(due) - len(items)})
	b.oweReminder(due, now, text, "record last reminder")
}

func (b *Bot) closeOne(id string, now time.Time) {
	defer b.lock(id)()
	a, err := b.st.Admission(id)
	if err != nil || !a.Open() {
		return
	}
	set := b.cfg.Admission
	closing := a.ClosingAt(now, set.ExpireAfter, set.UndecidedAfter)
	if closing == admission.StaysOpen {
		return
	}
	if err := b.letGo(a); err != nil && !permanent(err) {
		b.log.Warn("stale request not declined yet, will retry", "admission", a.ID, "err", b.scrub(err))
		return
	}
	lang := b.texts.Pick(a.Language, b.cfg.Language)
	title := b.groupTitle(a)
	// The closing and what it owes (the notice removed, the person told,
	// the moderators' note), in one transaction.
	if closing == admission.Unanswered {
		err := b.write(func(tx *store.Tx) error {
			if a.NoticeMessageID != 0 {
				if err := b.oweIn(tx, nil, outbox.Normal, a.GroupID, owedMessage{Op: opDelete, MessageID: a.NoticeMessageID}); err != nil {
					return err
				}
			}
			if err := b.oweIn(tx, nil, outbox.Normal, a.UserID, owedMessage{Text: b.texts.T(lang, "privacy.expired_unanswered", map[string]any{"Group": title})}); err != nil {
				return err
			}
			return tx.DeleteAdmission(a.ID)
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			b.log.Error("erase stale request", "admission", a.ID, "err", err)
			return
		}
		b.log.Info("request to join closed: charter not accepted in time, record erased", "admission", a.ID)
		return
	}
	days := int(set.UndecidedAfter.Hours() / 24)
	note := b.texts.T(b.cfg.Language, "privacy.expired_note", map[string]any{"Name": a.Name, "Group": title, "Days": days})
	err = b.write(func(tx *store.Tx) error {
		if err := b.oweIn(tx, nil, outbox.Normal, a.UserID, owedMessage{Text: b.texts.T(lang, "privacy.expired_undecided", map[string]any{"Group": title})}); err != nil {
			return err
		}
		if err := b.oweIn(tx, nil, outbox.Moderators, b.cfg.Moderation.ChatID, owedMessage{Text: note}); err != nil {
			return err
		}
		a, err = tx.UpdateAdmission(a.ID, func(x *admission.Admission) error {
			x.Expire(now)
			return nil
		})
		if err != nil {
			return err
		}
		return b.oweForgottenAdmissionCard(tx, a)
	})
	if err != nil {
		b.log.Error("close stale request", "admission", id, "err", err)
		return
	}
	b.log.Info("request to join closed: no decision in time, personal fields erased", "admission", a.ID)
}

// letGo ends a request in Telegram without a decision: a join request is
// declined; a restrict-mode newcomer, muted in the group, is removed
// without being barred (a ban then an unban), free to come back.
func (b *Bot) letGo(a *admission.Admission) error {
	chat, user := &tele.Chat{ID: a.GroupID}, &tele.User{ID: a.UserID}
	if a.Mode == admission.ByRequest {
		return b.admin("declineChatJoinRequest", a.GroupID, func() error { return b.tb.DeclineJoinRequest(chat, user) })
	}
	if err := b.admin("banChatMember", a.GroupID, func() error { return b.tb.Ban(chat, &tele.ChatMember{User: user}) }); err != nil {
		return err
	}
	return b.admin("unbanChatMember", a.GroupID, func() error { return b.tb.Unban(chat, user, true) })
}

// forgottenAdmissionCard is the edit of an admission's card down to its
// outcome and date: no name, @username, bio or signals; false when it has
// no card.
func (b *Bot) forgottenAdmissionCard(a *admission.Admission) (owedMessage, bool) {
	if a.CardMessageID == 0 {
		return owedMessage{}, false
	}
	lang := b.cfg.Language
	outcome := "expired"
	switch {
	case a.State == admission.Approved:
		outcome = "approved"
	case a.State == admission.Refused && a.Dealer:
		outcome = "dealer"
	case a.State == admission.Refused:
		outcome = "refused"
	case a.Open():
		outcome = "open"
	}
	text := b.texts.T(lang, "privacy.admission_card_forgotten", map[string]any{
		"Group": b.groupTitle(a), "Outcome": outcome, "At": b.when(a.DecidedAt, lang),
	})
	var markup *tele.ReplyMarkup
	if a.Open() {
		// Still waiting for a moderator: the card stays, without the
		// person's profile.
		text, markup = b.cardText(a, lang), b.decisionButtons(a)
	}
	return owedMessage{Op: opEdit, MessageID: a.CardMessageID, Text: text, Markup: markup}, true
}

// oweForgottenAdmissionCard owes, within tx, the edit of a's card down to
// its outcome (forgottenAdmissionCard).
func (b *Bot) oweForgottenAdmissionCard(tx *store.Tx, a *admission.Admission) error {
	if m, ok := b.forgottenAdmissionCard(a); ok {
		return b.oweIn(tx, nil, outbox.Moderators, a.CardChatID, m)
	}
	return nil
}

// forgottenFlagCard is the edit of a decided flag's card, or of its
// digest, down to the decision and its date: no author, excerpt, reasons
// or reporter; ok false when there is nothing to edit.
//
// A digest gathers several members' messages: at the end of retention it
// is cleared when every flag in it is decided (whole: this reads the
// store, so not within a transaction); after /oubli (whole false) it is
// shown again, when it is sent, without the member's lines, which are
// erased by then.
func (b *Bot) forgottenFlagCard(f *review.Flag, digests map[string]bool, whole bool) (chat int64, m owedMessage, ok bool) {
	lang := b.cfg.Language
	if f.DigestID != "" {
		if digests[f.DigestID] {
			return 0, m, false
		}
		digests[f.DigestID] = true
		if !whole {
			return b.cfg.Moderation.ChatID, owedMessage{Op: opRefresh, Then: &followUp{Kind: thenDigestCard, ID: f.DigestID}}, true
		}
		d, err := b.st.Digest(f.DigestID)
		if err != nil || d.CardMessageID == 0 {
			return 0, m, false
		}
		var items []map[string]any
		for i, id := range d.FlagIDs {
			g, err := b.st.Flag(id)
			if err != nil {
				continue
			}
			if !g.Decided() {
				return 0, m, false // a moderator still needs this digest
			}
			items = append(items, map[string]any{"N": i + 1, "Action": string(g.Action), "Warnings": g.Warnings, "Decided": g.Decided(), "At": b.when(g.DecidedAt, lang)})
		}
		text := b.texts.T(lang, "privacy.digest_forgotten", map[string]any{"Items": items})
		return d.CardChatID, owedMessage{Op: opEdit, MessageID: d.CardMessageID, Text: text}, true
	}
	if f.CardMessageID == 0 {
		return 0, m, false
	}
	text := b.texts.T(lang, "privacy.flag_card_forgotten", map[string]any{
		"Group": b.groupName(f.GroupID), "Action": string(f.Action), "Warnings": f.Warnings, "At": b.when(f.DecidedAt, lang),
	})
	return f.CardChatID, owedMessage{Op: opEdit, MessageID: f.CardMessageID, Text: text}, true
}

// retainCards clears the cards of what the retention job is about to
// erase, so that the moderators' chat keeps no more than the data file.
func (b *Bot) retainCards(now time.Time, retention time.Duration) {
	before := now.Add(-retention)
	adms, err := b.st.Admissions(func(a *admission.Admission) bool {
		at, closed := a.ClosedAt()
		return closed && at.Before(before) && a.CardMessageID != 0
	})
	if err != nil {
		b.log.Error("retention: read admissions", "err", err)
	}
	// The edits are owed (on disk) before the records are purged.
	var owed []store.OutboxEntry
	add := func(chat int64, m owedMessage) {
		e, err := b.entry(nil, outbox.Moderators, chat, m)
		if err != nil {
			b.log.Error("retention: card edit", "err", err)
			return
		}
		owed = append(owed, e)
	}
	for _, a := range adms {
		if m, ok := b.forgottenAdmissionCard(a); ok {
			add(a.CardChatID, m)
		}
	}
	flags, err := b.st.Flags(func(f *review.Flag) bool { return f.Expired(now, retention) })
	if err != nil {
		b.log.Error("retention: read flags", "err", err)
	}
	digests := map[string]bool{}
	for _, f := range flags {
		if chat, m, ok := b.forgottenFlagCard(f, digests, true); ok {
			add(chat, m)
		}
	}
	if len(owed) > 0 {
		if err := b.st.Enqueue(owed...); err != nil {
			b.log.Error("retention: record card edits", "err", err)
		}
		b.wakeSender()
	}
	b.clearAlertCards(now)
}

// clearAlertCards edits the alert cards whose period is over down to
// their date: forgotten with the edit owed, in one transaction.
func (b *Bot) clearAlertCards(now time.Time) {
	due, err := b.st.DueCards(now)
	if err != nil {
		b.log.Error("retention: read cards", "err", err)
		return
	}
	lang := b.cfg.Language
	for _, c := range due {
		text := b.texts.T(lang, "privacy.alert_card_forgotten", map[string]any{"At": b.when(c.Posted, lang)})
		if err := b.write(func(tx *store.Tx) error {
			if err := tx.DropCard(c.ChatID, c.MessageID); err != nil {
				return err
			}
			return b.oweIn(tx, nil, outbox.Moderators, c.ChatID, owedMessage{Op: opEdit, MessageID: c.MessageID, Text: text})
		}); err != nil {
			b.log.Error("drop alert card", "err", err)
		}
	}
}

// forgetMember erases what the bot keeps about a member (/oubli), and
// clears at once every card about them in the moderators' chat. A flag
// still waiting for a decision keeps its card: the moderators need it.
func (b *Bot) forgetMember(userID int64) (store.Erased, error) {
	adms, err := b.st.Admissions(func(a *admission.Admission) bool { return a.UserID == userID && a.CardMessageID != 0 })
	if err != nil {
		return store.Erased{}, err
	}
	about, err := b.st.Flags(func(f *review.Flag) bool { return f.UserID == userID && f.Decided() })
	if err != nil {
		return store.Erased{}, err
	}
	reported, err := b.st.Flags(func(f *review.Flag) bool { return f.ReporterID == userID })
	if err != nil {
		return store.Erased{}, err
	}
	// The erasure and the edits of the cards about the member, in one
	// transaction (read within it: a bbolt read beside it could block).
	mods := b.cfg.Moderation.ChatID
	e, err := b.st.ForgetWith(userID, b.now().Add(-b.cfg.Moderation.NewMemberWindow), func(tx *store.Tx) error {
		for _, a := range adms {
			if cur, err := tx.Admission(a.ID); err == nil {
				a = cur // kept, stripped of the person's profile
			}
			if err := b.oweForgottenAdmissionCard(tx, a); err != nil {
				return err
			}
		}
		digests := map[string]bool{}
		for _, f := range about {
			if chat, m, ok := b.forgottenFlagCard(f, digests, false); ok {
				if err := b.oweIn(tx, nil, outbox.Moderators, chat, m); err != nil {
					return err
				}
			}
		}
		for _, f := range reported {
			// The reporter's name is gone from it: shown again as the
			// store has it when the edit is sent.
			cur, err := tx.Flag(f.ID)
			if err != nil {
				continue
			}
			then := &followUp{Kind: thenFlagCard, ID: cur.ID}
			if cur.DigestID != "" {
				if digests[cur.DigestID] {
					continue
				}
				digests[cur.DigestID] = true
				then = &followUp{Kind: thenDigestCard, ID: cur.DigestID}
			} else if cur.CardMessageID == 0 {
				continue
			}
			if err := b.oweIn(tx, nil, outbox.Moderators, mods, owedMessage{Op: opRefresh, Then: then}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return e, err
	}
	b.wakeSender()
	return e, nil
}
