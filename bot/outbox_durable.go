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
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/retry"
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
var owedRetry = retry.Backoff{Base: 15 * time.Second, Max: 10 * time.Minute}

// owedBatch is the most entries one round of the sender reads.
const owedBatch = 500

// durableState is the bot's side of the store's outbox.
type durableState struct {
	mu       sync.Mutex
	byUpdate map[int]*[]store.OutboxEntry // messages owed by updates being handled
	inFlight map[uint64]bool              // entries handed to the outbox
	wake     chan struct{}
}

func newDurableState() *durableState {
	return &durableState{byUpdate: map[int]*[]store.OutboxEntry{}, inFlight: map[uint64]bool{}, wake: make(chan struct{}, 1)}
}

// owedMessage is an entry's payload: what to send.
type owedMessage struct {
	Text   string            `json:"text"`
	Markup *tele.ReplyMarkup `json:"markup,omitempty"`
}

// owe records a message the update being handled owes: with the update's
// handled mark when c is an update HandleUpdate is handling, on disk at
// once otherwise.
func (b *Bot) owe(c tele.Context, prio outbox.Priority, chat int64, text string, markup *tele.ReplyMarkup) error {
	data, err := json.Marshal(owedMessage{Text: b.fitText(text), Markup: markup})
	if err != nil {
		return err
	}
	id := 0
	if c != nil {
		id = c.Update().ID
	}
	e := store.OutboxEntry{UpdateID: id, Chat: chat, Priority: int(prio), Payload: data, CreatedAt: time.Now()}
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

// drainOwed posts the owed messages that are due and not in flight, in
// the order they were recorded.
func (b *Bot) drainOwed() {
	entries, err := b.st.Outbox(owedBatch)
	if err != nil {
		b.log.Error("read the outbox", "err", err)
		return
	}
	now := time.Now()
	d := b.durable
	for _, e := range entries {
		if e.NotBefore.After(now) {
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
		b.settle(e.Seq)
		return nil
	}
	opts := []any{tele.ModeHTML, tele.NoPreview}
	if m.Markup != nil {
		opts = append(opts, m.Markup)
	}
	return b.out.Post(outbox.Call{
		Chat: e.Chat, Kind: outbox.Message, Priority: outbox.Priority(e.Priority), Name: "sendMessage",
		Do: func(context.Context) error {
			_, err := b.tb.Send(tele.ChatID(e.Chat), m.Text, opts...)
			return err
		},
	}, func(err error) { b.owedResult(e, b.scrub(err)) })
}

// owedResult settles an owed message after the outbox is done with it.
func (b *Bot) owedResult(e store.OutboxEntry, err error) {
	defer func() {
		b.durable.mu.Lock()
		delete(b.durable.inFlight, e.Seq)
		b.durable.mu.Unlock()
	}()
	switch {
	case err == nil:
		b.markContact()
		b.settle(e.Seq)
	case errors.Is(err, outbox.ErrClosed):
		// Shutting down: the entry stays on disk for the next start.
	case isForbidden(err):
		// The person never opened the bot or blocked it; a group that
		// removed the bot. Asking again gets the same answer.
		b.log.Info("owed message refused by telegram, dropped", "update_id", e.UpdateID, "chat_id", e.Chat, "err", err)
		b.settle(e.Seq)
	case permanent(err) || malformed(err):
		b.log.Warn("owed message refused by telegram as malformed, dropped", "update_id", e.UpdateID, "chat_id", e.Chat, "err", err)
		b.count(SendsRefused)
		b.settle(e.Seq)
	case time.Since(e.CreatedAt) > owedFor:
		b.log.Warn("owed message given up after a day of failures", "update_id", e.UpdateID, "chat_id", e.Chat, "attempts", e.Attempts+1, "err", err)
		b.settle(e.Seq)
	default:
		wait := owedRetry.Delay(e.Attempts + 1)
		b.log.Warn("owed message not sent yet, will retry", "update_id", e.UpdateID, "chat_id", e.Chat, "attempts", e.Attempts+1, "retry_in", wait, "err", err)
		if perr := b.st.Postpone(e.Seq, e.Attempts+1, time.Now().Add(wait)); perr != nil {
			b.log.Error("record outbox retry", "err", perr)
		}
	}
}

func (b *Bot) settle(seq uint64) {
	if err := b.st.Sent(seq); err != nil {
		b.log.Error("forget sent outbox entry", "err", err)
	}
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
