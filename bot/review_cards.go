package bot

// Review cards: how flags reach the moderators' chat (the review loop, a
// card for a lone flag, a digest for a burst) and what those messages say
// and offer as buttons.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/store"
)

// Button kinds of moderator review. Data: a flag or digest id (opaque,
// looked up in the store) and the action's letter (review.Action.Letter).
const (
	btnFlag   = "flg"
	btnDigest = "dig"
)

// gatherWindow is review.GatherWindow, under the name the bot's tests use.
const gatherWindow = review.GatherWindow

// reviewLoop shows queued flags to the moderators: alone when one comes,
// gathered into digests when they come in a burst.
func (b *Bot) reviewLoop(ctx context.Context) {
	r := b.review
	for {
		var batch []string
		select {
		case <-ctx.Done():
			return
		case id := <-r.queue:
			batch = append(batch, id)
		}
		timer := time.NewTimer(review.GatherWindow)
	gather:
		for {
			select {
			case id := <-r.queue:
				batch = append(batch, id)
			case <-timer.C:
				break gather
			case <-ctx.Done():
				timer.Stop()
				return
			}
		}
		b.present(ctx, batch)
	}
}

// present shows flags the loop gathered, as review.Arrange decides: a card
// for a lone flag, digests for a burst. Flags shown meanwhile (by the sweep)
// are left out.
func (b *Bot) present(ctx context.Context, ids []string) {
	var flags []*review.Flag
	for _, id := range ids {
		if f, err := b.st.Flag(id); err == nil {
			flags = append(flags, f)
		}
	}
	// Flood notices go to the flood loop (flood_digest.go), which keeps
	// them queued until it has shown them; a dealer's card is not made to
	// wait behind them.
	flood, flags := review.SplitFlood(flags)
	floodIDs := map[string]bool{}
	if len(flood) > 0 {
		fids := make([]string, len(flood))
		for i, f := range flood {
			fids[i] = f.ID
			floodIDs[f.ID] = true
		}
		b.queueFlood(fids)
	}
	defer func() {
		b.review.mu.Lock()
		for _, id := range ids {
			if !floodIDs[id] {
				delete(b.review.queued, id)
			}
		}
		b.review.mu.Unlock()
	}()
	lone, digests := review.Arrange(flags)
	if lone != nil {
		b.postFlagCard(lone)
		return
	}
	for _, d := range digests {
		if ctx.Err() != nil {
			return
		}
		b.postDigest(d)
	}
}

// postFlagCard records a lone flag's card as owed, with the mark that it
// is (review.Flag.CardOwed), in one transaction; the sender sends it and
// records its message id.
func (b *Bot) postFlagCard(f *review.Flag) {
	prio := outbox.Moderators
	if f.Source == review.Flooded {
		prio = outbox.Normal // after dealers' cards and reports
	}
	err := b.write(func(tx *store.Tx) error {
		_, err := tx.UpdateFlag(f.ID, func(x *review.Flag) error {
			if x.Shown() {
				return errShown
			}
			x.CardOwed = true
			return nil
		})
		if err != nil {
			return err
		}
		return b.oweIn(tx, nil, prio, b.cfg.Moderation.ChatID, owedMessage{Op: opCard, Then: &followUp{Kind: thenFlagCard, ID: f.ID}})
	})
	if err != nil && !errors.Is(err, errShown) && !errors.Is(err, store.ErrNotFound) {
		b.log.Error("record flag card, will retry", "flag", f.ID, "err", err)
	}
}

// errShown: the flag or digest is shown, or owed, already.
var errShown = errors.New("shown already")

// postDigest records a digest of flags and the card that shows it (owed,
// see postFlagCard), in one transaction.
func (b *Bot) postDigest(flags []*review.Flag) {
	ids := make([]string, len(flags))
	for i, f := range flags {
		ids[i] = f.ID
	}
	if _, err := b.oweDigest(review.Digest{FlagIDs: ids, CreatedAt: b.now()}); err != nil {
		b.log.Error("store digest", "err", err)
	}
}

// oweDigest creates a digest and owes its card, in one transaction.
func (b *Bot) oweDigest(d review.Digest) (*review.Digest, error) {
	var got *review.Digest
	err := b.write(func(tx *store.Tx) error {
		d.CardOwed = true
		var err error
		if got, err = tx.CreateDigest(d); err != nil {
			return err
		}
		return b.oweIn(tx, nil, digestPriority(got), b.cfg.Moderation.ChatID, owedMessage{Op: opCard, Then: &followUp{Kind: thenDigestCard, ID: got.ID}})
	})
	return got, err
}

// digestPriority: flood notices come after dealers' cards and reports.
func digestPriority(d *review.Digest) outbox.Priority {
	if d.Kind == review.FloodDigest {
		return outbox.Normal
	}
	return outbox.Moderators
}

// sendDigest owes the card of a recorded digest that has none (a digest
// recorded before its card was owed with it).
func (b *Bot) sendDigest(d *review.Digest) error {
	err := b.write(func(tx *store.Tx) error {
		_, err := tx.UpdateDigest(d.ID, func(x *review.Digest) error {
			if x.CardMessageID != 0 || x.CardOwed {
				return errShown
			}
			x.CardOwed = true
			return nil
		})
		if err != nil {
			return err
		}
		return b.oweIn(tx, nil, digestPriority(d), b.cfg.Moderation.ChatID, owedMessage{Op: opCard, Then: &followUp{Kind: thenDigestCard, ID: d.ID}})
	})
	if errors.Is(err, errShown) {
		return nil
	}
	return err
}

// flagView is what a card or a digest line shows of a flag.
func (b *Bot) flagView(f *review.Flag, n int, excerptLen int) map[string]any {
	lang := b.cfg.Language
	limit := b.cfg.Moderation.WarnLimit
	x, _ := b.st.SanctionsOf(f.UserID)
	return map[string]any{
		"N":           n,
		"Source":      string(f.Source),
		"Group":       b.groupName(f.GroupID),
		"Author":      f.AuthorName,
		"Excerpt":     review.Excerpt(f.Excerpt, excerptLen),
		"Reasons":     b.reasonText(f.Reasons, lang),
		"Score":       fmt.Sprintf("%.2f", f.Score),
		"Link":        messageLink(f.GroupID, f.MessageID),
		"Reporter":    f.ReporterName,
		"FloodCount":  f.FloodCount,
		"FloodPer":    b.cfg.Moderation.Flood.Per.String(),
		"AutoDeleted": f.AutoDeleted,
		"DeleteUntil": b.when(f.MessageDate.Add(review.DeleteWindow), lang),
		"TooOld":      f.MessageID != 0 && !f.Deletable(b.now()),
		"Warnings":    x.Warnings,
		"Limit":       limit,
		"AtLimit":     x.Warnings >= limit,
		"Decided":     f.Decided(),
		"Action":      string(f.Action),
		"By":          f.DecidedByName,
		"At":          b.when(f.DecidedAt, lang),
		"Note":        f.Note,
		"Pending":     f.Decided() && !f.Applied,
	}
}

// flagText is the text of a lone flag's card.
func (b *Bot) flagText(f *review.Flag) string {
	text := b.texts.T(b.cfg.Language, "review.card", b.flagView(f, 0, review.ExcerptLen))
	if f.Reopens != "" {
		// A message set aside earlier, reported or edited since.
		text = b.texts.T(b.cfg.Language, "reopened.card_note", map[string]any{
			"By": f.ReopensDecider, "Report": f.Source == review.Reported,
		}) + "\n" + text
	}
	return text
}

// reasonText renders screening reasons for moderators.
func (b *Bot) reasonText(rs []review.Reason, lang string) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		label := r.Code
		if b.texts.Has(lang, "reason."+r.Code) {
			label = b.texts.T(lang, "reason."+r.Code, nil)
		}
		if r.Evidence != "" {
			label += " « " + r.Evidence + " »"
		}
		parts = append(parts, label)
	}
	return strings.Join(parts, ", ")
}

// flagButtons are a card's buttons: the four actions while undecided, a
// ban button after a warning that reached moderation.warn_limit, none after.
func (b *Bot) flagButtons(f *review.Flag) *tele.ReplyMarkup {
	lang := b.cfg.Language
	btn := func(key string, a review.Action) tele.InlineButton {
		return tele.InlineButton{Text: b.texts.T(lang, key, nil), Unique: btnFlag, Data: buttonData(f.ID, a.Letter())}
	}
	switch {
	case !f.Decided():
		return &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{
			{btn("review.btn_ignore", review.Ignore), btn("review.btn_delete", review.Delete)},
			{btn("review.btn_warn", review.Warn), btn("review.btn_ban", review.Ban)},
		}}
	case f.Action == review.Warn:
		if x, _ := b.st.SanctionsOf(f.UserID); x.Warnings >= b.cfg.Moderation.WarnLimit && !x.Banned {
			return &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{{btn("review.btn_ban", review.Ban)}}}
		}
	}
	return &tele.ReplyMarkup{}
}

// digestView renders a digest: one numbered line per flag, a row of
// buttons per undecided flag, and bulk buttons.
func (b *Bot) digestView(d *review.Digest) (string, *tele.ReplyMarkup) {
	lang := b.cfg.Language
	var flags []*review.Flag
	for _, id := range d.FlagIDs {
		if f, err := b.st.Flag(id); err == nil {
			flags = append(flags, f)
		}
	}
	render := func(excerptLen int) string {
		items := make([]map[string]any, len(flags))
		for i, f := range flags {
			items[i] = b.flagView(f, i+1, excerptLen)
		}
		return b.texts.T(lang, "review.digest", map[string]any{"Items": items, "Count": len(flags)})
	}
	text := render(review.ExcerptLen)
	if len([]rune(text)) > 4000 {
		text = render(120)
	}
	var rows [][]tele.InlineButton
	undecided := 0
	for i, f := range flags {
		if f.Decided() {
			continue
		}
		undecided++
		row := make([]tele.InlineButton, 0, 4)
		for _, a := range []review.Action{review.Delete, review.Warn, review.Ban, review.Ignore} {
			row = append(row, tele.InlineButton{
				Text:   b.texts.T(lang, "review.digest_btn_"+string(a), map[string]any{"N": i + 1}),
				Unique: btnFlag, Data: buttonData(f.ID, a.Letter()),
			})
		}
		rows = append(rows, row)
	}
	if undecided > 1 {
		bulk := make([]tele.InlineButton, 0, 3)
		for _, a := range []review.Action{review.Delete, review.Ban, review.Ignore} {
			bulk = append(bulk, tele.InlineButton{
				Text:   b.texts.T(lang, "review.bulk_"+string(a), nil),
				Unique: btnDigest, Data: buttonData(d.ID, a.Letter()),
			})
		}
		rows = append(rows, bulk)
	}
	return text, &tele.ReplyMarkup{InlineKeyboard: rows}
}
