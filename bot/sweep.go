package bot

import (
	"context"
	"errors"
	"time"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/store"
)

// reminderItems is the most requests the reminder names; it counts the
// rest ("and N more"), so its text fits in one Telegram message whatever
// the backlog.
const reminderItems = 25

// handledMemory is how long handled update ids are remembered. Telegram
// keeps unconfirmed updates for 24 hours; twice that is safe.
const handledMemory = 48 * time.Hour

func (b *Bot) sweepLoop(ctx context.Context) {
	t := time.NewTicker(b.sweepInt)
	defer t.Stop()
	b.Sweep()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.Sweep()
		}
	}
}

// Sweep does the work that became due: admission and review cards and
// decisions left unfinished by a crash, one reminder for requests waiting too long, restrict-mode
// notices to remove, and the handled-update ledger to trim.
func (b *Bot) Sweep() {
	defer b.sweeps.Add(1)
	now := b.now()
	unfinished, err := b.st.Admissions(func(a *admission.Admission) bool { return a.NeedsCard() || a.NeedsApply() })
	if err != nil {
		b.log.Error("sweep: read admissions", "err", err)
		return
	}
	for _, a := range unfinished {
		b.finish(a.ID)
	}
	b.remind(now)
	b.lastCall(now)
	b.closeStale(now)
	b.dropNotices(now)
	b.sweepReview(now)
	b.runCheckIns(now)
	b.sweepCheckIns(now)
	b.dropEphemeral(now)
	b.retain(now)
}

// Sweeps returns how many sweeps have finished since the bot was built.
// A sweep reads the clock once, at its start, so once the count has grown
// by two since it was read after moving the clock, a whole sweep has seen
// the new time and done everything due then. Tests wait for that before
// asserting that something was not done (a check-in not posted early).
func (b *Bot) Sweeps() uint64 { return b.sweeps.Load() }

func (b *Bot) finish(id string) {
	defer b.lock(id)()
	a, err := b.st.Admission(id)
	if err != nil {
		return
	}
	if a.NeedsCard() {
		b.postCard(a)
	}
	if a.NeedsApply() {
		b.apply(a)
	}
}

// remind posts one message listing the requests that have waited for a
// moderator longer than moderation.reminder_after, each reminded once.
func (b *Bot) remind(now time.Time) {
	due, err := b.overdue(now)
	if err != nil || len(due) == 0 {
		return
	}
	lang := b.cfg.Language
	type item struct{ Name, Group, Since, Link string }
	items := make([]item, 0, min(len(due), reminderItems))
	for _, a := range due[:min(len(due), reminderItems)] {
		items = append(items, item{Name: review.Excerpt(a.Name, 64), Group: review.Excerpt(b.groupTitle(a), 48), Since: b.when(a.AnsweredAt, lang), Link: messageLink(a.CardChatID, a.CardMessageID)})
	}
	text := b.texts.T(lang, "admission.reminder", map[string]any{
		"Items": items, "Count": len(due), "More": len(due) - len(items), "Hours": int(b.cfg.Moderation.ReminderAfter.Hours()),
	})
	b.oweReminder(due, now, text, "record reminder")
}

// oweReminder records a reminder to the moderators and, in the same
// transaction, the marks that each of due was reminded: the sender sends
// it once (a reminder Telegram refuses for good is dropped, not made again
// every sweep; the requests stay in /attente).
func (b *Bot) oweReminder(due []*admission.Admission, now time.Time, text, what string) {
	if err := b.write(func(tx *store.Tx) error {
		for _, a := range due {
			if _, err := tx.UpdateAdmission(a.ID, func(x *admission.Admission) error {
				x.RemindedAt = now
				return nil
			}); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return b.oweIn(tx, nil, outbox.Moderators, b.cfg.Moderation.ChatID, owedMessage{Text: text})
	}); err != nil {
		b.log.Error(what, "err", err)
	}
}

// dropNotices removes restrict-mode notices whose time is up, to keep the
// group tidy.
func (b *Bot) dropNotices(now time.Time) {
	due, err := b.st.Admissions(func(a *admission.Admission) bool {
		return a.NoticeMessageID != 0 && !now.Before(a.NoticeDeleteAt)
	})
	if err != nil {
		return
	}
	for _, a := range due {
		// The deletion owed with the record that the notice is gone.
		if err := b.write(func(tx *store.Tx) error {
			if _, err := tx.UpdateAdmission(a.ID, func(x *admission.Admission) error {
				x.NoticeMessageID = 0
				return nil
			}); err != nil {
				return err
			}
			return b.oweIn(tx, nil, outbox.Normal, a.GroupID, owedMessage{Op: opDelete, MessageID: a.NoticeMessageID})
		}); err != nil && !errors.Is(err, store.ErrNotFound) {
			b.log.Error("record notice removed", "admission", a.ID, "err", err)
		}
	}
}

// sweepReview finishes what a crash interrupted in review (flags never
// shown, digests never posted, decisions not applied; see
// review.Flag.Unfinished) and lets the flood and report rules forget idle
// members.
func (b *Bot) sweepReview(now time.Time) {
	unfinished, err := b.st.Flags(func(f *review.Flag) bool { return f.Unfinished(now) })
	if err != nil {
		b.log.Error("sweep: read flags", "err", err)
		return
	}
	digests := map[string]bool{}
	for _, f := range unfinished {
		switch {
		case f.Decided():
			// Read again under the lock: a tap may have applied it since
			// the list was read.
			b.carryOutFlag(f.ID)
		case f.DigestID != "":
			digests[f.DigestID] = true
		default:
			b.enqueue(f.ID)
		}
	}
	for id := range digests {
		if d, err := b.st.Digest(id); err == nil && d.CardMessageID == 0 && !d.CardOwed && !b.presenting(d.FlagIDs) {
			if err := b.sendDigest(d); err != nil {
				b.log.Error("record digest card, will retry", "digest", d.ID, "err", err)
			}
		}
	}
	r := b.review
	r.mu.Lock()
	r.flood.Forget(now)
	r.reports.Forget(now)
	r.mu.Unlock()
}

// presenting reports whether the review loop is showing any of these flags
// right now (a digest of them may be waiting for its turn to be sent).
func (b *Bot) presenting(ids []string) bool {
	b.review.mu.Lock()
	defer b.review.mu.Unlock()
	for _, id := range ids {
		if b.review.queued[id] {
			return true
		}
	}
	return false
}
