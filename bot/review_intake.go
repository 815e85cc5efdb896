package bot

// Review intake: what brings a message in front of the moderators.
// Screening of every group message, a member's /signaler, and the flood
// rule each raise a review.Flag; the review loop (review_cards.go) shows
// it. The rules themselves (the flood rule, the report limit) live in
// package review; this file feeds them Telegram's messages and acts on
// their decisions.

import (
	"strings"
	"sync"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/stats"
)

// reviewState is the in-memory side of review: the flood and report rules'
// counters and the queue of flags to show. It is rebuilt empty after a
// restart; flags themselves live in the store.
type reviewState struct {
	mu      sync.Mutex // guards flood, reports and queued
	flood   *review.FloodWatch
	reports *review.ReportLimit
	queued  map[string]bool

	// queue feeds reviewLoop. While the outbox paces the moderators' chat
	// (at most 20 messages a minute), flags pile up here and the next
	// round gathers them into digests.
	queue chan string
}

func newReviewState(m config.Moderation) *reviewState {
	return &reviewState{
		flood:   review.NewFloodWatch(review.FloodRule{Messages: m.Flood.Messages, Per: m.Flood.Per}),
		reports: review.NewReportLimit(m.ReportsPerHour),
		queued:  map[string]bool{},
		queue:   make(chan string, 4096),
	}
}

// onGroupMessage screens every message of a served group: text, captions,
// forwarded posts and edits.
func (b *Bot) onGroupMessage(c tele.Context) error {
	m := c.Message()
	if m == nil || m.Sender == nil || m.Sender.IsBot || c.Chat().Type == tele.ChatPrivate {
		return nil
	}
	g, ok := b.cfg.Group(c.Chat().ID)
	if !ok || b.cfg.IsModerator(m.Sender.ID) {
		return nil
	}
	if c.Update().EditedMessage == nil {
		b.checkFlood(c, g.ChatID, m)
	}
	text := m.Text
	kind := moderation.Message
	if text == "" {
		text, kind = m.Caption, moderation.Caption
	}
	if m.IsForwarded() || m.Origin != nil {
		kind = moderation.Forward
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	v := b.screen().Screen(text, moderation.Context{Kind: kind, NewMember: b.isNewMember(g.ChatID, m.Sender.ID)})
	if !v.Flag {
		return nil
	}
	b.log.Info("message flagged", "update_id", c.Update().ID, "group", g.ChatID, "message_id", m.ID, "score", v.Score)
	f := review.Flag{
		Source: review.Screened, GroupID: g.ChatID, MessageID: m.ID, MessageDate: m.Time(),
		UserID: m.Sender.ID, AuthorName: displayName(m.Sender), AuthorLanguage: m.Sender.LanguageCode,
		Excerpt: review.Excerpt(text, review.ExcerptLen), Score: v.Score, Reasons: reasons(v),
		CreatedAt: b.now(),
	}
	id := b.raise(f)
	if th := b.cfg.Moderation.AutoDeleteAbove; th > 0 && v.Score >= th {
		// Owed with the update's mark, among the effects of decisions;
		// the flag says so once Telegram did it (a card sent meanwhile is
		// shown again), so that a deletion Telegram refuses leaves the
		// moderators' buttons to it.
		del := owedMessage{Op: opDelete, MessageID: m.ID}
		if id != "" {
			del.Then = &followUp{Kind: thenAutoDeleted, ID: id}
		}
		if err := b.oweOp(c, outbox.Effects, g.ChatID, del); err != nil {
			b.log.Error("record automatic deletion", "update_id", c.Update().ID, "err", err)
		}
	}
	return nil
}

// isNewMember: approved through the bot less than new_member_window ago.
// Nothing else about the person changes their score.
func (b *Bot) isNewMember(groupID, userID int64) bool {
	w := b.cfg.Moderation.NewMemberWindow
	if w <= 0 {
		return false
	}
	a, err := b.st.LatestAdmission(groupID, userID)
	return err == nil && a.State == admission.Approved && b.now().Sub(a.DecidedAt) < w
}

// reasons keeps the names of the screening reasons a card shows, each
// once. Not their evidence: the matched fragments may come from anywhere in
// the message, beyond the excerpt, and the excerpt is the only message text
// the bot keeps.
func reasons(v moderation.Verdict) []review.Reason {
	out := make([]review.Reason, 0, len(v.Reasons))
	seen := map[string]bool{}
	for _, r := range v.Reasons {
		// Dampening signals (a story, harm-reduction advice...) explain a
		// low score; cards show what raised it.
		if r.Weight <= 0 || seen[r.Code] {
			continue
		}
		seen[r.Code] = true
		out = append(out, review.Reason{Code: r.Code})
	}
	return out
}

// raise stores a flag and queues it for the moderators.
func (b *Bot) raise(f review.Flag) string {
	got, created, err := b.st.CreateFlag(f)
	if err != nil {
		b.log.Error("store flag", "err", err)
		return ""
	}
	if !created {
		if got == nil {
			return ""
		}
		return got.ID // already in front of the moderators
	}
	b.countFlag(got)
	b.enqueue(got.ID)
	return got.ID
}

// enqueue hands a stored flag to the review loop, once: a flag already
// waiting there is not queued twice.
func (b *Bot) enqueue(id string) {
	r := b.review
	r.mu.Lock()
	if r.queued[id] {
		r.mu.Unlock()
		return
	}
	r.queued[id] = true
	r.mu.Unlock()
	select {
	case r.queue <- id:
	default:
		// Full: the sweep will pick the flag up from the store.
		r.mu.Lock()
		delete(r.queued, id)
		r.mu.Unlock()
	}
}

// checkFlood asks the flood rule about a new message (edits are not
// counted) and, when it calls for a card, mutes the member if flood.mute is
// set and raises a flag.
func (b *Bot) checkFlood(c tele.Context, groupID int64, m *tele.Message) {
	now := b.now()
	r := b.review
	r.mu.Lock()
	fire := r.flood.Seen(review.Member{Group: groupID, User: m.Sender.ID}, now)
	r.mu.Unlock()
	if !fire {
		return
	}
	rule := b.cfg.Moderation.Flood
	b.log.Info("flood rule triggered", "group", groupID, "user_id", m.Sender.ID)
	if rule.Mute > 0 {
		// Owed with the update's mark: the handler does not wait for it.
		if err := b.oweOp(c, outbox.Effects, groupID, owedMessage{Op: opRestrict, User: m.Sender.ID, Until: now.Add(rule.Mute).Unix()}); err != nil {
			b.log.Warn("flood mute failed", "err", err)
		}
	}
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	b.raise(review.Flag{
		Source: review.Flooded, GroupID: groupID, MessageDate: m.Time(), UserID: m.Sender.ID,
		AuthorName: displayName(m.Sender), AuthorLanguage: m.Sender.LanguageCode,
		Excerpt: review.Excerpt(text, review.ExcerptLen), FloodCount: rule.Messages, CreatedAt: now,
	})
}

// onReport handles /signaler (alias /report), sent as a reply to a message.
func (b *Bot) onReport(c tele.Context) error {
	m := c.Message()
	reporter := c.Sender()
	if m == nil || reporter == nil {
		return nil
	}
	lang := b.lang(c)
	g, ok := b.cfg.Group(c.Chat().ID)
	if !ok {
		if c.Chat().Type == tele.ChatPrivate {
			return b.answer(c, b.texts.T(lang, "report.how", nil))
		}
		return nil
	}
	// The command leaves no trace in the group: the reported member never
	// learns who reported them.
	// What the report causes is owed with the update's mark.
	owe := func(prio outbox.Priority, chat int64, m owedMessage) {
		if err := b.oweOp(c, prio, chat, m); err != nil {
			b.log.Error("record what a report owes", "update_id", c.Update().ID, "err", err)
		}
	}
	owe(outbox.Effects, g.ChatID, owedMessage{Op: opDelete, MessageID: m.ID})
	target := m.ReplyTo
	if target == nil || target.Sender == nil || target.Sender.IsBot {
		owe(outbox.Normal, reporter.ID, owedMessage{Text: b.texts.T(lang, "report.how", nil)})
		return nil
	}
	if !b.reportAllowed(reporter.ID) {
		b.log.Info("report refused: limit reached", "update_id", c.Update().ID, "user_id", reporter.ID)
		owe(outbox.Normal, reporter.ID, owedMessage{Text: b.texts.T(lang, "report.too_many", nil)})
		return nil
	}
	text := target.Text
	if text == "" {
		text = target.Caption
	}
	v := b.screen().Screen(text, moderation.Context{Kind: moderation.Message})
	b.raise(review.Flag{
		Source: review.Reported, GroupID: g.ChatID, MessageID: target.ID, MessageDate: target.Time(),
		UserID: target.Sender.ID, AuthorName: displayName(target.Sender), AuthorLanguage: target.Sender.LanguageCode,
		Excerpt: review.Excerpt(text, review.ExcerptLen), Score: v.Score, Reasons: reasons(v),
		ReporterID: reporter.ID, ReporterName: displayName(reporter), CreatedAt: b.now(),
	})
	b.log.Info("message reported", "update_id", c.Update().ID, "group", g.ChatID, "message_id", target.ID)
	b.count(stats.Reports)
	owe(outbox.Normal, reporter.ID, owedMessage{Text: b.texts.T(lang, "report.thanks", nil)})
	return nil
}

// reportAllowed applies the report limit (moderation.reports_per_hour).
func (b *Bot) reportAllowed(userID int64) bool {
	r := b.review
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reports.Allow(userID, b.now())
}
