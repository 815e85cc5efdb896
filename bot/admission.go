package bot

import (
	"errors"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/stats"
	"github.com/entrepairs/entrepairs/store"
)

// Button kinds. Their data is an admission id (opaque, looked up in the
// store) and a one-word action; nothing in it is trusted beyond that.
const (
	btnDecision = "adm" // moderators: approve / refuse
	btnCharter  = "chr" // the person: accept / decline the charter
)

// Deep-link payloads.
const (
	startAccept  = "ok_" // join-request mode: accepting opens the private chat
	startCharter = "c_"  // restrict mode: the notice leads to the charter
)

// onJoinRequest answers a Telegram join request with the charter, at once:
// Telegram lets the bot write to the requester for a few minutes only.
func (b *Bot) onJoinRequest(c tele.Context) error {
	req := c.ChatJoinRequest()
	if req == nil || req.Sender == nil || req.Chat == nil || req.Sender.IsBot {
		return nil
	}
	g, ok := b.cfg.Group(req.Chat.ID)
	if !ok {
		return nil
	}
	chatID := req.UserChatID
	if chatID == 0 {
		chatID = req.Sender.ID
	}
	if b.gateRequest(c, req, chatID) {
		return nil
	}
	asked := req.Time()
	if req.Unixtime == 0 {
		asked = b.now()
	}
	// The admission and the charter it owes, in one transaction: a crash
	// leaves both (the sender sends the charter at the next start) or
	// neither (Telegram delivers the request again).
	var a *admission.Admission
	var created, known bool
	err := b.write(func(tx *store.Tx) error {
		var err error
		a, created, err = tx.OpenAdmission(admission.Admission{
			GroupID: g.ChatID, GroupTitle: req.Chat.Title, UserID: req.Sender.ID,
			Mode: admission.ByRequest, Name: displayName(req.Sender), Username: req.Sender.Username,
			Language: req.Sender.LanguageCode, Bio: req.Bio, RequestedAt: asked, State: admission.Pending,
			Signals: b.screenRequester(req.Sender, req.Bio),
		})
		if err != nil {
			return err
		}
		if !created && (!a.CharterSentAt.IsZero() || a.State != admission.Pending) {
			known = true
			return nil
		}
		return b.oweCharter(tx, c, a, chatID, true)
	})
	if err != nil {
		return err
	}
	if created {
		b.count(stats.JoinRequests)
	}
	if known {
		b.log.Info("join request already known", "update_id", c.Update().ID, "admission", a.ID)
	}
	return nil
}

// screenRequester screens a join requester's name and bio with the same
// rules as messages; what it finds is shown as a warning on the card,
// never acted upon.
func (b *Bot) screenRequester(u *tele.User, bio string) []string {
	var out []string
	for _, probe := range []struct {
		text string
		kind moderation.Kind
	}{{displayName(u) + " " + u.Username, moderation.Name}, {bio, moderation.Bio}} {
		if strings.TrimSpace(probe.text) == "" {
			continue
		}
		if v := b.screen().Screen(probe.text, moderation.Context{Kind: probe.kind}); v.Flag {
			for _, r := range v.Reasons {
				if r.Weight <= 0 {
					continue
				}
				out = append(out, r.Code+"|"+r.Evidence)
			}
		}
	}
	return out
}

// offerCharter sends the charter again to a person who asks for it (a
// restrict-mode notice's link), durably, as onJoinRequest does.
func (b *Bot) offerCharter(c tele.Context, id string, chatID int64, viaLink bool) {
	err := b.write(func(tx *store.Tx) error {
		a, err := tx.Admission(id)
		if err != nil {
			return err
		}
		return b.oweCharter(tx, c, a, chatID, viaLink)
	})
	if err != nil {
		b.log.Error("offer charter", "admission", id, "err", err)
	}
}

// oweCharter records in tx the charter owed to the person, with the
// buttons to accept or decline it, and that it was sent. viaLink makes
// the accept button a deep link, which also opens the private chat (needed
// after a join request, whose chat closes).
func (b *Bot) oweCharter(tx *store.Tx, c tele.Context, a *admission.Admission, chatID int64, viaLink bool) error {
	g, ok := b.cfg.Group(a.GroupID)
	if !ok {
		return nil
	}
	lang := b.texts.Pick(a.Language, b.cfg.Language)
	ch := b.charters.Get(g.Charter, lang)
	if ch == nil {
		b.log.Error("no charter loaded for group", "group", g.ChatID)
		return nil
	}
	accept := tele.InlineButton{Text: b.texts.T(lang, "admission.btn_accept", nil)}
	if viaLink {
		accept.URL = b.deepLink(startAccept + a.ID)
	} else {
		accept.Unique, accept.Data = btnCharter, a.ID+"|yes"
	}
	decline := tele.InlineButton{Text: b.texts.T(lang, "admission.btn_decline", nil), Unique: btnCharter, Data: buttonData(a.ID, "no")}
	markup := &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{{accept}, {decline}}}
	msgs := []owedMessage{{Text: b.texts.T(lang, "admission.charter_intro", map[string]any{"Group": b.groupTitle(a)})}}
	for i, part := range ch.Parts {
		m := owedMessage{Text: part}
		if i == len(ch.Parts)-1 {
			m.Markup = markup
		}
		msgs = append(msgs, m)
	}
	if err := b.oweIn(tx, c, outbox.Charter, chatID, msgs...); err != nil {
		return err
	}
	_, err := tx.UpdateAdmission(a.ID, func(x *admission.Admission) error {
		x.CharterSentAt = b.now()
		x.CharterShown = ch.Version
		return nil
	})
	return err
}

// onStart handles /start in private, with the deep-link payloads.
func (b *Bot) onStart(c tele.Context) error {
	if c.Chat().Type != tele.ChatPrivate {
		return nil
	}
	lang := b.lang(c)
	payload := strings.TrimSpace(c.Message().Payload)
	switch {
	case strings.HasPrefix(payload, startAccept):
		return b.acceptCharter(c, strings.TrimPrefix(payload, startAccept))
	case strings.HasPrefix(payload, startCharter):
		return b.showCharterFor(c, strings.TrimPrefix(payload, startCharter))
	case payload == startResources:
		return b.onResources(c)
	}
	return b.answer(c, b.texts.T(lang, "start.welcome", nil))
}

// ownAdmission loads the admission named in a link or button and checks it
// belongs to whoever used it: links get forwarded.
func (b *Bot) ownAdmission(c tele.Context, id string) (*admission.Admission, string, bool) {
	lang := b.lang(c)
	a, err := b.st.Admission(id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			b.log.Error("load admission", "update_id", c.Update().ID, "err", err)
		}
		b.reply(c, b.texts.T(lang, "admission.unknown", nil))
		return nil, lang, false
	}
	if c.Sender() == nil || a.UserID != c.Sender().ID {
		b.log.Warn("admission link used by someone else", "update_id", c.Update().ID, "admission", id)
		b.reply(c, b.texts.T(lang, "admission.not_yours", nil))
		return nil, lang, false
	}
	return a, lang, true
}

// reply answers in the same chat: a toast for a button, a message otherwise.
func (b *Bot) reply(c tele.Context, text string) {
	var err error
	if c.Callback() != nil {
		err = b.toast(c, text)
	} else {
		err = b.answer(c, text)
	}
	if err != nil {
		b.log.Warn("reply failed", "update_id", c.Update().ID, "err", err)
	}
}

func (b *Bot) showCharterFor(c tele.Context, id string) error {
	a, lang, ok := b.ownAdmission(c, id)
	if !ok {
		return nil
	}
	switch a.State {
	case admission.Pending, admission.Declined:
		if a.State == admission.Declined && a.Mode != admission.ByRestriction {
			b.reply(c, b.texts.T(lang, "admission.closed", nil))
			return nil
		}
		b.offerCharter(c, a.ID, c.Chat().ID, false)
	default:
		b.replyState(c, a, lang)
	}
	return nil
}

// replyState tells the person where their admission stands, when they use
// an old link or button.
func (b *Bot) replyState(c tele.Context, a *admission.Admission, lang string) {
	key := "admission.closed"
	switch a.State {
	case admission.Accepted:
		key = "admission.already_accepted"
	case admission.Approved:
		key = "admission.already_member"
	}
	b.reply(c, b.texts.T(lang, key, nil))
}

// acceptCharter records the acceptance and shows the person to the
// moderators.
func (b *Bot) acceptCharter(c tele.Context, id string) error {
	a, lang, ok := b.ownAdmission(c, id)
	if !ok {
		return nil
	}
	unlock := b.lock(a.ID)
	// The acceptance, the moderators' card and the thanks, in one
	// transaction.
	var notPending bool
	err := b.write(func(tx *store.Tx) error {
		var err error
		a, err = tx.UpdateAdmission(a.ID, func(a *admission.Admission) error {
			if a.CharterShown == "" {
				if g, ok := b.cfg.Group(a.GroupID); ok {
					if ch := b.charters.Get(g.Charter, b.texts.Pick(a.Language, b.cfg.Language)); ch != nil {
						a.CharterShown = ch.Version
					}
				}
			}
			return a.Accept(b.now())
		})
		if errors.Is(err, admission.ErrNotPending) {
			notPending = true
			return nil
		}
		if err != nil {
			return err
		}
		if err := b.oweCard(tx, c, a); err != nil {
			return err
		}
		return b.oweIn(tx, c, outbox.Charter, a.UserID, owedMessage{Text: b.texts.T(lang, "admission.accepted", nil)})
	})
	switch {
	case err != nil:
		unlock()
		return err
	case notPending:
		if a.NeedsCard() {
			b.postCard(a)
		}
		unlock()
		b.replyState(c, a, lang)
		return nil
	}
	unlock()
	if c.Callback() != nil {
		_ = b.toast(c, b.texts.T(lang, "admission.accepted_toast", nil))
		b.closeCharterButtons(c, lang)
	}
	return nil
}

// closeCharterButtons replaces the accept/decline buttons under the charter
// with a plain mark, so they cannot be tapped again.
func (b *Bot) closeCharterButtons(c tele.Context, lang string) {
	msg := c.Callback().Message
	if msg == nil {
		return
	}
	if err := b.setButtons(msg, msg.Chat.ID, nil); err != nil {
		b.log.Info("could not remove charter buttons", "update_id", c.Update().ID, "err", b.scrub(err))
	}
}

// onCharterAnswer handles the person's accept / decline buttons.
func (b *Bot) onCharterAnswer(c tele.Context) error {
	id, action, ok := dataPair(c.Callback().Data)
	if !ok || (action != "yes" && action != "no") {
		return b.onStaleButton(c)
	}
	if action == "yes" {
		return b.acceptCharter(c, id)
	}
	a, lang, ok := b.ownAdmission(c, id)
	if !ok {
		return nil
	}
	unlock := b.lock(a.ID)
	// The refusal, the join request let go and the goodbye, in one
	// transaction.
	err := b.write(func(tx *store.Tx) error {
		var err error
		a, err = tx.UpdateAdmission(a.ID, func(a *admission.Admission) error { return a.Decline(b.now()) })
		if err != nil {
			return err
		}
		key := "admission.declined_restrict"
		if a.Mode == admission.ByRequest {
			key = "admission.declined"
			// The person does not want to join: let the request go, so
			// that it does not wait forever and they can ask again later.
			if err := b.oweIn(tx, c, outbox.Effects, a.GroupID, owedMessage{Op: opDecline, User: a.UserID}); err != nil {
				return err
			}
		}
		return b.oweIn(tx, c, outbox.Charter, c.Chat().ID, owedMessage{Text: b.texts.T(lang, key, nil)})
	})
	unlock()
	if errors.Is(err, admission.ErrNotPending) {
		b.replyState(c, a, lang)
		return nil
	}
	if err != nil {
		return err
	}
	b.count(stats.ChartersDeclined)
	_ = b.toast(c, b.texts.T(lang, "admission.declined_toast", nil))
	b.closeCharterButtons(c, lang)
	return nil
}

// postCard shows an accepted admission to the moderators, durably (the
// sweep, for an admission accepted before the card was owed with it). The
// caller holds the admission's lock.
func (b *Bot) postCard(a *admission.Admission) {
	err := b.write(func(tx *store.Tx) error {
		cur, err := tx.Admission(a.ID)
		if err != nil {
			return err
		}
		*a = *cur
		return b.oweCard(tx, nil, a)
	})
	if err != nil {
		b.log.Error("post admission card", "admission", a.ID, "err", err)
	}
}

// oweCard records in tx the moderators' card of an accepted admission; its
// message id is recorded on the admission once it is sent.
func (b *Bot) oweCard(tx *store.Tx, c tele.Context, a *admission.Admission) error {
	if !a.NeedsCard() {
		return nil
	}
	err := b.oweIn(tx, c, outbox.Moderators, b.cfg.Moderation.ChatID, owedMessage{
		Op: opCard, Then: &followUp{Kind: thenAdmissionCard, ID: a.ID},
	})
	if err != nil {
		return err
	}
	updated, err := tx.UpdateAdmission(a.ID, func(x *admission.Admission) error {
		x.CardOwed = true
		return nil
	})
	if err == nil {
		*a = *updated
	}
	return err
}

// decisionButtons are the moderators' buttons under an undecided card:
// approve, refuse, and refuse as a dealer (a sanction that follows the
// person to every group the bot serves).
func (b *Bot) decisionButtons(a *admission.Admission) *tele.ReplyMarkup {
	lang := b.cfg.Language
	return &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{{
		{Text: b.texts.T(lang, "admission.btn_approve", nil), Unique: btnDecision, Data: buttonData(a.ID, "ok")},
		{Text: b.texts.T(lang, "admission.btn_refuse", nil), Unique: btnDecision, Data: buttonData(a.ID, "no")},
	}, {
		{Text: b.texts.T(lang, "privacy.btn_refuse_dealer", nil), Unique: btnDecision, Data: buttonData(a.ID, "dl")},
	}}}
}

func (b *Bot) groupTitle(a *admission.Admission) string {
	if g, ok := b.cfg.Group(a.GroupID); ok && g.Name != "" {
		return g.Name
	}
	if a.GroupTitle != "" {
		return a.GroupTitle
	}
	return b.texts.T(b.cfg.Language, "group_fallback", nil)
}

// cardText is the moderators' card: who asks, for which group, since when,
// which charter they accepted, and once decided, the outcome.
func (b *Bot) cardText(a *admission.Admission, lang string) string {
	name := a.Name
	if name == "" && a.Username == "" {
		name = b.texts.T(lang, "privacy.name_erased", nil) // erased at the person's request
	}
	data := map[string]any{
		"Group":     b.groupTitle(a),
		"Name":      name,
		"Username":  a.Username,
		"Language":  a.Language,
		"Bio":       a.Bio,
		"Asked":     b.when(a.RequestedAt, lang),
		"Version":   a.CharterVersion,
		"Restrict":  a.Mode == admission.ByRestriction,
		"Decided":   a.Decided(),
		"Approved":  a.State == admission.Approved,
		"By":        a.DecidedByName,
		"At":        b.when(a.DecidedAt, lang),
		"Failure":   a.ApplyError,
		"Reminded":  !a.RemindedAt.IsZero(),
		"Signals":   b.signalText(a.Signals, lang),
		"Undecided": !a.Decided(),
	}
	text := b.cardSanctions(a, lang) + b.texts.T(lang, "admission.card", data)
	if a.Dealer {
		text += "\n" + b.texts.T(lang, "privacy.card_dealer", nil)
	}
	return text
}

// onDecision handles a moderator's approve / refuse tap. The first tap wins.
func (b *Bot) onDecision(c tele.Context) error {
	lang := b.cfg.Language
	id, action, ok := dataPair(c.Callback().Data)
	if !ok || (action != "ok" && action != "no" && action != "dl") {
		return b.onStaleButton(c)
	}
	who := c.Sender()
	if who == nil || !b.cfg.IsModerator(who.ID) {
		b.log.Warn("decision refused: not a moderator", "update_id", c.Update().ID, "user_id", senderID(c))
		return b.toast(c, b.texts.T(b.lang(c), "mod.not_allowed", nil))
	}
	unlock := b.lock(id)
	defer unlock()
	// The decision and its carrying out (owed: the sender runs apply), in
	// one transaction.
	var a *admission.Admission
	err := b.write(func(tx *store.Tx) error {
		var err error
		a, err = tx.UpdateAdmission(id, func(a *admission.Admission) error {
			if err := a.Decide(action == "ok", who.ID, displayName(who), b.now()); err != nil {
				return err
			}
			a.Dealer = action == "dl"
			return nil
		})
		if err != nil {
			return err
		}
		return b.oweIn(tx, c, outbox.Effects, a.GroupID, owedMessage{Op: opApply, Ref: a.ID})
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return b.onStaleButton(c)
	case errors.Is(err, admission.ErrAlreadyDecided):
		return b.toast(c, b.texts.T(lang, "mod.already_decided", map[string]any{"By": a.DecidedByName}))
	case errors.Is(err, admission.ErrNotAccepted):
		return b.toast(c, b.texts.T(lang, "mod.not_accepted", nil))
	case err != nil:
		_ = b.toast(c, b.texts.T(lang, "error.generic", nil))
		return err
	}
	b.log.Info("admission decided", "update_id", c.Update().ID, "admission", a.ID, "state", a.State, "by", who.ID)
	b.countDecision(a)
	if a.State == admission.Refused {
		// Kept under a hash of the user id, for the next request to any group.
		if err := b.st.AddRefusal(a.UserID, a.Dealer, a.DecidedAt); err != nil {
			b.log.Error("record refusal", "admission", a.ID, "err", err)
		}
	}
	_ = b.toast(c, b.texts.T(lang, "mod.decision_recorded", nil))
	return nil
}

// carryOut carries out the decision recorded on an admission (an owed
// opApply entry; the sweep for what a crash left unfinished).
func (b *Bot) carryOut(id string) {
	defer b.lock(id)()
	a, err := b.st.Admission(id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			b.log.Error("carry out decision", "admission", id, "err", err)
		}
		return
	}
	if a.NeedsApply() {
		b.apply(a)
	}
}

// apply carries a recorded decision out: first Telegram's action (the one
// step that cannot share a transaction with its record: a crash between
// the two makes the next start try it again, which Telegram answers as
// already done), then, in one transaction, its record, the closing of the
// admission and what it owes: telling the person and updating the card.
// The caller holds the admission's lock.
func (b *Bot) apply(a *admission.Admission) {
	failure := a.ApplyError
	if !a.Applied {
		err := b.applyToTelegram(a)
		if err != nil && !permanent(err) {
			b.log.Warn("decision not applied yet, will retry", "admission", a.ID, "err", err)
			return
		}
		failure = ""
		if err != nil {
			b.log.Warn("telegram refused the decision", "admission", a.ID, "err", err)
			failure = telegramReason(err)
		}
	}
	err := b.write(func(tx *store.Tx) error {
		cur, err := tx.UpdateAdmission(a.ID, func(x *admission.Admission) error {
			if x.Closed {
				return errClosed
			}
			x.Applied, x.ApplyError = true, failure
			return nil
		})
		if err != nil {
			return err
		}
		if cur.ApplyError == "" {
			lang := b.texts.Pick(cur.Language, b.cfg.Language)
			key := "admission.welcome"
			if cur.State == admission.Refused {
				key = "admission.refused"
			}
			if err := b.oweIn(tx, nil, outbox.Effects, cur.UserID, owedMessage{Text: b.texts.T(lang, key, map[string]any{"Group": b.groupTitle(cur)})}); err != nil {
				return err
			}
		}
		if cur.CardMessageID != 0 {
			if err := b.oweIn(tx, nil, outbox.Effects, cur.CardChatID, owedMessage{Op: opEdit, MessageID: cur.CardMessageID, Text: b.cardText(cur, b.cfg.Language)}); err != nil {
				return err
			}
		}
		updated, err := tx.UpdateAdmission(a.ID, func(x *admission.Admission) error {
			x.Closed = true
			x.Forget()
			return nil
		})
		if err == nil {
			*a = *updated
		}
		return err
	})
	if err != nil && !errors.Is(err, errClosed) {
		b.log.Error("record applied decision", "admission", a.ID, "err", err)
	}
}

// errClosed: the admission was closed meanwhile (the sweep and an owed
// entry met); nothing to do.
var errClosed = errors.New("admission already closed")

func (b *Bot) applyToTelegram(a *admission.Admission) error {
	chat := &tele.Chat{ID: a.GroupID}
	user := &tele.User{ID: a.UserID}
	switch {
	case a.Mode == admission.ByRequest && a.State == admission.Approved:
		err := b.admin("approveChatJoinRequest", a.GroupID, func() error { return b.tb.ApproveJoinRequest(chat, user) })
		if err != nil && strings.Contains(err.Error(), "USER_ALREADY_PARTICIPANT") {
			return nil
		}
		if requestGone(err) && b.inGroup(a.GroupID, a.UserID) == 1 {
			return nil
		}
		return err
	case a.Mode == admission.ByRequest:
		err := b.admin("declineChatJoinRequest", a.GroupID, func() error { return b.tb.DeclineJoinRequest(chat, user) })
		if requestGone(err) && b.inGroup(a.GroupID, a.UserID) == 0 {
			return nil
		}
		return err
	case a.State == admission.Approved:
		// Back to what every member of this group may do.
		rights := tele.NoRestrictions()
		var full *tele.Chat
		err := b.admin("getChat", a.GroupID, func() (err error) {
			full, err = b.tb.ChatByID(a.GroupID)
			return err
		})
		if err == nil && full.Permissions != nil {
			rights = *full.Permissions
		} else if err != nil {
			b.log.Warn("group permissions unknown, lifting all restrictions", "group", a.GroupID, "err", b.scrub(err))
		}
		return b.admin("restrictChatMember", a.GroupID, func() error {
			return b.tb.Restrict(chat, &tele.ChatMember{User: user, Rights: rights})
		})
	default:
		// Telegram has no kick: a ban followed by an unban removes the
		// person without barring them for ever.
		if err := b.admin("banChatMember", a.GroupID, func() error { return b.tb.Ban(chat, &tele.ChatMember{User: user}) }); err != nil {
			return err
		}
		return b.admin("unbanChatMember", a.GroupID, func() error { return b.tb.Unban(chat, user, true) })
	}
}

// requestGone: Telegram no longer has the join request. That is what it
// answers when the request was already approved or declined: by this bot
// before a crash kept it from recording so (the sweep then carries the
// decision out a second time), or by an admin in Telegram itself.
func requestGone(err error) bool {
	return err != nil && strings.Contains(err.Error(), "HIDE_REQUESTER_MISSING")
}

// inGroup asks Telegram whether the person is in the group: 1 yes, 0 no,
// -1 unknown. It tells a decision already carried out from one Telegram
// refuses.
func (b *Bot) inGroup(groupID, userID int64) int {
	var m *tele.ChatMember
	err := b.admin("getChatMember", groupID, func() (err error) {
		m, err = b.tb.ChatMemberOf(&tele.Chat{ID: groupID}, &tele.User{ID: userID})
		return err
	})
	if err != nil || m == nil {
		b.log.Warn("membership unknown", "group", groupID, "err", err)
		return -1
	}
	switch m.Role {
	case tele.Member, tele.Administrator, tele.Creator:
		return 1
	case tele.Restricted:
		if m.Member {
			return 1
		}
	}
	return 0
}

// telegramReason keeps the part of a Telegram refusal worth showing to
// moderators.
func telegramReason(err error) string {
	var apiErr *tele.Error
	if errors.As(err, &apiErr) {
		return apiErr.Description
	}
	return err.Error()
}

// overdue lists the admissions that have waited for a moderator longer
// than moderation.reminder_after and were not reminded yet.
func (b *Bot) overdue(now time.Time) ([]*admission.Admission, error) {
	after := b.cfg.Moderation.ReminderAfter
	return b.st.Admissions(func(a *admission.Admission) bool { return a.NeedsReminder(now, after) })
}

// signalText renders the screening signals stored on an admission.
func (b *Bot) signalText(signals []string, lang string) string {
	rs := make([]review.Reason, 0, len(signals))
	for _, s := range signals {
		code, ev, _ := strings.Cut(s, "|")
		rs = append(rs, review.Reason{Code: code, Evidence: ev})
	}
	return b.reasonText(rs, lang)
}
