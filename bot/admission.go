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
	if b.gateRequest(req, chatID, c.Update().ID) {
		return nil
	}
	asked := req.Time()
	if req.Unixtime == 0 {
		asked = b.now()
	}
	a, created, err := b.st.OpenAdmission(admission.Admission{
		GroupID: g.ChatID, GroupTitle: req.Chat.Title, UserID: req.Sender.ID,
		Mode: admission.ByRequest, Name: displayName(req.Sender), Username: req.Sender.Username,
		Language: req.Sender.LanguageCode, Bio: req.Bio, RequestedAt: asked, State: admission.Pending,
		Signals: b.screenRequester(req.Sender, req.Bio),
	})
	if err != nil {
		return err
	}
	if created {
		b.count(stats.JoinRequests)
	}
	if !created && (!a.CharterSentAt.IsZero() || a.State != admission.Pending) {
		b.log.Info("join request already known", "update_id", c.Update().ID, "admission", a.ID)
		return nil
	}
	b.offerCharter(a.ID, chatID, true)
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

// offerCharter sends the charter to the person with the buttons to accept or
// decline it. viaLink makes the accept button a deep link, which also opens
// the private chat (needed after a join request, whose chat closes).
func (b *Bot) offerCharter(id string, chatID int64, viaLink bool) {
	defer b.lock(id)()
	a, err := b.st.Admission(id)
	if err != nil {
		b.log.Error("offer charter", "admission", id, "err", err)
		return
	}
	g, ok := b.cfg.Group(a.GroupID)
	if !ok {
		return
	}
	lang := b.texts.Pick(a.Language, b.cfg.Language)
	ch := b.charters.Get(g.Charter, lang)
	if ch == nil {
		b.log.Error("no charter loaded for group", "group", g.ChatID)
		return
	}
	if _, ok := b.sendPrivateAs(outbox.Charter, chatID, b.texts.T(lang, "admission.charter_intro", map[string]any{"Group": b.groupTitle(a)})); !ok {
		return
	}
	accept := tele.InlineButton{Text: b.texts.T(lang, "admission.btn_accept", nil)}
	if viaLink {
		accept.URL = b.deepLink(startAccept + a.ID)
	} else {
		accept.Unique, accept.Data = btnCharter, a.ID+"|yes"
	}
	decline := tele.InlineButton{Text: b.texts.T(lang, "admission.btn_decline", nil), Unique: btnCharter, Data: buttonData(a.ID, "no")}
	markup := &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{{accept}, {decline}}}
	for i, part := range ch.Parts {
		var opts []any
		if i == len(ch.Parts)-1 {
			opts = append(opts, markup)
		}
		if _, ok := b.sendPrivateAs(outbox.Charter, chatID, part, opts...); !ok {
			return
		}
	}
	_, err = b.st.UpdateAdmission(a.ID, func(a *admission.Admission) error {
		a.CharterSentAt = b.now()
		a.CharterShown = ch.Version
		return nil
	})
	if err != nil {
		b.log.Error("record charter sent", "admission", a.ID, "err", err)
	}
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
		_, err = b.send(c.Chat().ID, text)
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
		b.offerCharter(a.ID, c.Chat().ID, false)
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
	a, err := b.st.UpdateAdmission(a.ID, func(a *admission.Admission) error {
		if a.CharterShown == "" {
			if g, ok := b.cfg.Group(a.GroupID); ok {
				if ch := b.charters.Get(g.Charter, b.texts.Pick(a.Language, b.cfg.Language)); ch != nil {
					a.CharterShown = ch.Version
				}
			}
		}
		return a.Accept(b.now())
	})
	switch {
	case errors.Is(err, admission.ErrNotPending):
		if a.NeedsCard() {
			b.postCard(a)
		}
		unlock()
		b.replyState(c, a, lang)
		return nil
	case err != nil:
		unlock()
		return err
	}
	b.postCard(a)
	unlock()
	if c.Callback() != nil {
		_ = b.toast(c, b.texts.T(lang, "admission.accepted_toast", nil))
		b.closeCharterButtons(c, lang)
	}
	_, _ = b.sendPrivate(a.UserID, b.texts.T(lang, "admission.accepted", nil))
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
	a, err := b.st.UpdateAdmission(a.ID, func(a *admission.Admission) error { return a.Decline(b.now()) })
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
	key := "admission.declined_restrict"
	if a.Mode == admission.ByRequest {
		key = "admission.declined"
		// The person does not want to join: let the request go, so that it
		// does not wait forever and they can ask again later.
		if err := b.admin("declineChatJoinRequest", a.GroupID, func() error {
			return b.tb.DeclineJoinRequest(tele.ChatID(a.GroupID), &tele.User{ID: a.UserID})
		}); err != nil {
			b.log.Info("decline join request after charter refusal", "admission", a.ID, "err", b.scrub(err))
		}
	}
	_, _ = b.sendPrivate(c.Chat().ID, b.texts.T(lang, key, nil))
	return nil
}

// postCard shows an accepted admission to the moderators. The caller holds
// the admission's lock.
func (b *Bot) postCard(a *admission.Admission) {
	if !a.NeedsCard() {
		return
	}
	lang := b.cfg.Language
	msg, err := b.send(b.cfg.Moderation.ChatID, b.cardText(a, lang), b.decisionButtons(a))
	if err != nil {
		b.log.Error("post admission card", "admission", a.ID, "err", err)
		return
	}
	_, err = b.st.UpdateAdmission(a.ID, func(x *admission.Admission) error {
		x.CardChatID, x.CardMessageID = msg.Chat.ID, msg.ID
		return nil
	})
	if err != nil {
		b.log.Error("record admission card", "admission", a.ID, "err", err)
	}
	a.CardChatID, a.CardMessageID = msg.Chat.ID, msg.ID
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
	a, err := b.st.UpdateAdmission(id, func(a *admission.Admission) error {
		if err := a.Decide(action == "ok", who.ID, displayName(who), b.now()); err != nil {
			return err
		}
		a.Dealer = action == "dl"
		return nil
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
	b.apply(a)
	return nil
}

// apply carries a recorded decision out, step by step, each step recorded:
// first Telegram's action, then telling the person and updating the card.
// A crash between steps leaves the rest to the sweep. The caller holds the
// admission's lock.
func (b *Bot) apply(a *admission.Admission) {
	if !a.Applied {
		err := b.applyToTelegram(a)
		if err != nil && !permanent(err) {
			b.log.Warn("decision not applied yet, will retry", "admission", a.ID, "err", err)
			return
		}
		failure := ""
		if err != nil {
			b.log.Warn("telegram refused the decision", "admission", a.ID, "err", err)
			failure = telegramReason(err)
		}
		updated, uerr := b.st.UpdateAdmission(a.ID, func(x *admission.Admission) error {
			x.Applied, x.ApplyError = true, failure
			return nil
		})
		if uerr != nil {
			b.log.Error("record applied decision", "admission", a.ID, "err", uerr)
			return
		}
		*a = *updated
	}
	if a.Closed {
		return
	}
	if a.ApplyError == "" {
		lang := b.texts.Pick(a.Language, b.cfg.Language)
		key := "admission.welcome"
		if a.State == admission.Refused {
			key = "admission.refused"
		}
		_, _ = b.sendPrivate(a.UserID, b.texts.T(lang, key, map[string]any{"Group": b.groupTitle(a)}))
	}
	if a.CardMessageID != 0 {
		if err := b.edit(a.CardChatID, a.CardMessageID, b.cardText(a, b.cfg.Language), nil); err != nil && !permanent(err) {
			b.log.Warn("card not updated yet, will retry", "admission", a.ID, "err", err)
			return
		}
	}
	updated, err := b.st.UpdateAdmission(a.ID, func(x *admission.Admission) error {
		x.Closed = true
		x.Forget()
		return nil
	})
	if err != nil {
		b.log.Error("close admission", "admission", a.ID, "err", err)
		return
	}
	*a = *updated
}

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
