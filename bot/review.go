package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/stats"
	"github.com/entrepairs/entrepairs/store"
)

// Button kinds of moderator review. Data: a flag or digest id (opaque,
// looked up in the store) and a one-letter action.
const (
	btnFlag   = "flg"
	btnDigest = "dig"
)

// Review tuning that has no reason to be a setting.
const (
	// gatherWindow: flags arriving this close together are shown as one
	// digest; a raid arrives as a burst.
	gatherWindow = 400 * time.Millisecond
	// digestSize is the most flags one digest lists (its text stays under
	// Telegram's 4096 characters and its keyboard small enough for a phone).
	digestSize = 8
	// floodQuiet: one flood card per member per this long.
	floodQuiet = 10 * time.Minute
)

// reviewState is the in-memory side of review: rate limiters per member and
// the queue of flags to show. It is rebuilt empty after a restart; flags
// themselves live in the store.
type reviewState struct {
	mu      sync.Mutex
	flood   map[memberKey]*floodState
	reports map[int64]*rate.Limiter
	queued  map[string]bool

	// queue feeds reviewLoop. While the outbox paces the moderators' chat
	// (at most 20 messages a minute), flags pile up here and the next
	// round gathers them into digests.
	queue chan string
}

type memberKey struct{ group, user int64 }

type floodState struct {
	limiter  *rate.Limiter
	lastCard time.Time
	lastSeen time.Time
}

func newReviewState() *reviewState {
	return &reviewState{
		flood:   map[memberKey]*floodState{},
		reports: map[int64]*rate.Limiter{},
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
		b.checkFlood(g.ChatID, m)
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
	v := b.screener.Screen(text, moderation.Context{Kind: kind, NewMember: b.isNewMember(g.ChatID, m.Sender.ID)})
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
	if th := b.cfg.Moderation.AutoDeleteAbove; th > 0 && v.Score >= th {
		if err := b.remove(g.ChatID, m.ID); err != nil {
			b.log.Warn("automatic deletion failed", "update_id", c.Update().ID, "err", err)
		} else {
			f.AutoDeleted = true
		}
	}
	b.raise(f)
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

func reasons(v moderation.Verdict) []review.Reason {
	out := make([]review.Reason, 0, len(v.Reasons))
	for _, r := range v.Reasons {
		// Dampening signals (a story, harm-reduction advice...) explain a
		// low score; cards show what raised it.
		if r.Weight <= 0 {
			continue
		}
		out = append(out, review.Reason{Code: r.Code, Evidence: r.Evidence})
	}
	return out
}

// raise stores a flag and queues it for the moderators.
func (b *Bot) raise(f review.Flag) {
	got, created, err := b.st.CreateFlag(f)
	if err != nil {
		b.log.Error("store flag", "err", err)
		return
	}
	if !created {
		return // already in front of the moderators
	}
	b.countFlag(got)
	b.enqueue(got.ID)
}

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

// checkFlood applies the flood rule: more than flood.messages within
// flood.per gets one card (and an optional mute) per quiet period.
func (b *Bot) checkFlood(groupID int64, m *tele.Message) {
	rule := b.cfg.Moderation.Flood
	if rule.Messages <= 0 || rule.Per <= 0 {
		return
	}
	now := b.now()
	key := memberKey{groupID, m.Sender.ID}
	r := b.review
	r.mu.Lock()
	st := r.flood[key]
	if st == nil {
		st = &floodState{limiter: rate.NewLimiter(rate.Limit(float64(rule.Messages)/rule.Per.Seconds()), rule.Messages)}
		r.flood[key] = st
	}
	st.lastSeen = now
	allowed := st.limiter.AllowN(now, 1)
	fire := !allowed && now.Sub(st.lastCard) >= floodQuiet
	if fire {
		st.lastCard = now
	}
	r.mu.Unlock()
	if !fire {
		return
	}
	b.log.Info("flood rule triggered", "group", groupID, "user_id", m.Sender.ID)
	if rule.Mute > 0 {
		until := now.Add(rule.Mute)
		err := b.admin("restrictChatMember", groupID, func() error {
			return b.tb.Restrict(&tele.Chat{ID: groupID}, &tele.ChatMember{User: m.Sender, Rights: tele.Rights{}, RestrictedUntil: until.Unix()})
		})
		if err != nil {
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
	if err := b.remove(g.ChatID, m.ID); err != nil {
		b.log.Info("could not delete the report command", "update_id", c.Update().ID, "err", err)
	}
	target := m.ReplyTo
	if target == nil || target.Sender == nil || target.Sender.IsBot {
		b.sendPrivate(reporter.ID, b.texts.T(lang, "report.how", nil))
		return nil
	}
	if !b.reportAllowed(reporter.ID) {
		b.log.Info("report refused: limit reached", "update_id", c.Update().ID, "user_id", reporter.ID)
		b.sendPrivate(reporter.ID, b.texts.T(lang, "report.too_many", nil))
		return nil
	}
	text := target.Text
	if text == "" {
		text = target.Caption
	}
	v := b.screener.Screen(text, moderation.Context{Kind: moderation.Message})
	b.raise(review.Flag{
		Source: review.Reported, GroupID: g.ChatID, MessageID: target.ID, MessageDate: target.Time(),
		UserID: target.Sender.ID, AuthorName: displayName(target.Sender), AuthorLanguage: target.Sender.LanguageCode,
		Excerpt: review.Excerpt(text, review.ExcerptLen), Score: v.Score, Reasons: reasons(v),
		ReporterID: reporter.ID, ReporterName: displayName(reporter), CreatedAt: b.now(),
	})
	b.log.Info("message reported", "update_id", c.Update().ID, "group", g.ChatID, "message_id", target.ID)
	b.count(stats.Reports)
	b.sendPrivate(reporter.ID, b.texts.T(lang, "report.thanks", nil))
	return nil
}

func (b *Bot) reportAllowed(userID int64) bool {
	per := max(b.cfg.Moderation.ReportsPerHour, 1)
	r := b.review
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.reports[userID]
	if l == nil {
		l = rate.NewLimiter(rate.Every(time.Hour/time.Duration(per)), per)
		r.reports[userID] = l
	}
	return l.AllowN(b.now(), 1)
}

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
		timer := time.NewTimer(gatherWindow)
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

func (b *Bot) present(ctx context.Context, ids []string) {
	defer func() {
		b.review.mu.Lock()
		for _, id := range ids {
			delete(b.review.queued, id)
		}
		b.review.mu.Unlock()
	}()
	var flags []*review.Flag
	for _, id := range ids {
		f, err := b.st.Flag(id)
		if err == nil && !f.Shown() {
			flags = append(flags, f)
		}
	}
	if len(flags) == 1 {
		b.postFlagCard(flags[0])
		return
	}
	for start := 0; start < len(flags); start += digestSize {
		if ctx.Err() != nil {
			return
		}
		b.postDigest(flags[start:min(start+digestSize, len(flags))])
	}
}

func (b *Bot) postFlagCard(f *review.Flag) {
	msg, err := b.send(b.cfg.Moderation.ChatID, b.flagText(f), b.flagButtons(f))
	if err != nil {
		b.log.Error("post flag card, will retry", "flag", f.ID, "err", err)
		return
	}
	if _, err := b.st.UpdateFlag(f.ID, func(x *review.Flag) error {
		x.CardChatID, x.CardMessageID = msg.Chat.ID, msg.ID
		return nil
	}); err != nil {
		b.log.Error("record flag card", "flag", f.ID, "err", err)
	}
}

func (b *Bot) postDigest(flags []*review.Flag) {
	ids := make([]string, len(flags))
	for i, f := range flags {
		ids[i] = f.ID
	}
	d, err := b.st.CreateDigest(review.Digest{FlagIDs: ids, CreatedAt: b.now()})
	if err != nil {
		b.log.Error("store digest", "err", err)
		return
	}
	text, markup := b.digestView(d)
	msg, err := b.send(b.cfg.Moderation.ChatID, text, markup)
	if err != nil {
		// The flags keep their digest id; the sweep re-posts digests
		// without a message.
		b.log.Error("post digest, will retry", "digest", d.ID, "err", err)
		return
	}
	if _, err := b.st.UpdateDigest(d.ID, func(x *review.Digest) error {
		x.CardChatID, x.CardMessageID = msg.Chat.ID, msg.ID
		return nil
	}); err != nil {
		b.log.Error("record digest", "digest", d.ID, "err", err)
	}
}

// flagView is what a card or a digest line shows of a flag.
func (b *Bot) flagView(f *review.Flag, n int, excerptLen int) map[string]any {
	lang := b.cfg.Language
	group := b.texts.T(lang, "group_fallback", nil)
	if g, ok := b.cfg.Group(f.GroupID); ok && g.Name != "" {
		group = g.Name
	}
	limit := b.cfg.Moderation.WarnLimit
	x, _ := b.st.SanctionsOf(f.UserID)
	return map[string]any{
		"N":           n,
		"Source":      string(f.Source),
		"Group":       group,
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

func (b *Bot) flagText(f *review.Flag) string {
	return b.texts.T(b.cfg.Language, "review.card", b.flagView(f, 0, review.ExcerptLen))
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

func (b *Bot) flagButtons(f *review.Flag) *tele.ReplyMarkup {
	lang := b.cfg.Language
	btn := func(key string, a review.Action) tele.InlineButton {
		return tele.InlineButton{Text: b.texts.T(lang, key, nil), Unique: btnFlag, Data: f.ID + "|" + a.Letter()}
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
				Unique: btnFlag, Data: f.ID + "|" + a.Letter(),
			})
		}
		rows = append(rows, row)
	}
	if undecided > 1 {
		bulk := make([]tele.InlineButton, 0, 3)
		for _, a := range []review.Action{review.Delete, review.Ban, review.Ignore} {
			bulk = append(bulk, tele.InlineButton{
				Text:   b.texts.T(lang, "review.bulk_"+string(a), nil),
				Unique: btnDigest, Data: d.ID + "|" + a.Letter(),
			})
		}
		rows = append(rows, bulk)
	}
	return text, &tele.ReplyMarkup{InlineKeyboard: rows}
}

// onFlagAction handles a moderator's tap on a card or a digest line.
func (b *Bot) onFlagAction(c tele.Context) error {
	id, letter, ok := strings.Cut(c.Callback().Data, "|")
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
	b.applyFlag(f)
	b.refreshFlag(f)
	return nil
}

// onDigestAction applies one action to every undecided flag of a digest.
func (b *Bot) onDigestAction(c tele.Context) error {
	id, letter, ok := strings.Cut(c.Callback().Data, "|")
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

func (b *Bot) groupName(id int64) string {
	if g, ok := b.cfg.Group(id); ok && g.Name != "" {
		return g.Name
	}
	return b.texts.T(b.cfg.Language, "group_fallback", nil)
}

// refreshFlag shows the decision where moderators see the flag.
func (b *Bot) refreshFlag(f *review.Flag) {
	if f.DigestID != "" {
		b.refreshDigest(f.DigestID)
		return
	}
	if f.CardMessageID == 0 {
		return
	}
	if err := b.edit(f.CardChatID, f.CardMessageID, b.flagText(f), b.flagButtons(f)); err != nil {
		b.log.Warn("flag card not updated", "flag", f.ID, "err", err)
	}
}

func (b *Bot) refreshDigest(id string) {
	d, err := b.st.Digest(id)
	if err != nil || d.CardMessageID == 0 {
		return
	}
	text, markup := b.digestView(d)
	if err := b.edit(d.CardChatID, d.CardMessageID, text, markup); err != nil {
		b.log.Warn("digest not updated", "digest", id, "err", err)
	}
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

// sweepReview finishes what a crash interrupted (flags never shown,
// digests never posted, decisions not applied) and forgets idle rate
// limiters.
func (b *Bot) sweepReview(now time.Time) {
	unshown, err := b.st.Flags(func(f *review.Flag) bool {
		return !f.Shown() && now.Sub(f.CreatedAt) > 5*time.Second || f.Decided() && !f.Applied ||
			// In a digest, which may never have reached the moderators (a
			// crash or a failed send after the digest was recorded):
			// Shown counts the digest id, so these need asking for.
			f.DigestID != "" && f.CardMessageID == 0 && !f.Decided()
	})
	if err != nil {
		b.log.Error("sweep: read flags", "err", err)
		return
	}
	digests := map[string]bool{}
	for _, f := range unshown {
		switch {
		case f.Decided():
			func() {
				defer b.lock(f.ID)()
				// Read again under the lock: a tap may have applied it
				// since the list was read.
				cur, err := b.st.Flag(f.ID)
				if err != nil || cur.Applied {
					return
				}
				b.applyFlag(cur)
				b.refreshFlag(cur)
			}()
		case f.DigestID != "":
			digests[f.DigestID] = true
		default:
			b.enqueue(f.ID)
		}
	}
	for id := range digests {
		if d, err := b.st.Digest(id); err == nil && d.CardMessageID == 0 && !b.presenting(d.FlagIDs) {
			text, markup := b.digestView(d)
			if msg, err := b.send(b.cfg.Moderation.ChatID, text, markup); err == nil {
				_, _ = b.st.UpdateDigest(id, func(x *review.Digest) error {
					x.CardChatID, x.CardMessageID = msg.Chat.ID, msg.ID
					return nil
				})
			}
		}
	}
	r := b.review
	r.mu.Lock()
	for k, st := range r.flood {
		if now.Sub(st.lastSeen) > floodQuiet+b.cfg.Moderation.Flood.Per {
			delete(r.flood, k)
		}
	}
	for k, l := range r.reports {
		if l.TokensAt(now) >= float64(l.Burst()) {
			delete(r.reports, k)
		}
	}
	r.mu.Unlock()
}
