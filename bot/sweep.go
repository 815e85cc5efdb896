package bot

import (
	"context"
	"time"

	"github.com/entrepairs/entrepairs/admission"
)

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

// Sweep does the work that became due: cards and decisions left unfinished
// by a crash, one reminder for requests waiting too long, restrict-mode
// notices to remove, and the handled-update ledger to trim.
func (b *Bot) Sweep() {
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
	b.dropNotices(now)
	b.sweepReview(now)
	b.runCheckIns(now)
	b.sweepCheckIns(now)
	b.dropEphemeral(now)
	b.retain(now)
}

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
	items := make([]item, 0, len(due))
	for _, a := range due {
		items = append(items, item{Name: a.Name, Group: b.groupTitle(a), Since: b.when(a.AnsweredAt, lang), Link: messageLink(a.CardChatID, a.CardMessageID)})
	}
	text := b.texts.T(lang, "admission.reminder", map[string]any{
		"Items": items, "Hours": int(b.cfg.Moderation.ReminderAfter.Hours()),
	})
	if _, err := b.send(b.cfg.Moderation.ChatID, text); err != nil {
		b.log.Warn("reminder not sent, will retry", "err", err)
		return
	}
	for _, a := range due {
		if _, err := b.st.UpdateAdmission(a.ID, func(x *admission.Admission) error {
			x.RemindedAt = now
			return nil
		}); err != nil {
			b.log.Error("record reminder", "admission", a.ID, "err", err)
		}
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
		if err := b.remove(a.GroupID, a.NoticeMessageID); err != nil && !permanent(err) {
			b.log.Warn("notice not removed yet, will retry", "admission", a.ID, "err", err)
			continue
		}
		if _, err := b.st.UpdateAdmission(a.ID, func(x *admission.Admission) error {
			x.NoticeMessageID = 0
			return nil
		}); err != nil {
			b.log.Error("record notice removed", "admission", a.ID, "err", err)
		}
	}
}
