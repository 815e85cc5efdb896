package bot

// Flood notices go their own way to the moderators: the review loop hands
// them here and goes on with the flags that point at one message (a
// dealer's offer, a member's report), which therefore never wait behind
// them. A few notices become cards as before; more become one flood digest
// ("N members posted more than M messages in P", with a button to list
// them), and notices arriving while that digest is recent are added to it
// by editing its count, which costs no message in the moderators' chat.

import (
	"context"
	"html/template"
	"strconv"
	"sync"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/stats"
	"github.com/entrepairs/entrepairs/store"
)

// btnFloodList lists the members of a flood digest; data: the digest id.
const btnFloodList = "fll"

// floodEvery is the least time between two rounds of the flood loop: a
// flood digest's count is edited at most this often.
const floodEvery = 2 * time.Second

// floodListMax is how many members one list names; the rest are counted
// ("and N more"), so the list fits in one Telegram message.
const floodListMax = 60

// floodQueue holds flood notices waiting for the flood loop, and the flood
// digest they are added to while it is recent.
type floodQueue struct {
	mu      sync.Mutex
	pending []string
	wake    chan struct{}
	open    string    // the recent flood digest's id
	openAt  time.Time // when it was posted
}

func newFloodQueue() *floodQueue { return &floodQueue{wake: make(chan struct{}, 1)} }

// queueFlood hands flood notices to the flood loop. They stay marked as
// queued in the review state until the loop has shown them, so the sweep
// does not take them for lost meanwhile.
func (b *Bot) queueFlood(ids []string) {
	q := b.floods
	q.mu.Lock()
	q.pending = append(q.pending, ids...)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// floodLoop shows flood notices, at most once every floodEvery.
func (b *Bot) floodLoop(ctx context.Context) {
	q := b.floods
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		}
		q.mu.Lock()
		ids := q.pending
		q.pending = nil
		q.mu.Unlock()
		b.showFloods(ids)
		b.review.mu.Lock()
		for _, id := range ids {
			delete(b.review.queued, id)
		}
		b.review.mu.Unlock()
		if !sleep(ctx, floodEvery) {
			return
		}
	}
}

// showFloods shows the flood notices not shown yet: added to the recent
// flood digest, as cards when they are few, or as a new flood digest.
func (b *Bot) showFloods(ids []string) {
	var flags []*review.Flag
	for _, id := range ids {
		if f, err := b.st.Flag(id); err == nil && !f.Shown() {
			flags = append(flags, f)
		}
	}
	if len(flags) == 0 {
		return
	}
	ids = ids[:0]
	for _, f := range flags {
		ids = append(ids, f.ID)
	}
	q := b.floods
	q.mu.Lock()
	open, openAt := q.open, q.openAt
	q.mu.Unlock()
	if open != "" && time.Since(openAt) < review.FloodDigestSpan {
		// The notices added and the digest's new count owed, in one
		// transaction (a digest not sent yet counts them when it is: its
		// card is written then).
		var d *review.Digest
		err := b.write(func(tx *store.Tx) error {
			var err error
			if d, err = tx.AddToDigest(open, ids); err != nil || d.CardMessageID == 0 {
				return err
			}
			return b.oweIn(tx, nil, outbox.Normal, b.cfg.Moderation.ChatID, owedMessage{Op: opRefresh, Then: &followUp{Kind: thenDigestCard, ID: d.ID}})
		})
		if err == nil && (d.CardMessageID != 0 || d.CardOwed) {
			return
		}
		if err != nil {
			b.log.Error("add to flood digest", "digest", open, "err", err)
		}
	}
	if len(flags) <= review.CoalesceAbove {
		lone, digests := review.Arrange(flags)
		if lone != nil {
			b.postFlagCard(lone)
		}
		for _, d := range digests {
			b.postDigest(d)
		}
		return
	}
	d, err := b.oweDigest(review.Digest{FlagIDs: ids, Kind: review.FloodDigest, CreatedAt: b.now()})
	if err != nil {
		b.log.Error("store flood digest", "err", err)
		return
	}
	q.mu.Lock()
	q.open, q.openAt = d.ID, time.Now()
	q.mu.Unlock()
}

// floodDigestView is a flood digest's text and buttons: the count, the
// rule, and buttons to list the members or set them all aside.
func (b *Bot) floodDigestView(d *review.Digest) (string, *tele.ReplyMarkup) {
	lang := b.cfg.Language
	undecided := 0
	groups := map[int64]bool{}
	for _, id := range d.FlagIDs {
		if f, err := b.st.Flag(id); err == nil {
			groups[f.GroupID] = true
			if !f.Decided() {
				undecided++
			}
		}
	}
	rule := b.cfg.Moderation.Flood
	text := b.texts.T(lang, "flood_digest.text", map[string]any{
		"Count": len(d.FlagIDs), "Messages": rule.Messages, "Per": rule.Per.String(),
		"Groups": len(groups), "Undecided": undecided,
	})
	row := []tele.InlineButton{{Text: b.texts.T(lang, "flood_digest.btn_list", nil), Unique: btnFloodList, Data: d.ID}}
	if undecided > 0 {
		row = append(row, tele.InlineButton{Text: b.texts.T(lang, "review.bulk_ignore", nil), Unique: btnDigest, Data: buttonData(d.ID, review.Ignore.Letter())})
	}
	return text, &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{row}}
}

// onFloodList posts, for the moderators, who a flood digest counts.
func (b *Bot) onFloodList(c tele.Context) error {
	who := c.Sender()
	if who == nil || !b.cfg.IsModerator(who.ID) {
		b.log.Warn("flood list refused: not a moderator", "update_id", c.Update().ID, "user_id", senderID(c))
		return b.toast(c, b.texts.T(b.lang(c), "mod.not_allowed", nil))
	}
	d, err := b.st.Digest(c.Callback().Data)
	if err != nil {
		return b.onStaleButton(c)
	}
	_ = b.toast(c, "")
	type item struct {
		Name, Group string
		Link        template.URL // tg:// would be filtered as a string
		Decided     bool
	}
	var items []item
	for _, id := range d.FlagIDs {
		if len(items) == floodListMax {
			break
		}
		f, err := b.st.Flag(id)
		if err != nil {
			continue
		}
		items = append(items, item{
			Name: review.Excerpt(f.AuthorName, 40), Group: b.groupName(f.GroupID),
			Link: template.URL("tg://user?id=" + strconv.FormatInt(f.UserID, 10)), Decided: f.Decided(),
		})
	}
	text := b.texts.T(b.cfg.Language, "flood_digest.list", map[string]any{
		"Items": items, "Count": len(d.FlagIDs), "More": max(0, len(d.FlagIDs)-len(items)),
	})
	return b.oweOp(c, outbox.Moderators, b.cfg.Moderation.ChatID, owedMessage{Text: text})
}

// setFloodAside sets every undecided notice of a flood digest aside in one
// transaction: Ignore needs nothing done on Telegram, and a flood digest
// may count hundreds of members, more than a tap can wait for one by one.
func (b *Bot) setFloodAside(c tele.Context, d *review.Digest, who *tele.User) error {
	now := b.now()
	var changed []*review.Flag
	err := b.write(func(tx *store.Tx) error {
		var err error
		changed, err = tx.UpdateFlags(d.FlagIDs, func(f *review.Flag) error {
			if f.Decided() {
				return review.ErrAlreadyDecided
			}
			if err := f.Decide(review.Ignore, who.ID, displayName(who), now); err != nil {
				return err
			}
			f.Applied = true
			return nil
		})
		if err != nil {
			return err
		}
		// The digest showing the decision, owed with it.
		return b.oweIn(tx, c, outbox.Effects, b.cfg.Moderation.ChatID, owedMessage{Op: opRefresh, Then: &followUp{Kind: thenDigestCard, ID: d.ID}})
	})
	if err != nil {
		_ = b.toast(c, b.texts.T(b.cfg.Language, "error.generic", nil))
		return err
	}
	if n := len(changed); n > 0 {
		b.countAt(now, stats.Decided(string(review.Ignore)), n)
	}
	b.log.Info("flood digest set aside", "update_id", c.Update().ID, "digest", d.ID, "flags", len(changed), "by", who.ID)
	_ = b.toast(c, b.texts.T(b.cfg.Language, "review.bulk_done", map[string]any{"N": len(changed)}))
	return nil
}
