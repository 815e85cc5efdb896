// Package bot is the Telegram side of entrepairs: it receives updates, runs
// them through the rules of the other packages and sends what members and
// moderators read.
//
// It is the only package that knows Telegram (through telebot). Domain rules
// live in admission, review, checkin, moderation and charter; state lives in
// store; texts live in locale; the pacing of calls lives in outbox.
package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/charter"
	"github.com/entrepairs/entrepairs/checkin"
	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/internal/loop"
	"github.com/entrepairs/entrepairs/locale"
	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/resources"
	"github.com/entrepairs/entrepairs/retry"
	"github.com/entrepairs/entrepairs/store"
)

// AllowedUpdates are the update kinds the bot asks Telegram for. chat_member
// must be named explicitly: Telegram does not send it otherwise, and restrict
// mode needs it to see newcomers.
var AllowedUpdates = []string{
	"message", "edited_message", "callback_query",
	"chat_join_request", "chat_member", "my_chat_member",
}

// Charters gives the current charter of a group (by its configured path)
// in a member's language; files.Charters follows the files' edits.
type Charters interface {
	Get(path, lang string) *charter.Charter
}

// Directory gives the current resources directory, never nil;
// files.Resources follows the file's edits.
type Directory interface {
	Get() *resources.Directory
}

// Deps is what the bot needs from the rest of the program.
type Deps struct {
	Config   *config.Config
	Store    *store.Store
	Charters Charters
	Texts    *locale.Texts
	Screener *moderation.Screener
	// Resources is the harm-reduction directory.
	Resources Directory
	// CheckIns are the weekly check-ins to post.
	CheckIns []checkin.CheckIn
	Logger   *slog.Logger
	// Now is the clock. Tests move it to make reminders and notices due.
	Now func() time.Time
	// SweepEvery is how often the bot looks for work that became due:
	// reminders, notices to delete, cards or decisions left unfinished by a
	// crash. Default 30s.
	SweepEvery time.Duration
	// Workers bounds how many updates are handled at once. Default 16:
	// handlers mostly wait for the data file's commits, and the more of
	// them wait together, the more marks one commit carries (about 3,500
	// updates/s on 2 cores against 1,000 with 4 workers).
	Workers int
	// Outbox paces the calls to Telegram; zero fields are Telegram's limits.
	Outbox outbox.Options
}

// Bot is the running Telegram bot.
type Bot struct {
	cfg      *config.Config
	st       *store.Store
	charters Charters
	texts    *locale.Texts
	// base is the screener as shipped; screener adds what this deployment
	// learned from its moderators (learning.go).
	base      *moderation.Screener
	screener  atomic.Pointer[moderation.Screener]
	learnMu   sync.Mutex
	learned   atomic.Int64
	review    *reviewState
	resources Directory
	checkins  []checkin.CheckIn
	tallies   *tallyState
	floods    *floodQueue
	durable   *durableState
	repeats   repeats
	// lastContact is the last successful exchange with Telegram (unix
	// nanoseconds), for the health endpoint.
	lastContact atomic.Int64
	// sweeps counts the sweeps that have finished (see Sweeps).
	sweeps atomic.Uint64
	// lastRetention is when the retention job last ran (only the sweep
	// goroutine touches it).
	lastRetention time.Time
	log           *slog.Logger
	now           func() time.Time
	sweepInt      time.Duration
	workers       int

	tb   *tele.Bot
	out  *outbox.Outbox
	api  *http.Client // ordinary calls (shared with telebot)
	poll *http.Client // long polling: its timeout outlasts the poll

	// locks serialise work on one admission or one flag (a tap, a
	// redelivered update and the sweep may meet); striped so the table
	// never grows.
	locks [64]sync.Mutex
}

// New builds the bot. It does not contact Telegram: Run does, so that a
// Telegram outage at start is retried instead of being fatal.
func New(d Deps) (*Bot, error) {
	if d.Config == nil || d.Store == nil || d.Charters == nil || d.Texts == nil || d.Screener == nil || d.Resources == nil {
		return nil, errors.New("bot: config, store, charters, texts, screener and resources are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SweepEvery <= 0 {
		d.SweepEvery = 30 * time.Second
	}
	if d.Workers <= 0 {
		d.Workers = 16
	}
	b := &Bot{
		cfg: d.Config, st: d.Store, charters: d.Charters, texts: d.Texts,
		base: d.Screener, review: newReviewState(d.Config.Moderation),
		resources: d.Resources, checkins: d.CheckIns,
		tallies: &tallyState{alerted: map[string]time.Time{}},
		floods:  newFloodQueue(),
		durable: newDurableState(),
		log:     d.Logger, now: d.Now, sweepInt: d.SweepEvery, workers: d.Workers,
		api:  &http.Client{Timeout: 30 * time.Second, Transport: strictReplies{}},
		poll: &http.Client{Timeout: d.Config.Telegram.PollTimeout + 15*time.Second},
	}
	b.screener.Store(d.Screener)
	b.loadLearning()
	tb, err := tele.NewBot(tele.Settings{
		URL:   d.Config.Telegram.APIURL,
		Token: d.Config.Telegram.Token,
		// Updates are fetched by Run, which must know when a handler is
		// finished before it confirms the update to Telegram.
		Synchronous: true,
		Offline:     true,
		ParseMode:   tele.ModeHTML,
		OnError:     b.onError,
		Client:      b.api,
	})
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	b.tb = tb
	if d.Outbox.Logger == nil {
		d.Outbox.Logger = d.Logger
	}
	if d.Outbox.Classify == nil {
		d.Outbox.Classify = classifyTelegram
	}
	b.out = outbox.New(d.Outbox)
	b.routes()
	return b, nil
}

func (b *Bot) routes() {
	b.tb.Use(b.recoverer, b.knownChats)
	b.tb.Handle(tele.OnChatJoinRequest, b.onJoinRequest)
	b.tb.Handle(tele.OnUserJoined, b.onUserJoined)
	b.tb.Handle(tele.OnChatMember, b.onChatMember)
	b.tb.Handle(tele.OnMyChatMember, b.onMyChatMember)
	b.tb.Handle("/start", b.onStart)
	for _, cmd := range []string{"/charte", "/charter"} {
		b.tb.Handle(cmd, b.oncePerMember("charter", b.onCharter))
	}
	for _, cmd := range []string{"/aide", "/help"} {
		b.tb.Handle(cmd, b.oncePerMember("help", b.onHelp))
	}
	for _, cmd := range []string{"/attente", "/pending"} {
		b.tb.Handle(cmd, b.onPending)
	}
	b.tb.Handle("/stats", b.onStats)
	for _, cmd := range []string{"/ressources", "/resources"} {
		b.tb.Handle(cmd, b.oncePerMember("resources", b.onResources))
	}
	for _, cmd := range []string{"/urgence", "/emergency"} {
		b.tb.Handle(cmd, b.oncePerMember("emergency", b.onEmergency))
	}
	for _, cmd := range []string{"/g", "/ghb"} {
		b.tb.Handle(cmd, b.oncePerMember("g", b.onG))
	}
	for _, cmd := range []string{"/oubli", "/forget"} {
		b.tb.Handle(cmd, b.onForget)
	}
	b.tb.Handle(&tele.InlineButton{Unique: btnForget}, b.onForgetButton)
	b.tb.Handle(&tele.InlineButton{Unique: btnResources}, b.onResourcesButton)
	b.tb.Handle(&tele.InlineButton{Unique: btnMood}, b.onMood)
	b.tb.Handle(&tele.InlineButton{Unique: btnAlert}, b.onAlert)
	for _, cmd := range []string{"/signaler", "/report"} {
		b.tb.Handle(cmd, b.onReport)
	}
	for _, ev := range []string{tele.OnText, tele.OnMedia, tele.OnEdited} {
		b.tb.Handle(ev, b.onGroupMessage)
	}
	b.tb.Handle(&tele.InlineButton{Unique: btnDecision}, b.onDecision)
	b.tb.Handle(&tele.InlineButton{Unique: btnFlag}, b.onFlagAction)
	b.tb.Handle(&tele.InlineButton{Unique: btnDigest}, b.onDigestAction)
	b.tb.Handle(&tele.InlineButton{Unique: btnFloodList}, b.onFloodList)
	b.tb.Handle(&tele.InlineButton{Unique: btnCharter}, b.onCharterAnswer)
	b.tb.Handle(tele.OnCallback, b.onStaleButton)
}

// Username is the bot's @username, known once Run has reached Telegram.
func (b *Bot) Username() string {
	if b.tb.Me == nil {
		return ""
	}
	return b.tb.Me.Username
}

// Run talks to Telegram until ctx ends: it identifies the bot, publishes
// the commands menu, then polls updates and sweeps due work. It returns nil
// on a normal stop.
func (b *Bot) Run(ctx context.Context) error {
	// A loop that fails (the webhook cannot listen, a panic in the sweep
	// or in the outbox's dispatcher) stops the others, and Run returns its
	// error: the process exits non-zero and Docker or systemd starts it
	// again, instead of a bot that stays up doing nothing.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var fatal error
	var fatalOnce sync.Once
	fail := func(err error) {
		fatalOnce.Do(func() { fatal = err })
		stop()
	}
	// The outbox outlives the handlers: it stops last, once they are done.
	outCtx, stopOut := context.WithCancel(context.Background())
	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		err := loop.Guard(b.log, "outbox dispatcher", func() error { return b.out.Run(outCtx) })
		if _, ok := err.(*loop.PanicError); ok || (err != nil && outCtx.Err() == nil) {
			fail(err)
		}
	}()
	defer func() {
		stopOut()
		<-outDone
	}()
	if err := b.hello(ctx); err != nil {
		if ctx.Err() != nil {
			return fatal
		}
		return err
	}
	b.publishCommands()
	b.log.Info("bot ready", "username", b.tb.Me.Username)

	var wg sync.WaitGroup
	b.goLoop(&wg, "sweep", fail, func() { b.sweepLoop(ctx) })
	b.goLoop(&wg, "review", fail, func() { b.reviewLoop(ctx) })
	b.goLoop(&wg, "flood digests", fail, func() { b.floodLoop(ctx) })
	b.goLoop(&wg, "outbox sender", fail, func() { b.sendLoop(ctx) })
	b.goLoop(&wg, "updates", fail, func() {
		if b.cfg.Telegram.Webhook.URL != "" {
			if err := b.runWebhook(ctx); err != nil {
				b.log.Error("webhook stopped", "listen", b.cfg.Telegram.Webhook.Listen, "err", err)
				fail(fmt.Errorf("webhook: %w", err))
			}
			return
		}
		// A webhook left from an earlier deployment would make every
		// getUpdates fail with 409 Conflict.
		if _, derr := b.call(ctx, b.api, "deleteWebhook", struct{}{}); derr != nil {
			b.log.Debug("deleteWebhook", "err", derr)
		}
		b.pollLoop(ctx)
	})
	wg.Wait()
	return fatal
}

// goLoop runs one of Run's loops in a goroutine Run waits for, under
// loop.Guard: a panic there is logged with its stack and ends Run with an
// error, since a loop that died would leave the bot up but deaf (no sweep,
// no cards).
func (b *Bot) goLoop(wg *sync.WaitGroup, name string, fail func(error), run func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := loop.Guard(b.log, name, func() error { run(); return nil }); err != nil {
			fail(err)
		}
	}()
}

// hello asks Telegram who the bot is, retrying with backoff: a deployment
// that starts while the network is down must come up by itself. A rejected
// token is fatal, since retrying cannot fix it.
func (b *Bot) hello(ctx context.Context) error {
	for failures := 1; ; failures++ {
		me, err := b.getMe(ctx)
		if err == nil {
			b.tb.Me = me
			return nil
		}
		var apiErr *tele.Error
		if errors.As(err, &apiErr) && (apiErr.Code == 401 || apiErr.Code == 404) {
			return fmt.Errorf("telegram refused the token (check telegram.token): %w", err)
		}
		wait := reconnect.Delay(failures)
		b.log.Warn("cannot reach telegram yet", "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

func (b *Bot) pollLoop(ctx context.Context) {
	offset := 0
	failures := 0 // in a row, 429s not counted
	for ctx.Err() == nil {
		ups, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			var flood tele.FloodError
			var delay time.Duration
			if errors.As(err, &flood) {
				delay = retry.Jitter(time.Duration(flood.RetryAfter) * time.Second)
			} else {
				failures++
				delay = pollRetry.Delay(failures)
			}
			b.log.Warn("getUpdates failed", "err", err, "retry_in", delay)
			sleep(ctx, delay)
			continue
		}
		failures = 0
		b.markContact()
		b.handleBatch(ups)
		if n := len(ups); n > 0 {
			// Only now is the batch confirmed to Telegram (next call's
			// offset): a crash before this point gets it redelivered, and
			// the handled-update ledger keeps side effects single.
			offset = ups[n-1].ID + 1
		}
	}
}

// handleBatch runs the updates of one batch on a bounded pool and returns
// when all are done.
func (b *Bot) handleBatch(ups []tele.Update) {
	sem := make(chan struct{}, b.workers)
	var wg sync.WaitGroup
	for _, u := range ups {
		sem <- struct{}{}
		wg.Add(1)
		go func(u tele.Update) {
			defer func() { <-sem; wg.Done() }()
			b.HandleUpdate(u)
		}(u)
	}
	wg.Wait()
}

// HandleUpdate handles one update once: an update id already handled (a
// redelivery after a crash) is skipped.
func (b *Bot) HandleUpdate(u tele.Update) {
	if u.ID != 0 {
		seen, err := b.st.Handled(u.ID)
		if err != nil {
			b.log.Error("read update ledger", "update_id", u.ID, "err", err)
		} else if seen {
			b.log.Info("update already handled, skipped", "update_id", u.ID)
			return
		}
	}
	owed := b.handling(u.ID)
	func() {
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("panic while handling update", "update_id", u.ID, "panic", r, "stack", string(debug.Stack()))
			}
		}()
		b.tb.ProcessUpdate(u)
	}()
	if u.ID != 0 {
		// The mark and the messages the update owes, in one transaction
		// (outbox_durable.go).
		out := owed()
		if err := b.st.MarkHandledWith(u.ID, b.now(), out); err != nil {
			b.log.Error("write update ledger", "update_id", u.ID, "err", err)
		}
		if len(out) > 0 {
			b.wakeSender()
		}
	}
}

func (b *Bot) onError(err error, c tele.Context) {
	if c != nil {
		b.log.Error("handler failed", "update_id", c.Update().ID, "err", b.scrub(err))
		return
	}
	b.log.Error("telegram", "err", b.scrub(err))
}

// recoverer is the last line: a handler that panics logs and the bot goes
// on. (telebot's middleware.Recover hands the panic to OnError without the
// stack, which is what one needs to fix it.)
func (b *Bot) recoverer(next tele.HandlerFunc) tele.HandlerFunc {
	return func(c tele.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("panic in handler", "update_id", c.Update().ID, "panic", r, "stack", string(debug.Stack()))
				err = nil
			}
		}()
		return next(c)
	}
}

// knownChats drops updates from groups the bot was not configured for: the
// bot serves its groups, the moderators' chat and private chats, nothing
// else.
func (b *Bot) knownChats(next tele.HandlerFunc) tele.HandlerFunc {
	return func(c tele.Context) error {
		chat := c.Chat()
		if chat == nil && c.Message() != nil {
			// Telegram never sends a message without its chat; handlers
			// rely on it.
			b.log.Warn("malformed update ignored: a message without a chat", "update_id", c.Update().ID)
			return nil
		}
		if chat == nil || chat.Type == tele.ChatPrivate || chat.ID == b.cfg.Moderation.ChatID {
			return next(c)
		}
		if c.Update().MyChatMember != nil {
			return next(c) // onMyChatMember leaves unconfigured chats
		}
		if _, ok := b.cfg.Group(chat.ID); ok {
			return next(c)
		}
		b.log.Info("update from an unconfigured chat ignored", "update_id", c.Update().ID, "chat_id", chat.ID)
		return nil
	}
}

// lock serialises work on one admission or flag, by id; the caller runs
// the returned unlock.
func (b *Bot) lock(id string) func() {
	h := fnv.New32a()
	h.Write([]byte(id))
	m := &b.locks[h.Sum32()%uint32(len(b.locks))]
	m.Lock()
	return m.Unlock
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// The bot's own retry loops wait as retry.Backoff says: reconnect for
// identification and setWebhook (nothing works until they succeed, but a
// long outage must not be hammered), pollRetry for long polling, which is
// the bot's pulse and retries sooner.
var (
	reconnect = retry.Backoff{Base: time.Second, Max: time.Minute}
	pollRetry = retry.Backoff{Base: time.Second, Max: 30 * time.Second}
)
