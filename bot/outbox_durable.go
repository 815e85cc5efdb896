package bot

// The durable outbox: messages a handler owes (answers to commands, in a
// group or in private) are recorded in the store in the same transaction
// as the handled-update mark (store.MarkHandledWith), and only then is the
// update confirmed to Telegram. One sender, sendLoop, hands them to the
// paced outbox in order and forgets each once Telegram accepted it.
//
// A kill -9 loses nothing: before the transaction, Telegram still holds
// the update and delivers it again; after it, the messages are on disk and
// the sender takes them up at the next start. The one window for a
// duplicate is between Telegram accepting a message and the store
// forgetting the entry (one bbolt commit, a few milliseconds): a crash
// there sends that message again at the next start. Messages are never
// sent twice otherwise.
//
// A handler never waits for these sends: the paced group lane, at 20
// messages a minute, cannot hold up the handling of other updates.

import (
	"context"
	"encoding/json"
	"errors"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/retry"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/store"
)

// SendsRefused counts the messages Telegram refused as malformed and that
// the bot dropped (they would be refused again); /stats shows it when it
// is not zero. A stats counter name (see package stats: stable, counts
// only).
const SendsRefused = "sends_refused"

// maxText is Telegram's limit on a message's text, in characters.
const maxText = 4096

// owedFor is how long an owed message is tried: beyond it, the answer is
// stale (Telegram itself forgets unconfirmed updates after 24 hours).
const owedFor = 24 * time.Hour

// owedRetry spaces the attempts at an owed message after the outbox gave up
// on a passing failure (Telegram or the network down): up to a ceiling, so
// a long outage is not hammered and the message goes out soon after.
var owedRetry = retry.Backoff{Base: 5 * time.Second, Max: 10 * time.Minute}

// owedBatch is the most entries one round of the sender reads.
const owedBatch = 500

// durableState is the bot's side of the store's outbox.
type durableState struct {
	mu       sync.Mutex
	byUpdate map[int]*[]store.OutboxEntry // messages owed by updates being handled
	inFlight map[uint64]bool              // entries handed to the outbox
	wake     chan struct{}
	// work counts the decisions being carried out (opApply, opApplyFlag):
	// sendLoop waits for them before it returns.
	work sync.WaitGroup
}

func newDurableState() *durableState {
	return &durableState{byUpdate: map[int]*[]store.OutboxEntry{}, inFlight: map[uint64]bool{}, wake: make(chan struct{}, 1)}
}

// owedMessage is an entry's payload: what to send or do. The zero Op sends
// Text (with Markup) to the entry's chat; the others act on the chat.
type owedMessage struct {
	Op     string            `json:"op,omitempty"`
	Text   string            `json:"text,omitempty"`
	Markup *tele.ReplyMarkup `json:"markup,omitempty"`
	// Short is sent instead of Text when Telegram refuses Text as
	// malformed: a card must reach the moderators even when a member's
	// text broke it (Short leaves that text out).
	Short string `json:"short,omitempty"`
	// MessageID is the message an edit or a deletion is about; User the
	// person a join request, a restriction or a ban is about.
	MessageID int   `json:"message_id,omitempty"`
	User      int64 `json:"user,omitempty"`
	// Until ends a restriction (unix seconds; 0: none).
	Until int64 `json:"until,omitempty"`
	// Ref names the admission opApply carries out.
	Ref string `json:"ref,omitempty"`
	// Then is recorded, in the transaction that forgets the entry, once
	// Telegram accepted it.
	Then *followUp `json:"then,omitempty"`
	// After is owed, in the transaction that forgets the entry, once
	// Telegram accepted it; Else instead when Telegram refused it as
	// forbidden (a member who never opened the private chat).
	After *chained `json:"after,omitempty"`
	Else  *chained `json:"else,omitempty"`
}

// chained is an entry owed once another is settled.
type chained struct {
	Chat     int64       `json:"chat"`
	Priority int         `json:"priority"`
	Msg      owedMessage `json:"msg"`
}

// The ops of owed entries other than sending a message.
const (
	// opCard sends the card Then names (an admission's, a flag's, a
	// digest's), rendered from the store when it is sent: it then shows
	// what happened meanwhile (flags added to a digest, a name erased),
	// and the entry holds no text of members. One whose card was recorded
	// as sent already is dropped.
	opCard    = "card"
	opEdit    = "edit"    // editMessageText of MessageID, with Markup
	opDelete  = "delete"  // deleteMessage MessageID
	opDecline = "decline" // declineChatJoinRequest of User
	// opRestrict mutes User in the chat, until Until.
	opRestrict = "restrict"
	opApply    = "apply" // carry out the decision on admission Ref (apply)
	// opApplyFlag carries out the decision on flag Ref (applyFlag).
	opApplyFlag = "apply_flag"
	// opRefresh edits the card or digest Then names to show it as the
	// store has it now (a decision); nothing while it is not sent yet:
	// it will show the decision when it is.
	opRefresh = "refresh"
)

// followUp is what a sent entry leaves in the store: the message id of a
// card, for its buttons and later edits to find it.
type followUp struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// Shown is the total a tally's edit showed (set when it is rendered).
	Shown int `json:"shown,omitempty"`
}

// The kinds of followUp.
const (
	thenAdmissionCard = "admission_card"
	thenFlagCard      = "flag_card"
	thenDigestCard    = "digest_card"
	thenNotice        = "notice"     // a restrict-mode notice, deleted after its TTL
	thenAlertCard     = "alert_card" // cleared after the retention period
	// thenTally names a check-in message (group|key) whose tally an
	// opRefresh shows; once sent or dropped, the total it showed is
	// recorded and the next edit owed if answers came meanwhile.
	thenTally = "tally"
	// thenEphemeral: a short group note, recorded to be deleted after
	// ephemeralTTL.
	thenEphemeral = "ephemeral"
	// thenAutoDeleted: the flag ID's message was deleted automatically
	// (auto_delete_above); recorded once Telegram did it, and the card
	// shown so if it was sent meanwhile.
	thenAutoDeleted = "auto_deleted"
)

// needsNoMessage: follow-ups recorded also for an edit or a deletion
// (which leave no message), or for an entry dropped (tallies).
func needsNoMessage(kind string) bool { return kind == thenTally || kind == thenAutoDeleted }

// owe records a message the update being handled owes: with the update's
// handled mark when c is an update HandleUpdate is handling, on disk at
// once otherwise.
func (b *Bot) owe(c tele.Context, prio outbox.Priority, chat int64, text string, markup *tele.ReplyMarkup) error {
	return b.oweOp(c, prio, chat, owedMessage{Text: text, Markup: markup})
}

// oweOp is owe for any owed entry: an action (declining a join request)
// as well as a message.
func (b *Bot) oweOp(c tele.Context, prio outbox.Priority, chat int64, m owedMessage) error {
	e, err := b.entry(c, prio, chat, m)
	if err != nil {
		return err
	}
	id := e.UpdateID
	d := b.durable
	d.mu.Lock()
	if buf := d.byUpdate[id]; id != 0 && buf != nil {
		*buf = append(*buf, e)
		d.mu.Unlock()
		return nil
	}
	d.mu.Unlock()
	if err := b.st.Enqueue(e); err != nil {
		return err
	}
	b.wakeSender()
	return nil
}

// entry builds an outbox entry for m, owed by the update c handles (nil:
// the sweep, a file reload).
func (b *Bot) entry(c tele.Context, prio outbox.Priority, chat int64, m owedMessage) (store.OutboxEntry, error) {
	if m.Op == "" || m.Op == opEdit {
		m.Text = b.fitText(m.Text)
	}
	data, err := json.Marshal(m)
	if err != nil {
		return store.OutboxEntry{}, err
	}
	id := 0
	if c != nil {
		id = c.Update().ID
	}
	return store.OutboxEntry{UpdateID: id, Chat: chat, Priority: int(prio), Payload: data, CreatedAt: time.Now()}, nil
}

// oweIn appends to tx what the change it records causes: sent once tx
// committed (write wakes the sender).
func (b *Bot) oweIn(tx *store.Tx, c tele.Context, prio outbox.Priority, chat int64, ms ...owedMessage) error {
	entries := make([]store.OutboxEntry, 0, len(ms))
	for _, m := range ms {
		e, err := b.entry(c, prio, chat, m)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	return tx.Owe(entries...)
}

// write runs fn in one transaction of the store (a state change and what
// it owes, see oweIn) and wakes the sender once it committed.
func (b *Bot) write(fn func(tx *store.Tx) error) error {
	err := b.st.Write(fn)
	if err == nil {
		b.wakeSender()
	}
	return err
}

// fitText keeps a text within Telegram's limit: texts are built to fit
// (lists say "and N more"), so a longer one is a bug, logged, and cut at a
// line so that no HTML tag is left open.
func (b *Bot) fitText(text string) string {
	if utf8.RuneCountInString(text) <= maxText {
		return text
	}
	b.log.Error("message longer than Telegram allows, cut", "chars", utf8.RuneCountInString(text))
	cut := 0
	n := 0
	for i := range text {
		if n == maxText-2 {
			cut = i
			break
		}
		n++
	}
	if nl := strings.LastIndexByte(text[:cut], '\n'); nl > 0 {
		cut = nl
	}
	return text[:cut] + "\n…"
}

// handling opens the list of messages update id owes; done returns them
// and closes it.
func (b *Bot) handling(id int) (done func() []store.OutboxEntry) {
	if id == 0 {
		return func() []store.OutboxEntry { return nil }
	}
	var owed []store.OutboxEntry
	d := b.durable
	d.mu.Lock()
	d.byUpdate[id] = &owed
	d.mu.Unlock()
	return func() []store.OutboxEntry {
		d.mu.Lock()
		delete(d.byUpdate, id)
		d.mu.Unlock()
		return owed
	}
}

func (b *Bot) wakeSender() {
	select {
	case b.durable.wake <- struct{}{}:
	default:
	}
}

// sendLoop hands owed messages to the outbox until ctx ends; those left
// are sent at the next start.
func (b *Bot) sendLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	defer b.durable.work.Wait()
	for {
		b.drainOwed()
		select {
		case <-ctx.Done():
			return
		case <-b.durable.wake:
		case <-t.C:
		}
	}
}

// drainOwed posts the owed entries that are due and not in flight, in
// the order they were recorded; a chat's messages wait behind an earlier
// one of the same chat that is waiting for a retry, so that a charter's
// parts arrive in order.
func (b *Bot) drainOwed() {
	entries, err := b.st.Outbox(owedBatch)
	if err != nil {
		b.log.Error("read the outbox", "err", err)
		return
	}
	now := time.Now()
	d := b.durable
	held := map[int64]bool{}
	for _, e := range entries {
		if held[e.Chat] {
			continue
		}
		if e.NotBefore.After(now) {
			held[e.Chat] = true
			continue
		}
		d.mu.Lock()
		busy := d.inFlight[e.Seq]
		d.inFlight[e.Seq] = true
		d.mu.Unlock()
		if busy {
			continue
		}
		if err := b.postOwed(e); err != nil {
			d.mu.Lock()
			delete(d.inFlight, e.Seq)
			d.mu.Unlock()
			return // shutting down
		}
	}
}

func (b *Bot) postOwed(e store.OutboxEntry) error {
	var m owedMessage
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		b.log.Error("unreadable outbox entry dropped", "update_id", e.UpdateID, "chat_id", e.Chat, "err", err)
		b.settle(e, nil, nil)
		return nil
	}
	if m.Op == opRefresh {
		if !b.renderRefresh(&m) {
			b.settle(e, nil, nil)
			b.durable.done(e.Seq)
			return nil
		}
	}
	if m.Op == opCard {
		if !b.renderCard(&m) {
			b.settle(e, nil, nil)
			b.durable.done(e.Seq)
			return nil
		}
	}
	opts := []any{tele.ModeHTML, tele.NoPreview}
	if m.Markup != nil {
		opts = append(opts, m.Markup)
	}
	where := func() tele.StoredMessage {
		return tele.StoredMessage{ChatID: e.Chat, MessageID: strconv.Itoa(m.MessageID)}
	}
	var sent *tele.Message
	call := outbox.Call{Chat: e.Chat, Kind: outbox.Edit, Priority: outbox.Priority(e.Priority)}
	switch m.Op {
	case "", opCard:
		call.Kind, call.Name = outbox.Message, "sendMessage"
		short := false
		call.Do = func(context.Context) error {
			text := m.Text
			if short {
				text = m.Short
			}
			msg, err := b.tb.Send(tele.ChatID(e.Chat), text, opts...)
			if err != nil && m.Short != "" && !short && malformed(b.scrub(err)) {
				// Once only: a retried call runs Do again.
				b.log.Warn("message refused by telegram, sending the shorter version", "update_id", e.UpdateID, "chat_id", e.Chat, "err", b.scrub(err))
				b.count(SendsRefused)
				short = true
				msg, err = b.tb.Send(tele.ChatID(e.Chat), m.Short, opts...)
			}
			sent = msg
			return err
		}
	case opEdit:
		call.Name = "editMessageText"
		call.Do = func(context.Context) error {
			_, err := b.tb.Edit(where(), m.Text, opts...)
			if err != nil && strings.Contains(err.Error(), "message is not modified") {
				return nil
			}
			return err
		}
	case opDelete:
		call.Name = "deleteMessage"
		call.Do = func(context.Context) error {
			err := b.tb.Delete(where())
			if err != nil && strings.Contains(err.Error(), "message to delete not found") {
				return nil
			}
			return err
		}
	case opDecline:
		call.Name = "declineChatJoinRequest"
		call.Do = func(context.Context) error {
			return b.tb.DeclineJoinRequest(tele.ChatID(e.Chat), &tele.User{ID: m.User})
		}
	case opRestrict:
		call.Name = "restrictChatMember"
		call.Do = func(context.Context) error {
			return b.tb.Restrict(&tele.Chat{ID: e.Chat}, &tele.ChatMember{User: &tele.User{ID: m.User}, Rights: tele.Rights{}, RestrictedUntil: m.Until})
		}
	case opApply, opApplyFlag:
		// A decision is carried out in steps, each recorded (apply,
		// applyFlag), with calls of their own through the outbox: not in
		// the sender's goroutine, which must go on.
		b.durable.work.Add(1)
		go func() {
			defer b.durable.work.Done()
			defer b.durable.done(e.Seq)
			defer func() {
				if r := recover(); r != nil {
					b.log.Error("panic while carrying out a decision", "ref", m.Ref, "panic", r, "stack", string(debug.Stack()))
				}
			}()
			if m.Op == opApply {
				b.carryOut(m.Ref)
			} else {
				b.carryOutFlag(m.Ref)
			}
			b.settle(e, nil, nil)
		}()
		return nil
	default:
		b.log.Error("outbox entry of an unknown kind dropped", "update_id", e.UpdateID, "chat_id", e.Chat, "op", m.Op)
		b.settle(e, nil, nil)
		b.durable.done(e.Seq)
		return nil
	}
	return b.out.Post(call, func(err error) { b.owedResult(e, m, sent, b.scrub(err)) })
}

func (d *durableState) done(seq uint64) {
	d.mu.Lock()
	delete(d.inFlight, seq)
	d.mu.Unlock()
}

// owedResult settles an owed entry after the outbox is done with it.
func (b *Bot) owedResult(e store.OutboxEntry, m owedMessage, sent *tele.Message, err error) {
	defer b.durable.done(e.Seq)
	switch {
	case err == nil:
		b.markContact()
		b.settleChain(e, m.Then, sent, m.After)
	case errors.Is(err, outbox.ErrClosed):
		// Shutting down: the entry stays on disk for the next start.
	case isForbidden(err):
		// The person never opened the bot or blocked it; a group that
		// removed the bot. Asking again gets the same answer.
		b.log.Info("owed message refused by telegram, dropped", "update_id", e.UpdateID, "chat_id", e.Chat, "op", m.Op, "err", err)
		b.settleChain(e, tallyOf(m.Then), nil, m.Else)
	case permanent(err) || malformed(err):
		b.log.Warn("owed message refused by telegram as malformed, dropped", "update_id", e.UpdateID, "chat_id", e.Chat, "op", m.Op, "err", err)
		if m.Op == "" || m.Op == opCard {
			b.count(SendsRefused)
		}
		b.settle(e, tallyOf(m.Then), nil)
	case time.Since(e.CreatedAt) > owedFor:
		b.log.Warn("owed message given up after a day of failures", "update_id", e.UpdateID, "chat_id", e.Chat, "op", m.Op, "attempts", e.Attempts+1, "err", err)
		b.settle(e, tallyOf(m.Then), nil)
	default:
		wait := owedRetry.Delay(e.Attempts + 1)
		b.log.Warn("owed message not sent yet, will retry", "update_id", e.UpdateID, "chat_id", e.Chat, "op", m.Op, "attempts", e.Attempts+1, "retry_in", wait, "err", err)
		if perr := b.st.Postpone(e.Seq, e.Attempts+1, time.Now().Add(wait)); perr != nil {
			b.log.Error("record outbox retry", "err", perr)
		}
	}
}

// settle forgets an entry and records its follow-up, in one transaction.
// A follow-up on something gone since (a flag erased by /oubli) is
// dropped; the entry is forgotten all the same.
func (b *Bot) settle(e store.OutboxEntry, then *followUp, sent *tele.Message) {
	b.settleChain(e, then, sent, nil)
}

// settleChain is settle that also owes next (nil: nothing), in the same
// transaction.
func (b *Bot) settleChain(e store.OutboxEntry, then *followUp, sent *tele.Message, next *chained) {
	var fn func(*store.Tx) error
	if then != nil && (sent != nil || needsNoMessage(then.Kind)) || next != nil {
		fn = func(tx *store.Tx) error {
			if then != nil && (sent != nil || needsNoMessage(then.Kind)) {
				if err := b.followUp(tx, then, sent); err != nil {
					return err
				}
			}
			if next == nil {
				return nil
			}
			n, err := b.entry(nil, outbox.Priority(next.Priority), next.Chat, next.Msg)
			if err != nil {
				return err
			}
			n.UpdateID = e.UpdateID
			return tx.Owe(n)
		}
		if next != nil {
			defer b.wakeSender()
		}
	}
	err := b.st.Settle(e.Seq, fn)
	if err != nil && fn != nil {
		if !errors.Is(err, store.ErrNotFound) {
			b.log.Error("record what a sent message leaves", "update_id", e.UpdateID, "err", err)
		}
		err = b.st.Settle(e.Seq, nil)
	}
	if err != nil {
		b.log.Error("forget sent outbox entry", "err", err)
	}
}

// tallyOf is then when it names a tally: a tally's edit dropped for good
// is recorded as shown all the same, so that its message is not left
// with an edit owed for ever (the next answer owes another).
func tallyOf(then *followUp) *followUp {
	if then != nil && then.Kind == thenTally {
		return then
	}
	return nil
}

// renderCard fills m with the card its Then names, as the store has it
// now; false when there is nothing to send (gone, or sent already).
func (b *Bot) renderCard(m *owedMessage) bool {
	if m.Then == nil {
		return false
	}
	switch m.Then.Kind {
	case thenAdmissionCard:
		a, err := b.st.Admission(m.Then.ID)
		if err != nil || a.CardMessageID != 0 {
			return false
		}
		lang := b.cfg.Language
		short := *a
		short.Bio, short.Signals = review.Excerpt(a.Bio, 80), nil
		m.Text, m.Short = b.cardText(a, lang), b.cardText(&short, lang)
		if !a.Decided() {
			m.Markup = b.decisionButtons(a)
		}
	case thenFlagCard:
		f, err := b.st.Flag(m.Then.ID)
		if err != nil || f.CardMessageID != 0 {
			return false
		}
		// A card must still reach the moderators when Telegram refuses it
		// as it stands: the short one has a short excerpt and no reasons,
		// the parts that come from members' text.
		short := *f
		short.Excerpt, short.Reasons = review.Excerpt(f.Excerpt, 80), nil
		m.Text, m.Short, m.Markup = b.flagText(f), b.flagText(&short), b.flagButtons(f)
	case thenDigestCard:
		d, err := b.st.Digest(m.Then.ID)
		if err != nil || d.CardMessageID != 0 {
			return false
		}
		if d.Kind == review.FloodDigest {
			m.Text, m.Markup = b.floodDigestView(d)
		} else {
			m.Text, m.Markup = b.digestView(d)
		}
	default:
		return false
	}
	m.Text, m.Short = b.fitText(m.Text), b.fitText(m.Short)
	return true
}

// renderRefresh turns an opRefresh into the edit of the card or digest it
// names, as the store has it now; false when there is nothing to edit
// (gone, or not sent yet).
func (b *Bot) renderRefresh(m *owedMessage) bool {
	if m.Then == nil {
		return false
	}
	var chat int64
	switch m.Then.Kind {
	case thenTally:
		if _, ok := b.renderTally(m); !ok {
			return false
		}
		// Then stays: the total shown is recorded once it is settled.
		m.Op, m.Text = opEdit, b.fitText(m.Text)
		return true
	case thenFlagCard:
		f, err := b.st.Flag(m.Then.ID)
		if err != nil || f.CardMessageID == 0 {
			return false
		}
		chat, m.MessageID = f.CardChatID, f.CardMessageID
		m.Text, m.Markup = b.flagText(f), b.flagButtons(f)
	case thenDigestCard:
		d, err := b.st.Digest(m.Then.ID)
		if err != nil || d.CardMessageID == 0 {
			return false
		}
		chat, m.MessageID = d.CardChatID, d.CardMessageID
		if d.Kind == review.FloodDigest {
			m.Text, m.Markup = b.floodDigestView(d)
		} else {
			m.Text, m.Markup = b.digestView(d)
		}
	default:
		return false
	}
	if chat != b.cfg.Moderation.ChatID {
		return false // the moderators' chat moved since: the card stays as it was
	}
	m.Op, m.Then, m.Text = opEdit, nil, b.fitText(m.Text)
	return true
}

// followUp records where a sent card or notice is, or the total a
// tally's edit showed.
func (b *Bot) followUp(tx *store.Tx, then *followUp, sent *tele.Message) error {
	switch then.Kind {
	case thenTally:
		return b.tallyShown(tx, then)
	case thenAutoDeleted:
		f, err := tx.UpdateFlag(then.ID, func(f *review.Flag) error {
			f.AutoDeleted = true
			return nil
		})
		if err != nil || f.CardMessageID == 0 {
			return err // a card not sent yet will say so
		}
		return b.oweIn(tx, nil, outbox.Moderators, f.CardChatID, owedMessage{Op: opRefresh, Then: &followUp{Kind: thenFlagCard, ID: f.ID}})
	}
	chat, id := sent.Chat.ID, sent.ID
	var err error
	switch then.Kind {
	case thenAdmissionCard:
		_, err = tx.UpdateAdmission(then.ID, func(a *admission.Admission) error {
			a.CardChatID, a.CardMessageID = chat, id
			return nil
		})
	case thenNotice:
		_, err = tx.UpdateAdmission(then.ID, func(a *admission.Admission) error {
			a.NoticeMessageID = id
			if g, ok := b.cfg.Group(a.GroupID); ok {
				a.NoticeDeleteAt = b.now().Add(g.NoticeTTL)
			}
			return nil
		})
	case thenFlagCard:
		_, err = tx.UpdateFlag(then.ID, func(f *review.Flag) error {
			f.CardChatID, f.CardMessageID = chat, id
			return nil
		})
	case thenDigestCard:
		_, err = tx.UpdateDigest(then.ID, func(d *review.Digest) error {
			d.CardChatID, d.CardMessageID = chat, id
			return nil
		})
	case thenEphemeral:
		err = tx.Ephemeral(chat, id, b.now().Add(ephemeralTTL))
	case thenAlertCard:
		now := b.now()
		err = tx.RememberCard(chat, id, now, now.Add(time.Duration(b.cfg.RetentionDays)*24*time.Hour))
	default:
		b.log.Error("unknown follow-up of a sent message", "kind", then.Kind)
	}
	return err
}

// refusedLine is /stats's line about messages Telegram refused, when
// there were any these two weeks.
func (b *Bot) refusedLine(lang string, this, last map[string]uint64) string {
	if this[SendsRefused] == 0 && last[SendsRefused] == 0 {
		return ""
	}
	return "\n" + b.texts.T(lang, "stats_sends.refused", map[string]any{"This": this[SendsRefused], "Last": last[SendsRefused]})
}

// malformed reports whether Telegram refused a message as a bad request
// (400: too long, broken HTML, an unknown chat), which no retry can fix.
func malformed(err error) bool {
	var apiErr *tele.Error
	if errors.As(err, &apiErr) {
		return apiErr.Code == 400
	}
	return strings.Contains(err.Error(), "(400)")
}
