package bot

import (
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/checkin"
	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/stats"
	"github.com/entrepairs/entrepairs/store"
)

// Button kinds of check-ins. Data: the group, the occurrence key and a mood
// (looked up in the store; nothing else is trusted).
const (
	btnMood  = "mood"
	btnAlert = "alrt"
)

// forgetAfter: who answered a check-in is kept this long, then only counts.
const forgetAfter = 7 * 24 * time.Hour

type tallyState struct {
	mu      sync.Mutex
	alerted map[string]time.Time
}

// runCheckIns posts the check-ins that are due, in every group, once.
func (b *Bot) runCheckIns(now time.Time) {
	loc := b.cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, ci := range b.checkins {
		for _, g := range b.cfg.Groups {
			if !ci.ForGroup(g.ChatID) {
				continue
			}
			o := checkin.Latest(ci, now, loc)
			handled, err := b.st.CheckInHandled(g.ChatID, o.Key)
			if err != nil {
				b.log.Error("read check-in ledger", "err", err)
				continue
			}
			switch checkin.Due(o, now, b.cfg.CheckInGrace, handled) {
			case checkin.Post:
				b.postCheckIn(ci, o, g.ChatID)
			case checkin.Skip:
				if ok, err := b.st.ClaimCheckIn(store.CheckInPost{Group: g.ChatID, Key: o.Key, CheckIn: ci.Name, State: store.Skipped, At: o.At}); err == nil && ok {
					b.log.Info("check-in skipped: due more than checkin_grace ago (the bot was down, or just installed)",
						"checkin", ci.Name, "group", g.ChatID, "was_due", o.At, "grace", b.cfg.CheckInGrace)
				}
			}
		}
	}
}

func (b *Bot) postCheckIn(ci checkin.CheckIn, o checkin.Occurrence, group int64) {
	lang := b.cfg.Language
	n := 0
	for b.texts.Has(lang, fmt.Sprintf("%s.%d", ci.TextPrefix(), n)) {
		n++
	}
	if n == 0 {
		b.log.Error("check-in has no text", "checkin", ci.Name, "key", ci.TextPrefix())
		return
	}
	variant := checkin.Variant(o, n)
	// Claimed before posting: a crash right after posting must not post
	// again.
	ok, err := b.st.ClaimCheckIn(store.CheckInPost{Group: group, Key: o.Key, CheckIn: ci.Name, State: store.Claimed, At: o.At, Variant: variant})
	if err != nil || !ok {
		return
	}
	p := &store.CheckInPost{Group: group, Key: o.Key, CheckIn: ci.Name, Variant: variant}
	msg, err := b.send(group, b.checkInText(p), tele.Protected, b.moodButtons(group, o.Key))
	if err != nil {
		b.log.Error("check-in not posted", "checkin", ci.Name, "group", group, "err", err)
		return
	}
	if _, err := b.st.UpdateCheckIn(group, o.Key, func(x *store.CheckInPost) error {
		x.State, x.MessageID = store.Posted, msg.ID
		return nil
	}); err != nil {
		b.log.Error("record check-in", "err", err)
	}
	b.log.Info("check-in posted", "checkin", ci.Name, "group", group, "key", o.Key)
	b.countAt(o.At, stats.CheckInsPosted, 1)
}

func (b *Bot) checkInText(p *store.CheckInPost) string {
	lang := b.cfg.Language
	prefix := "checkins." + p.CheckIn
	for _, ci := range b.checkins {
		if ci.Name == p.CheckIn {
			prefix = ci.TextPrefix()
		}
	}
	body := b.texts.T(lang, fmt.Sprintf("%s.%d", prefix, p.Variant), nil)
	return body + "\n\n" + b.texts.T(lang, "checkins.tally", map[string]any{"Total": p.Tally.Total()})
}

func (b *Bot) moodButtons(group int64, key string) *tele.ReplyMarkup {
	lang := b.cfg.Language
	data := func(m checkin.Mood) string { return buttonData(strconv.FormatInt(group, 10), key, string(m)) }
	btn := func(m checkin.Mood) tele.InlineButton {
		return tele.InlineButton{Text: b.texts.T(lang, m.TextKey(), nil), Unique: btnMood, Data: data(m)}
	}
	return &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{
		{btn(checkin.Good), btn(checkin.Meh)},
		{btn(checkin.Hard), btn(checkin.NeedTalk)},
	}}
}

// parseCheckInData reads group|key|mood.
func parseCheckInData(data string) (int64, string, checkin.Mood, bool) {
	parts := dataFields(data)
	if len(parts) != 3 {
		return 0, "", "", false
	}
	group, err := strconv.ParseInt(parts[0], 10, 64)
	mood, ok := checkin.ParseMood(parts[2])
	return group, parts[1], mood, err == nil && ok
}

// onMood counts a member's answer (once per check-in), answers with a
// private toast, and offers help in private for a hard time.
func (b *Bot) onMood(c tele.Context) error {
	group, key, mood, ok := parseCheckInData(c.Callback().Data)
	who := c.Sender()
	if !ok || who == nil {
		return b.onStaleButton(c)
	}
	lang := b.lang(c)
	// The answer and what it owes (the tally's edit, help in private) in
	// one transaction: the sender sends them.
	var ans store.CheckInAnswer
	err := b.write(func(tx *store.Tx) error {
		var err error
		if ans, err = tx.AnswerCheckIn(group, key, who.ID, mood); err != nil {
			return err
		}
		if mood.Worrying() {
			// Every time, not only on a first answer: a member who never
			// opened the private chat is asked to open it and tap again.
			if err := b.oweHelp(tx, c, who, group, key, mood, lang); err != nil {
				return err
			}
		}
		return b.oweTally(tx, c, ans.Post)
	})
	if errors.Is(err, store.ErrNotFound) {
		return b.onStaleButton(c)
	}
	if err != nil {
		_ = b.toast(c, b.texts.T(lang, "error.generic", nil))
		return err
	}
	p, old, had := ans.Post, ans.Old, ans.Had
	b.countMood(p.At, old, had, mood)
	if mood.Worrying() {
		// Whether the member opened the private chat is known only once
		// the help is sent: the toast says both.
		_ = b.toast(c, b.texts.T(lang, "checkins.toast_hard", map[string]any{"Bot": b.Username()}))
	} else {
		_ = b.toast(c, b.texts.T(lang, "checkins.toast_thanks", nil))
	}
	return nil
}

// oweTally owes, within tx, the edit of p's message to show its tally,
// unless one is owed already (it will show the tally as it is when sent:
// one owed edit per message, however many taps) or the message shows it.
// At the lowest priority: a tally can wait behind everything else.
func (b *Bot) oweTally(tx *store.Tx, c tele.Context, p *store.CheckInPost) error {
	if p.MessageID == 0 || p.TallyOwed || p.TallyShown == p.Tally.Total() {
		return nil
	}
	if _, err := tx.UpdateCheckIn(p.Group, p.Key, func(x *store.CheckInPost) error {
		x.TallyOwed = true
		return nil
	}); err != nil {
		return err
	}
	p.TallyOwed = true
	return b.oweIn(tx, c, outbox.Normal, p.Group, owedMessage{Op: opRefresh, Then: &followUp{Kind: thenTally, ID: tallyRef(p.Group, p.Key)}})
}

func tallyRef(group int64, key string) string { return strconv.FormatInt(group, 10) + "|" + key }

func parseTallyRef(ref string) (int64, string, bool) {
	g, key, ok := strings.Cut(ref, "|")
	group, err := strconv.ParseInt(g, 10, 64)
	return group, key, ok && err == nil
}

// renderTally fills m with the edit of the check-in message ref names,
// showing its tally as the store has it now; false when there is no
// message (gone).
func (b *Bot) renderTally(m *owedMessage) (int64, bool) {
	group, key, ok := parseTallyRef(m.Then.ID)
	if !ok {
		return 0, false
	}
	p, err := b.st.CheckIn(group, key)
	if err != nil || p.MessageID == 0 {
		return 0, false
	}
	m.MessageID, m.Text, m.Markup = p.MessageID, b.checkInText(p), b.moodButtons(p.Group, p.Key)
	m.Then.Shown = p.Tally.Total()
	return group, true
}

// tallyShown records, in the transaction that forgets the tally's owed
// edit, the total it showed (also when Telegram refused it for good: the
// next answer tries again, not every sweep); answers counted while it was
// on its way owe the next edit.
func (b *Bot) tallyShown(tx *store.Tx, then *followUp) error {
	group, key, ok := parseTallyRef(then.ID)
	if !ok {
		return nil
	}
	p, err := tx.UpdateCheckIn(group, key, func(x *store.CheckInPost) error {
		x.TallyOwed = false
		if then.Shown >= 0 {
			x.TallyShown = then.Shown
		}
		return nil
	})
	if err != nil {
		return err
	}
	return b.oweTally(tx, nil, p)
}

// oweHelp owes, within tx, a member who answered "hard" or "need to talk"
// the emergency numbers of their region and the offer to alert a
// moderator: at the first priority, with charters (a private message, to
// a person who may be in distress).
func (b *Bot) oweHelp(tx *store.Tx, c tele.Context, who *tele.User, group int64, key string, mood checkin.Mood, lang string) error {
	region := b.regionOf(who.ID, group)
	text := b.texts.T(lang, "checkins.private_help", map[string]any{"Emergency": b.emergencyBlock(lang, region)})
	markup := &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{{
		{Text: b.texts.T(lang, "checkins.btn_alert_moderator", nil), Unique: btnAlert, Data: buttonData(strconv.FormatInt(group, 10), key, string(mood))},
	}}}
	return b.oweIn(tx, c, outbox.Charter, who.ID, owedMessage{Text: text, Markup: markup})
}

// onAlert: the member asked for a moderator. Only now does anything about
// them reach the moderators' chat.
func (b *Bot) onAlert(c tele.Context) error {
	group, key, mood, ok := parseCheckInData(c.Callback().Data)
	who := c.Sender()
	if !ok || who == nil || c.Chat() == nil || c.Chat().Type != tele.ChatPrivate {
		return b.onStaleButton(c)
	}
	// The data names a check-in; only the store says it was posted.
	p, err := b.st.CheckIn(group, key)
	if err != nil {
		return b.onStaleButton(c)
	}
	lang := b.lang(c)
	once := strconv.FormatInt(who.ID, 10) + "|" + strconv.FormatInt(group, 10) + "|" + key
	b.tallies.mu.Lock()
	_, already := b.tallies.alerted[once]
	b.tallies.alerted[once] = b.now()
	b.tallies.mu.Unlock()
	if !already {
		contact := "tg://user?id=" + strconv.FormatInt(who.ID, 10)
		if who.Username != "" {
			contact = "https://t.me/" + who.Username
		}
		card := b.texts.T(b.cfg.Language, "checkins.alert_card", map[string]any{
			"Name": displayName(who), "Group": b.groupName(group), "CheckIn": p.CheckIn,
			"Mood": b.texts.T(b.cfg.Language, mood.TextKey(), nil), "Contact": template.URL(contact),
		})
		// Owed with the update's mark; its message id is remembered once
		// sent, to clear it after the retention period.
		if err := b.oweOp(c, outbox.Moderators, b.cfg.Moderation.ChatID, owedMessage{Text: card, Then: &followUp{Kind: thenAlertCard}}); err != nil {
			b.tallies.mu.Lock()
			delete(b.tallies.alerted, once)
			b.tallies.mu.Unlock()
			_ = b.toast(c, b.texts.T(lang, "error.generic", nil))
			return err
		}
		b.log.Info("member asked for a moderator after a check-in", "update_id", c.Update().ID, "group", group)
		b.count(stats.CheckInAlerts)
	}
	_ = b.toast(c, b.texts.T(lang, "checkins.alert_sent", nil))
	if msg := c.Callback().Message; msg != nil {
		if err := b.setButtons(msg, msg.Chat.ID, nil); err != nil {
			b.log.Info("could not remove the alert button", "err", err)
		}
	}
	return b.oweOp(c, outbox.Normal, who.ID, owedMessage{Text: b.texts.T(lang, "checkins.alert_sent", nil)})
}

// sweepCheckIns keeps the aggregates current and closes each occurrence
// a week after it (claimed but never posted ones too): its key and who
// answered are deleted, only the counts stay.
func (b *Bot) sweepCheckIns(now time.Time) {
	posts, err := b.st.CheckIns(func(p *store.CheckInPost) bool {
		due := p.State != store.Skipped && p.Open() && now.Sub(p.At) >= forgetAfter
		return due || p.State == store.Posted && !p.TallyOwed && p.TallyShown != p.Tally.Total()
	})
	if err != nil {
		return
	}
	for _, p := range posts {
		if p.State != store.Skipped && p.Open() && now.Sub(p.At) >= forgetAfter {
			if err := b.st.CloseCheckIn(p.Group, p.Key); err != nil {
				b.log.Error("close check-in", "group", p.Group, "key", p.Key, "err", err)
			} else {
				b.log.Info("check-in closed: only its counts are kept", "group", p.Group, "key", p.Key)
			}
			continue
		}
		// Answers counted while the message was claimed, not yet posted
		// (or recorded by an older version): their tally is owed now.
		if err := b.write(func(tx *store.Tx) error {
			cur, err := tx.CheckIn(p.Group, p.Key) // as it is now: a tap may have owed it since
			if err != nil {
				return err
			}
			return b.oweTally(tx, nil, cur)
		}); err != nil && !errors.Is(err, store.ErrNotFound) {
			b.log.Error("record check-in tally owed", "group", p.Group, "key", p.Key, "err", err)
		}
	}
	b.tallies.mu.Lock()
	for k, t := range b.tallies.alerted {
		if now.Sub(t) > forgetAfter {
			delete(b.tallies.alerted, k)
		}
	}
	b.tallies.mu.Unlock()
}
