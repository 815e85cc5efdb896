// Package outbox is the one door through which the bot talks to Telegram.
//
// Telegram throttles bots: about 30 messages a second overall, about one a
// second in a private chat (short bursts allowed) and 20 a minute in a
// group. Beyond that it answers 429, and a bot that keeps pushing gets
// longer waits. Join requesters must get their charter within Telegram's
// five-minute window, and a button tap waits on a spinner until the bot
// answers it. So every Bot API call the bot makes is wrapped in a Call and
// handed to Outbox.Do, which paces it, lets the urgent ones go first, and
// retries what failed for a passing reason; no handler has to think about
// limits, and none can starve another chat.
//
// # Pacing
//
// One global limiter, one per private chat (positive id) and one per group
// (negative id), all golang.org/x/time/rate token buckets, the per-chat ones
// created on first use and forgotten after ten idle minutes (by then they are
// full again, so forgetting one changes nothing and memory stays bounded over
// months). Only Message calls count against a chat; Edit calls (edits,
// deletes, approvals, bans) and Answer calls (answerCallbackQuery) count only
// against the global limiter.
//
// Telegram counts messages in any window (any minute for a group, any second
// overall), while a token bucket that starts full lets burst + rate through
// in the first window. The group and global limiters therefore refill at
// (limit - burst) per window, and every rate runs 2% under the figure so
// that network jitter cannot push a burst over Telegram's edge: with the
// defaults, a group gets 5 messages at once and then one every ~4 s, never
// more than 20 in a minute, and the bot stays at zero 429s.
//
// # Order
//
// Calls wait in lanes: one per chat for Message calls, one per chat for Edit
// calls, and one of its own for each Answer call and each call without a
// chat. A lane runs one call at a time, so a chat's messages arrive in the
// order they were handed in (within a priority), and a lane whose chat is
// paced or held never blocks another lane. Among the lanes whose first call
// could start now, the dispatcher starts Answer calls first (a person is
// looking at a spinner; they are tiny and do not count against chat limits),
// then Charter, then Moderators, then Effects, then Normal, oldest first
// within each.
//
// Under sustained load above the global limit, Normal calls can wait as long
// as higher priorities keep arriving. That is accepted: the bot's higher
// priorities come from people (join requests, flags), which arrive in bursts
// and stop, so Normal calls are delayed, not starved for ever. The caller's
// context bounds how long any one of them waits.
//
// # Failures
//
// Options.Classify sorts errors: the bot passes one that reads its Bot API
// client's errors; ClassifyTransport, the default, knows only network
// failures. A 429 holds
// the chat the call went to (everything, for a call without a chat) for the
// retry_after Telegram gave, then retries; these waits do not use up
// attempts, but more than 2*MaxAttempts of them for one call give up. 5xx,
// timeouts, network errors and malformed replies are retried with
// exponential backoff and jitter, MaxAttempts tries in all. Anything else is
// final at once. A call that gives up is logged (Name, Chat, attempts, the
// error with any bot token masked; never message text) and its error is
// returned to the caller, which drops that one message; nothing panics, not
// even a Do that does.
//
// Retries mean at-least-once: a call whose reply was lost may have been
// carried out, and a retried sendMessage can then arrive twice. Edits and
// deletes are naturally idempotent; for messages, a rare duplicate is the
// price of not losing a charter.
package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/entrepairs/entrepairs/retry"
	"github.com/entrepairs/entrepairs/secret"
)

// Priority says which calls go first when several could start.
type Priority int

const (
	// Charter is for messages to join requesters: Telegram drops a join
	// request's private chat after five minutes, and a person who never saw
	// the charter cannot accept it.
	Charter Priority = iota
	// Moderators is for cards and digests to the moderators: they decide on
	// people waiting and on flagged messages.
	Moderators
	// Effects is for carrying out what a moderator decided (approving,
	// banning, muting): after the cards that bring decisions, before
	// everything else.
	Effects
	// Normal is everything else (group replies, check-ins and their
	// tallies, flood notices). It is also what an unknown Priority becomes.
	// The values are stored with owed messages: add new ones before
	// Normal only with care, never renumber.
	Normal
)

// Kind says what a call does to a chat, which decides how it is paced.
type Kind int

const (
	// Message creates a message (sendMessage, sendPhoto, copyMessage...):
	// it counts against its chat's limit and the global one. It is also what
	// an unknown Kind becomes, the safe side.
	Message Kind = iota
	// Edit changes or removes something (editMessageText, deleteMessage,
	// approveChatJoinRequest, banChatMember...): Telegram does not count these
	// against a chat's message limit, so they are paced only globally and do
	// not wait behind a chat's queued messages. A 429 on one still holds the
	// chat.
	Edit
	// Answer is answerCallbackQuery: paced only globally, started before any
	// other ready call, and never held by a chat's 429, because Telegram stops
	// the button's spinner (and shows nothing) after a few seconds.
	Answer
)

// Call is one Bot API call, as the bot wants it made.
type Call struct {
	// Chat is the chat the call targets, for pacing and 429 holds; 0 means
	// none (the call is then paced only globally, and a 429 on it holds
	// everything).
	Chat int64
	// Priority orders ready calls; see the package documentation.
	Priority Priority
	// Kind decides pacing; see Message, Edit, Answer.
	Kind Kind
	// Name is the Bot API method, for logs ("sendMessage"). Never put message
	// text here: it ends up in the logs.
	Name string
	// Do makes the call. It may run several times (retries), so it must not
	// have other side effects; it should honour ctx, which ends when the
	// caller stops waiting or when shutdown's drain time is over. Results
	// (a message id) are captured by the closure.
	Do func(ctx context.Context) error
}

// Options tunes an Outbox. The zero value means Telegram's published limits
// and sensible retries; every zero field takes its default.
type Options struct {
	// GlobalPerSecond is the most calls started in any one second, over all
	// chats and kinds. Default 30 (Telegram's figure for messages).
	GlobalPerSecond float64
	// PrivatePerSecond and PrivateBurst pace Message calls to one private
	// chat (positive id): a token bucket. Default 1 and 3.
	PrivatePerSecond float64
	PrivateBurst     int
	// GroupPerMinute is the most Message calls to one group or supergroup
	// (negative id) in any minute, GroupBurst how many of them may go at
	// once. Default 20 and 5. A GroupBurst of GroupPerMinute or more is
	// lowered to GroupPerMinute-1, since the burst counts within the minute.
	GroupPerMinute float64
	GroupBurst     int
	// MaxAttempts is how many times a call failing with a retryable error
	// other than 429 is tried in all. Default 5.
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the wait before a retry: BaseBackoff,
	// doubled each failure, at most MaxBackoff, with jitter (half of it
	// random) so that calls failing together do not retry together. Defaults
	// 500 ms and 30 s.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// Workers is how many calls may be in flight at once. Default 8.
	Workers int
	// Drain is how long Run waits for in-flight calls once its context has
	// ended before cancelling their contexts. Default 10 s, the whole
	// shutdown budget of the bot.
	Drain time.Duration
	// Logger receives retries (Debug), 429s (Warn: pacing should have
	// prevented them), calls given up (Warn, or Debug when Telegram refused
	// them at once: the caller logs those with more context) and panics in
	// Do (Error). Default slog.Default().
	Logger *slog.Logger
	// Classify says whether an error is worth a retry, and after how long
	// Telegram asked to wait (non-zero only for 429). It is where the Bot
	// API client's errors are read, so the bot passes its own (the outbox
	// knows no client). Default ClassifyTransport, which retries network
	// failures only.
	Classify func(error) (retryAfter time.Duration, retry bool)
}

// Stats counts what the outbox did since New, for /stats, health checks and
// tests.
type Stats struct {
	Sent       uint64 // calls that succeeded, retried or not
	Retried    uint64 // retries scheduled, 429 waits included
	Dropped    uint64 // calls given up: final error, attempts exhausted, or still queued at shutdown
	FloodWaits uint64 // 429 answers received
	Queued     int    // calls waiting now (not in flight)
}

// Outbox paces, orders and retries the bot's calls to Telegram. Create it
// with New, start Run in a goroutine, and call Do from anywhere.
type Outbox struct {
	opt      Options
	log      *slog.Logger
	classify func(error) (time.Duration, bool)

	wake chan struct{} // a call arrived or finished: look again

	mu         sync.Mutex
	state      int
	lanes      map[laneKey]*lane
	chats      map[int64]*chat
	global     *rate.Limiter
	globalHold time.Time // a 429 on a call without a chat: nothing starts before
	seq        uint64
	queued     int
	inFlight   int
	lastPrune  time.Time

	sent, retried, dropped, floods atomic.Uint64
	// failed is set by a panic in the outbox's own code (see guard).
	failed atomic.Pointer[error]
}

const (
	idle = iota
	running
	closed
)

// idleChat is how long a chat's limiter is kept unused; see prune.
const idleChat = 10 * time.Minute

// pace keeps every rate a little under Telegram's figure: a message
// dispatched exactly on time can reach Telegram a few milliseconds early
// relative to the previous one.
const pace = 0.98

// New returns an Outbox with opt's zero fields set to their defaults. It
// does nothing until Run.
func New(opt Options) *Outbox {
	opt = withDefaults(opt)
	return &Outbox{
		opt:      opt,
		log:      opt.Logger,
		classify: opt.Classify,
		wake:     make(chan struct{}, 1),
		lanes:    make(map[laneKey]*lane),
		chats:    make(map[int64]*chat),
		global:   windowLimiter(opt.GlobalPerSecond, 1, time.Second),
	}
}

func withDefaults(o Options) Options {
	if o.GlobalPerSecond <= 0 {
		o.GlobalPerSecond = 30
	}
	if o.PrivatePerSecond <= 0 {
		o.PrivatePerSecond = 1
	}
	if o.PrivateBurst <= 0 {
		o.PrivateBurst = 3
	}
	if o.GroupPerMinute <= 0 {
		o.GroupPerMinute = 20
	}
	if o.GroupBurst <= 0 {
		o.GroupBurst = 5
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.MaxBackoff < o.BaseBackoff {
		o.MaxBackoff = o.BaseBackoff
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Drain <= 0 {
		o.Drain = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Classify == nil {
		o.Classify = ClassifyTransport
	}
	return o
}

// windowLimiter returns a token bucket that lets at most max events into any
// window of span: the bucket starts full, so the refill may bring only
// max-burst more within the span (at least one, or it would never refill).
func windowLimiter(most float64, burst int, span time.Duration) *rate.Limiter {
	burst = max(min(burst, int(most)-1), 1)
	refill := max(most-float64(burst), 1)
	return rate.NewLimiter(rate.Limit(refill/span.Seconds()*pace), burst)
}

// job is a Call on its way; all its fields but call, ctx and done belong to
// o.mu.
type job struct {
	call      Call
	ctx       context.Context // the caller's: the call runs under it
	done      chan error      // buffered: the result never waits for a reader
	seq       uint64          // arrival order, kept across retries
	attempts  int             // failures that count against MaxAttempts
	floods    int             // 429s received
	notBefore time.Time       // retry time
	lastErr   error           // why it is waiting for a retry
	lane      *lane
	queued    bool // in lane.queue (false while in flight)
	// then receives the result of a call handed in by Post, outside o.mu.
	then func(error)
}

// laneKey names a lane; solo is non-zero for calls that get a lane of their
// own (Answer calls, calls without a chat).
type laneKey struct {
	chat int64
	kind Kind
	solo uint64
}

// lane is a queue of calls that must not overtake each other, with at most
// one of them in flight.
type lane struct {
	key   laneKey
	queue []*job // by (priority, seq)
	busy  bool
}

// chat is what the outbox remembers of one chat: its message pacing and any
// 429 hold.
type chat struct {
	limiter  *rate.Limiter // nil until a Message call: edits need none
	hold     time.Time
	lastUsed time.Time
}

// Do hands c to the outbox and waits for its result: nil, the call's final
// error once retries are over, ctx.Err() if ctx ends first (a call not yet
// started then never starts; one in flight sees its context cancelled), or
// ErrClosed after shutdown. Calls made before Run starts wait for it.
func (o *Outbox) Do(ctx context.Context, c Call) error {
	if c.Do == nil {
		return fmt.Errorf("outbox: call %q has no Do", c.Name)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.Priority < Charter || c.Priority > Normal {
		c.Priority = Normal
	}
	if c.Kind < Message || c.Kind > Answer {
		c.Kind = Message
	}
	j := &job{call: c, ctx: ctx, done: make(chan error, 1)}

	o.mu.Lock()
	if o.state == closed {
		o.mu.Unlock()
		return ErrClosed
	}
	o.seq++
	j.seq = o.seq
	o.enqueueLocked(j)
	o.mu.Unlock()
	o.poke()

	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		o.mu.Lock()
		if j.queued {
			o.removeLocked(j)
		}
		o.mu.Unlock()
		select {
		case err := <-j.done: // finished meanwhile: the real result is better
			return err
		default:
			return ctx.Err()
		}
	}
}

// Post hands c to the outbox without waiting for it: then (which may be
// nil) is called with the result, as Do would return it, from the outbox's
// own goroutine, once the call succeeded, failed for good or was still
// queued at shutdown (ErrClosed). A call handed in by Post runs under no
// caller's context: only the shutdown drain ends it. Calls posted before
// Run starts wait for it.
//
// The caller owns what happens to a failure: a durable sender keeps the
// message for later; nothing here is logged above Debug.
func (o *Outbox) Post(c Call, then func(error)) error {
	if c.Do == nil {
		return fmt.Errorf("outbox: call %q has no Do", c.Name)
	}
	if c.Priority < Charter || c.Priority > Normal {
		c.Priority = Normal
	}
	if c.Kind < Message || c.Kind > Answer {
		c.Kind = Message
	}
	j := &job{call: c, ctx: context.Background(), done: make(chan error, 1), then: then}
	o.mu.Lock()
	if o.state == closed {
		o.mu.Unlock()
		return ErrClosed
	}
	o.seq++
	j.seq = o.seq
	o.enqueueLocked(j)
	o.mu.Unlock()
	o.poke()
	return nil
}

// Stats returns the counters so far.
func (o *Outbox) Stats() Stats {
	o.mu.Lock()
	queued := o.queued
	o.mu.Unlock()
	return Stats{
		Sent:       o.sent.Load(),
		Retried:    o.retried.Load(),
		Dropped:    o.dropped.Load(),
		FloodWaits: o.floods.Load(),
		Queued:     queued,
	}
}

// Run dispatches calls until ctx ends. Then it stops taking calls (Do
// returns ErrClosed, queued calls get it too), waits for the calls in flight
// to finish, up to Options.Drain, cancels the stragglers' contexts, gives
// them one more second, and returns: nil, or an error saying how many calls
// were still running (a Do that ignores its context, as telebot's calls do,
// then ends on its HTTP client's timeout and its result is still delivered).
// Cancel the outbox's context last in a shutdown, after the handlers that
// use it are done.
func (o *Outbox) Run(ctx context.Context) error {
	o.mu.Lock()
	switch o.state {
	case running:
		o.mu.Unlock()
		return ErrRunning
	case closed:
		o.mu.Unlock()
		return ErrClosed
	}
	o.state = running
	o.mu.Unlock()

	// drain ends the calls in flight when shutdown runs out of time; until
	// then they run under their callers' contexts only.
	drain, stopCalls := context.WithCancel(context.Background())
	defer stopCalls()

	var inFlight sync.WaitGroup
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		if ctx.Err() != nil { // checked first: a call must not start once shutdown began
			return o.shutdown(&inFlight, stopCalls)
		}
		if err := o.failed.Load(); err != nil {
			_ = o.shutdown(&inFlight, stopCalls)
			return *err
		}
		wait := o.dispatch(time.Now(), drain, &inFlight)
		if wait > 0 {
			timer.Reset(wait)
		}
		select {
		case <-ctx.Done():
		case <-o.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// dispatch is dispatchLocked under o.mu, released even if it panics: the
// bot's guard then stops the program, and callers of Do must not hang on
// the lock meanwhile.
func (o *Outbox) dispatch(now time.Time, drain context.Context, inFlight *sync.WaitGroup) time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dispatchLocked(now, drain, inFlight)
}

// poke wakes the dispatcher; one pending wake is enough, since it looks at
// everything each time.
func (o *Outbox) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// dispatchLocked starts every call that may start now and returns how long
// until the next one might (0: nothing to wait for but a wake).
//
// It scans the lanes each time: the backlog of a small association's bot is
// at most a few hundred calls, and the scan is cheaper than keeping a heap in
// step with limiters that refill on their own.
func (o *Outbox) dispatchLocked(now time.Time, drain context.Context, inFlight *sync.WaitGroup) time.Duration {
	o.pruneLocked(now)
	for o.inFlight < o.opt.Workers {
		best, next := o.pickLocked(now)
		if best == nil {
			return next
		}
		if at := o.globalReadyLocked(now); at.After(now) {
			return until(now, at)
		}
		o.startLocked(best, now, drain, inFlight)
	}
	return 0 // all workers busy: the next one to finish wakes us
}

// pickLocked returns the first call of the lane that should start now, or
// nil and how long until some lane's first call may start (0: none waiting).
func (o *Outbox) pickLocked(now time.Time) (*job, time.Duration) {
	var best *job
	var next time.Time
	for _, l := range o.lanes {
		if l.busy || len(l.queue) == 0 {
			continue
		}
		head := l.queue[0]
		if at := o.readyLocked(head, now); at.After(now) {
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}
		if best == nil || before(head, best) {
			best = head
		}
	}
	if best != nil || next.IsZero() {
		return best, 0
	}
	return nil, until(now, next)
}

// before is the dispatch order: Answer calls, then by priority, then oldest.
func before(a, b *job) bool {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra < rb
	}
	return a.seq < b.seq
}

func rank(j *job) int {
	if j.call.Kind == Answer {
		return -1
	}
	return int(j.call.Priority)
}

// readyLocked returns when j may start as far as its own retry time and its
// chat are concerned; the global limiter is checked once for all.
func (o *Outbox) readyLocked(j *job, now time.Time) time.Time {
	at := j.notBefore
	if !chatPaced(j.call) {
		return at
	}
	c := o.chats[j.call.Chat]
	if c == nil {
		return at
	}
	at = later(at, c.hold)
	if j.call.Kind == Message && c.limiter != nil {
		at = later(at, tokenAt(c.limiter, now))
	}
	return at
}

func (o *Outbox) globalReadyLocked(now time.Time) time.Time {
	return later(o.globalHold, tokenAt(o.global, now))
}

// chatPaced says whether a call shares its chat's lane, limiter and 429
// holds.
func chatPaced(c Call) bool {
	return c.Chat != 0 && c.Kind != Answer
}

// tokenAt returns when lim will have a whole token.
func tokenAt(lim *rate.Limiter, now time.Time) time.Time {
	tokens := lim.TokensAt(now)
	if tokens >= 1 {
		return now
	}
	wait := (1 - tokens) / float64(lim.Limit()) * float64(time.Second)
	return now.Add(time.Duration(wait) + time.Millisecond) // round up: never wake to 0.999 tokens
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// until is the timer duration to at, never zero (zero means "no timer").
func until(now, at time.Time) time.Duration {
	return max(at.Sub(now), time.Millisecond)
}

func (o *Outbox) startLocked(j *job, now time.Time, drain context.Context, inFlight *sync.WaitGroup) {
	o.unqueueLocked(j)
	j.lane.busy = true
	o.global.AllowN(now, 1)
	if chatPaced(j.call) {
		c := o.chatLocked(j.call.Chat, now)
		if j.call.Kind == Message {
			if c.limiter == nil {
				c.limiter = o.chatLimiter(j.call.Chat)
			}
			c.limiter.AllowN(now, 1)
		}
	}
	o.inFlight++
	inFlight.Add(1)
	go func() {
		defer inFlight.Done()
		defer o.guard(j)
		err := o.invoke(j, drain)
		o.finish(j, err)
		o.poke()
	}()
}

func (o *Outbox) chatLimiter(id int64) *rate.Limiter {
	if id < 0 {
		return windowLimiter(o.opt.GroupPerMinute, o.opt.GroupBurst, time.Minute)
	}
	return rate.NewLimiter(rate.Limit(o.opt.PrivatePerSecond*pace), o.opt.PrivateBurst)
}

func (o *Outbox) chatLocked(id int64, now time.Time) *chat {
	c := o.chats[id]
	if c == nil {
		c = &chat{}
		o.chats[id] = c
	}
	c.lastUsed = now
	return c
}

// guard stops the outbox when its own bookkeeping after a call panics (a
// panic in Do is the call's failure, see invoke; one here is the outbox's
// bug): logged with its stack, and Run returns it, so that the program
// exits instead of running with calls that never finish.
func (o *Outbox) guard(j *job) {
	r := recover()
	if r == nil {
		return
	}
	o.log.Error("panic in the outbox, stopping", "call", j.call.Name, "chat", j.call.Chat, "panic", r, "stack", string(debug.Stack()))
	err := fmt.Errorf("outbox: panic after %s: %v", j.call.Name, r)
	o.failed.CompareAndSwap(nil, &err)
	o.poke()
}

// panicked marks a Do that panicked: final, whatever Classify thinks.
type panicked struct{ value any }

func (p panicked) Error() string { return fmt.Sprintf("outbox: call panicked: %v", p.value) }

// invoke runs the call under its caller's context, also cancelled when the
// shutdown drain is over, and turns a panic into an error: one bad closure
// must not take the bot down.
func (o *Outbox) invoke(j *job, drain context.Context) (err error) {
	ctx, cancel := context.WithCancel(j.ctx)
	defer cancel()
	stop := context.AfterFunc(drain, cancel)
	defer stop()
	defer func() {
		if r := recover(); r != nil {
			err = panicked{r}
		}
	}()
	return j.call.Do(ctx)
}

// finish decides what happens after a try: result to the caller, or back
// in its lane, at its old place, for a retry.
func (o *Outbox) finish(j *job, err error) {
	if result, done := o.judge(j, err); done && j.then != nil {
		o.callThen(j, result)
	}
}

// judge settles a try under o.mu (released even on a panic, see guard):
// done reports that the call is over and result is its result.
func (o *Outbox) judge(j *job, err error) (result error, done bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inFlight--
	j.lane.busy = false
	result, retry := o.judgeLocked(j, err, time.Now())
	if retry {
		o.enqueueLocked(j)
		return nil, false
	}
	o.forgetLaneLocked(j.lane)
	j.done <- result
	return result, true
}

// callThen runs a posted call's continuation; a panic there is logged, as
// one in Do would be, and goes no further.
func (o *Outbox) callThen(j *job, result error) {
	defer func() {
		if r := recover(); r != nil {
			o.log.Error("telegram call continuation panicked", "call", j.call.Name, "chat", j.call.Chat, "panic", r)
		}
	}()
	j.then(result)
}

func (o *Outbox) judgeLocked(j *job, err error, now time.Time) (result error, retry bool) {
	c := j.call
	if err == nil {
		o.sent.Add(1)
		return nil, false
	}
	if j.ctx.Err() != nil {
		return err, false // the caller has gone; Do already returned
	}
	if _, ok := err.(panicked); ok {
		o.dropped.Add(1)
		o.log.Error("telegram call panicked", "call", c.Name, "chat", c.Chat, "err", redact(err))
		return err, false
	}
	wait, again := o.classify(err)
	if !again {
		o.dropped.Add(1)
		o.log.Debug("telegram call refused", "call", c.Name, "chat", c.Chat, "err", redact(err))
		return err, false
	}
	if wait > 0 {
		o.floods.Add(1)
		j.floods++
		o.log.Warn("telegram flood wait", "call", c.Name, "chat", c.Chat, "retry_after", wait, "floods", j.floods)
		if j.floods > 2*o.opt.MaxAttempts {
			return o.giveUpLocked(j, err), false
		}
		// Telegram does not say which limit it was: hold the chat the call
		// went to, or everything when it went to none.
		resume := now.Add(wait)
		switch {
		case chatPaced(c):
			ch := o.chatLocked(c.Chat, now)
			ch.hold = later(ch.hold, resume)
		case c.Chat == 0:
			o.globalHold = later(o.globalHold, resume)
		}
		j.notBefore = resume
	} else {
		j.attempts++
		if j.attempts >= o.opt.MaxAttempts {
			return o.giveUpLocked(j, err), false
		}
		j.notBefore = now.Add(o.backoff(j.attempts))
		o.log.Debug("telegram call retried", "call", c.Name, "chat", c.Chat, "attempt", j.attempts, "err", redact(err))
	}
	if o.state == closed {
		o.dropped.Add(1)
		o.log.Warn("telegram call dropped at shutdown", "call", c.Name, "chat", c.Chat, "err", redact(err))
		return fmt.Errorf("%w before retrying %s: %w", ErrClosed, c.Name, err), false
	}
	j.lastErr = err
	o.retried.Add(1)
	return nil, true
}

func (o *Outbox) giveUpLocked(j *job, err error) error {
	o.dropped.Add(1)
	o.log.Warn("telegram call dropped", "call", j.call.Name, "chat", j.call.Chat,
		"attempts", j.attempts, "floods", j.floods, "err", redact(err))
	return err
}

// backoff is BaseBackoff doubled per failure, capped, half of it random.
func (o *Outbox) backoff(attempt int) time.Duration {
	return retry.Backoff{Base: o.opt.BaseBackoff, Max: o.opt.MaxBackoff}.Delay(attempt)
}

func (o *Outbox) enqueueLocked(j *job) {
	key := laneKey{chat: j.call.Chat, kind: j.call.Kind}
	if !chatPaced(j.call) {
		key.solo = j.seq
	}
	l := o.lanes[key]
	if l == nil {
		l = &lane{key: key}
		o.lanes[key] = l
	}
	i := len(l.queue)
	for i > 0 && before(j, l.queue[i-1]) {
		i--
	}
	l.queue = append(l.queue, nil)
	copy(l.queue[i+1:], l.queue[i:])
	l.queue[i] = j
	j.lane = l
	j.queued = true
	o.queued++
}

func (o *Outbox) unqueueLocked(j *job) {
	l := j.lane
	for i, q := range l.queue {
		if q == j {
			l.queue = append(l.queue[:i], l.queue[i+1:]...)
			break
		}
	}
	j.queued = false
	o.queued--
}

// removeLocked forgets a call whose caller stopped waiting before it started.
func (o *Outbox) removeLocked(j *job) {
	o.unqueueLocked(j)
	o.forgetLaneLocked(j.lane)
}

func (o *Outbox) forgetLaneLocked(l *lane) {
	if !l.busy && len(l.queue) == 0 {
		delete(o.lanes, l.key)
	}
}

// pruneLocked forgets chats idle for idleChat, at most once a minute. A
// limiter is forgotten only when full, so a fresh one would behave the same;
// a chat with calls waiting or a 429 hold running is kept.
func (o *Outbox) pruneLocked(now time.Time) {
	if now.Sub(o.lastPrune) < time.Minute {
		return
	}
	o.lastPrune = now
	for id, c := range o.chats {
		if now.Sub(c.lastUsed) < idleChat || c.hold.After(now) {
			continue
		}
		if c.limiter != nil && c.limiter.TokensAt(now) < float64(c.limiter.Burst()) {
			continue
		}
		if o.lanes[laneKey{chat: id, kind: Message}] != nil || o.lanes[laneKey{chat: id, kind: Edit}] != nil {
			continue
		}
		delete(o.chats, id)
	}
}

// shutdown stops taking calls, fails the queued ones and waits for those in
// flight, as Run documents.
func (o *Outbox) shutdown(inFlight *sync.WaitGroup, stopCalls context.CancelFunc) error {
	o.mu.Lock()
	o.state = closed
	type posted struct {
		j   *job
		err error
	}
	var thens []posted
	for _, l := range o.lanes {
		for _, j := range l.queue {
			j.queued = false
			o.queued--
			o.dropped.Add(1)
			err := ErrClosed
			if j.lastErr != nil {
				err = fmt.Errorf("%w before retrying %s: %w", ErrClosed, j.call.Name, j.lastErr)
			}
			j.done <- err
			if j.then != nil {
				thens = append(thens, posted{j, err})
			}
		}
		l.queue = nil
		o.forgetLaneLocked(l)
	}
	o.mu.Unlock()
	for _, p := range thens {
		o.callThen(p.j, p.err)
	}

	done := make(chan struct{})
	go func() {
		inFlight.Wait()
		close(done)
	}()
	drain := time.NewTimer(o.opt.Drain)
	defer drain.Stop()
	select {
	case <-done:
		return nil
	case <-drain.C:
	}
	stopCalls()
	grace := time.NewTimer(time.Second)
	defer grace.Stop()
	select {
	case <-done:
		return nil
	case <-grace.C:
	}
	o.mu.Lock()
	left := o.inFlight
	o.mu.Unlock()
	return fmt.Errorf("outbox: %d calls still in flight %s after shutdown began", left, o.opt.Drain+time.Second)
}

// redact is an error's text for the logs, without the bot token: the
// outbox is not told the token, so it masks what is shaped like one (a Bot
// API URL in a net/http error quotes it whole).
func redact(err error) string {
	return secret.Mask(err.Error(), "")
}
