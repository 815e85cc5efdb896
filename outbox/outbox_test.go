package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// apiErr stands for a Telegram error in the unit tests, read by classify;
// the real telebot errors are read by the bot (bot/classify_test.go).
type apiErr struct {
	code       int
	retryAfter time.Duration
}

func (e apiErr) Error() string { return fmt.Sprintf("telegram says %d", e.code) }

func classify(err error) (time.Duration, bool) {
	var e apiErr
	if !errors.As(err, &e) {
		return 0, false
	}
	switch {
	case e.code == 429:
		return e.retryAfter, true
	case e.code >= 500:
		return 0, true
	}
	return 0, false
}

var (
	err400 = apiErr{code: 400}
	err403 = apiErr{code: 403}
	err500 = apiErr{code: 500}
	err502 = apiErr{code: 502}
)

func flood(d time.Duration) error { return apiErr{code: 429, retryAfter: d} }

// fast lifts every limit far out of the way, for tests about something else.
func fast() Options {
	return Options{
		GlobalPerSecond:  1e6,
		PrivatePerSecond: 1e6,
		PrivateBurst:     1000,
		GroupPerMinute:   1e8,
		GroupBurst:       1000,
		BaseBackoff:      time.Millisecond,
		MaxBackoff:       2 * time.Millisecond,
		Classify:         classify,
	}
}

// testOutbox is a running outbox whose Run the test can stop and check.
type testOutbox struct {
	*Outbox
	stop func() error
}

func start(t *testing.T, opt Options) testOutbox {
	t.Helper()
	opt.Logger = slog.New(slog.DiscardHandler)
	o := New(opt)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- o.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			runErr = <-errc
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return testOutbox{o, stop}
}

// script returns a Do that answers with steps in turn, then repeats the last
// one, and counts its calls.
func script(steps ...error) (func(context.Context) error, *atomic.Int32) {
	var n atomic.Int32
	return func(context.Context) error {
		i := int(n.Add(1)) - 1
		return steps[min(i, len(steps)-1)]
	}, &n
}

// eventually waits for a state the test cannot be told about directly. It
// is not a speed assertion: the deadline only turns a hang into a failure.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// gate holds the only worker so that a backlog builds up behind it.
type gate struct {
	started chan struct{}
	open    chan struct{}
}

func newGate() *gate { return &gate{make(chan struct{}), make(chan struct{})} }

func (g *gate) do(context.Context) error {
	close(g.started)
	<-g.open
	return nil
}

// hold starts a call through the gate and returns its result channel once
// it is in flight.
func (g *gate) hold(t *testing.T, o testOutbox) <-chan error {
	t.Helper()
	res := make(chan error, 1)
	go func() { res <- o.Do(context.Background(), Call{Name: "gate", Kind: Edit, Do: g.do}) }()
	<-g.started
	return res
}

// enqueue starts Do in the background and returns once the call is queued,
// so that calls get their places in the order the test makes them.
func enqueue(t *testing.T, o testOutbox, ctx context.Context, c Call) <-chan error {
	t.Helper()
	before := o.Stats().Queued
	res := make(chan error, 1)
	go func() { res <- o.Do(ctx, c) }()
	eventually(t, "call "+c.Name+" queued", func() bool { return o.Stats().Queued > before })
	return res
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name        string
		steps       []error
		maxAttempts int
		wantErr     error
		wantCalls   int32
		want        Stats
		minElapsed  time.Duration
	}{
		{name: "success at once", steps: []error{nil}, wantCalls: 1, want: Stats{Sent: 1}},
		{name: "5xx retried then succeeds", steps: []error{err500, err502, nil}, wantCalls: 3,
			want: Stats{Sent: 1, Retried: 2}},
		{name: "5xx forever gives up after MaxAttempts", steps: []error{err500}, maxAttempts: 3,
			wantErr: err500, wantCalls: 3, want: Stats{Retried: 2, Dropped: 1}},
		{name: "400 is final", steps: []error{err400, nil}, wantErr: err400, wantCalls: 1,
			want: Stats{Dropped: 1}},
		{name: "403 is final", steps: []error{err403, nil}, wantErr: err403, wantCalls: 1,
			want: Stats{Dropped: 1}},
		{name: "unknown error is final", steps: []error{errors.New("bug"), nil}, wantErr: errors.New("bug"),
			wantCalls: 1, want: Stats{Dropped: 1}},
		{name: "429 waits retry_after then succeeds", steps: []error{flood(50 * time.Millisecond), nil},
			wantCalls: 2, want: Stats{Sent: 1, Retried: 1, FloodWaits: 1}, minElapsed: 50 * time.Millisecond},
		{name: "429 does not use up attempts", steps: []error{err500, flood(time.Millisecond), flood(time.Millisecond), nil},
			maxAttempts: 2, wantCalls: 4, want: Stats{Sent: 1, Retried: 3, FloodWaits: 2}},
		{name: "429 storm gives up after 2*MaxAttempts", steps: []error{flood(time.Millisecond)}, maxAttempts: 2,
			wantErr: flood(time.Millisecond), wantCalls: 5, want: Stats{Retried: 4, Dropped: 1, FloodWaits: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := fast()
			opt.MaxAttempts = tt.maxAttempts
			o := start(t, opt)
			do, calls := script(tt.steps...)
			began := time.Now()
			err := o.Do(context.Background(), Call{Chat: -100, Name: "sendMessage", Do: do})
			if fmt.Sprint(err) != fmt.Sprint(tt.wantErr) {
				t.Fatalf("Do: got %v, want %v", err, tt.wantErr)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("calls: got %d, want %d", got, tt.wantCalls)
			}
			if got := o.Stats(); got != tt.want {
				t.Errorf("stats: got %+v, want %+v", got, tt.want)
			}
			if elapsed := time.Since(began); elapsed < tt.minElapsed {
				t.Errorf("retried after %v, before Telegram's retry_after %v", elapsed, tt.minElapsed)
			}
		})
	}
}

func TestPanickingCallIsFinal(t *testing.T) {
	o := start(t, fast())
	var calls atomic.Int32
	err := o.Do(context.Background(), Call{Chat: 1, Name: "sendMessage", Do: func(context.Context) error {
		calls.Add(1)
		panic("boom")
	}})
	if err == nil || calls.Load() != 1 || o.Stats().Dropped != 1 {
		t.Fatalf("got err %v after %d calls, stats %+v; want an error after 1 call, 1 dropped", err, calls.Load(), o.Stats())
	}
}

func TestPriorityOrder(t *testing.T) {
	opt := fast()
	opt.Workers = 1
	o := start(t, opt)
	g := newGate()
	gated := g.hold(t, o)

	var mu sync.Mutex
	var order []string
	call := func(name string, chat int64, p Priority, k Kind) Call {
		return Call{Chat: chat, Priority: p, Kind: k, Name: name, Do: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			return nil
		}}
	}
	backlog := []Call{
		call("normal-1", 1, Normal, Message),
		call("moderators", -2, Moderators, Message),
		call("charter-1", 3, Charter, Message),
		call("normal-2", -4, Normal, Edit),
		call("charter-2", 5, Charter, Message),
		call("answer", 0, Normal, Answer),
		call("effects", -6, Effects, Edit),
	}
	var results []<-chan error
	for _, c := range backlog {
		results = append(results, enqueue(t, o, context.Background(), c))
	}
	close(g.open)
	for _, res := range append(results, gated) {
		if err := <-res; err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"answer", "charter-1", "charter-2", "moderators", "effects", "normal-1", "normal-2"}
	if !slices.Equal(order, want) {
		t.Errorf("order: got %v, want %v", order, want)
	}
}

func TestChatKeepsOrderOneAtATime(t *testing.T) {
	o := start(t, fast()) // 8 workers: only the lane keeps the chat serial
	var mu sync.Mutex
	var order []string
	var inChat, most atomic.Int32
	call := func(name string, p Priority, block chan struct{}) Call {
		return Call{Chat: 7, Priority: p, Name: name, Do: func(context.Context) error {
			most.Store(max(most.Load(), inChat.Add(1)))
			defer inChat.Add(-1)
			if block != nil {
				<-block
			}
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			return nil
		}}
	}
	block := make(chan struct{})
	first := make(chan error, 1)
	go func() { first <- o.Do(context.Background(), call("m1", Normal, block)) }()
	eventually(t, "m1 in flight", func() bool { return inChat.Load() == 1 })
	var results []<-chan error
	for _, c := range []Call{call("m2", Normal, nil), call("m3", Normal, nil), call("charter", Charter, nil), call("m4", Normal, nil)} {
		results = append(results, enqueue(t, o, context.Background(), c))
	}
	close(block)
	for _, res := range append(results, first) {
		if err := <-res; err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"m1", "charter", "m2", "m3", "m4"}
	if !slices.Equal(order, want) {
		t.Errorf("order: got %v, want %v", order, want)
	}
	if most.Load() != 1 {
		t.Errorf("%d calls to one chat in flight at once, want 1", most.Load())
	}
}

func TestChatPacing(t *testing.T) {
	// Limits so slow that a third call could not start during the test: the
	// assertions count calls, they do not time them.
	slow := fast()
	slow.GroupPerMinute, slow.GroupBurst = 3, 2 // then one a minute
	slow.PrivatePerSecond, slow.PrivateBurst = 0.001, 2

	tests := []struct {
		name       string
		chat       int64
		other      int64
		kind       Kind
		wantPaced  bool
		groupBurst int
	}{
		{name: "group: third message waits, another group goes through", chat: -100, other: -200, kind: Message, wantPaced: true},
		{name: "private: third message waits, another person gets theirs", chat: 100, other: 200, kind: Message, wantPaced: true},
		{name: "group burst larger than the minute is capped", chat: -100, other: -200, kind: Message, wantPaced: true, groupBurst: 10},
		{name: "edits count only globally", chat: -100, other: -200, kind: Edit},
		{name: "answers count only globally", chat: 100, other: 200, kind: Answer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := slow
			if tt.groupBurst > 0 {
				opt.GroupBurst = tt.groupBurst
			}
			o := start(t, opt)
			var toChat atomic.Int32
			c := Call{Chat: tt.chat, Kind: tt.kind, Name: "call", Do: func(context.Context) error {
				toChat.Add(1)
				return nil
			}}
			for range 2 {
				if err := o.Do(context.Background(), c); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			third := make(chan error, 1)
			go func() { third <- o.Do(ctx, c) }()
			if tt.wantPaced {
				eventually(t, "third call queued", func() bool { return o.Stats().Queued == 1 })
			}
			other := c
			other.Chat = tt.other
			other.Do = func(context.Context) error { return nil }
			if err := o.Do(context.Background(), other); err != nil {
				t.Fatalf("call to another chat: %v", err)
			}
			if !tt.wantPaced {
				if err := <-third; err != nil {
					t.Fatalf("third call: %v", err)
				}
				return
			}
			select {
			case err := <-third:
				t.Fatalf("third call to a paced chat returned %v before its chat's limit allowed it", err)
			default:
			}
			cancel()
			if err := <-third; !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled third call: got %v, want context.Canceled", err)
			}
			if n := toChat.Load(); n != 2 {
				t.Errorf("calls made to the paced chat: got %d, want 2", n)
			}
			if q := o.Stats().Queued; q != 0 {
				t.Errorf("queued after cancel: %d, want 0", q)
			}
		})
	}
}

func TestFloodHolds(t *testing.T) {
	tests := []struct {
		name        string
		floodChat   int64
		other       Call
		wantThrough bool
	}{
		{name: "flood in a group holds only that group", floodChat: -100, other: Call{Chat: -200}, wantThrough: true},
		{name: "flood holds the chat's edits too", floodChat: -100, other: Call{Chat: -100, Kind: Edit}},
		{name: "answers are not held by a chat's flood", floodChat: -100, other: Call{Chat: -100, Kind: Answer}, wantThrough: true},
		{name: "flood on a call without chat holds every chat", floodChat: 0, other: Call{Chat: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := start(t, fast())
			do, calls := script(flood(time.Hour), nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			flooded := make(chan error, 1)
			go func() { flooded <- o.Do(ctx, Call{Chat: tt.floodChat, Name: "sendMessage", Do: do}) }()
			eventually(t, "429 received", func() bool { return o.Stats().FloodWaits == 1 })

			other := tt.other
			other.Name = "other"
			other.Do = func(context.Context) error { return nil }
			if tt.wantThrough {
				if err := o.Do(context.Background(), other); err != nil {
					t.Fatalf("other call: %v", err)
				}
			} else {
				res := enqueue(t, o, ctx, other)
				select {
				case err := <-res:
					t.Fatalf("other call returned %v during the hold", err)
				default:
				}
				cancel()
				if err := <-res; !errors.Is(err, context.Canceled) {
					t.Fatalf("held call: got %v, want context.Canceled", err)
				}
			}
			cancel()
			if err := <-flooded; !errors.Is(err, context.Canceled) {
				t.Fatalf("flooded call: got %v, want context.Canceled", err)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("flooded call tried %d times during its hold, want 1", n)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	t.Run("caller gives up while queued: call never runs", func(t *testing.T) {
		opt := fast()
		opt.Workers = 1
		o := start(t, opt)
		g := newGate()
		gated := g.hold(t, o)
		do, calls := script(nil)
		ctx, cancel := context.WithCancel(context.Background())
		res := enqueue(t, o, ctx, Call{Chat: 1, Name: "sendMessage", Do: do})
		cancel()
		if err := <-res; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		close(g.open)
		if err := <-gated; err != nil {
			t.Fatal(err)
		}
		if err := o.Do(context.Background(), Call{Chat: 1, Name: "after", Do: func(context.Context) error { return nil }}); err != nil {
			t.Fatal(err)
		}
		if calls.Load() != 0 {
			t.Errorf("cancelled call ran %d times", calls.Load())
		}
	})

	t.Run("caller gives up while in flight: call sees its context end", func(t *testing.T) {
		o := start(t, fast())
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		res := make(chan error, 1)
		go func() {
			res <- o.Do(ctx, Call{Chat: 1, Name: "sendMessage", Do: func(ctx context.Context) error {
				close(started)
				<-ctx.Done()
				return ctx.Err()
			}})
		}()
		<-started
		cancel()
		if err := <-res; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		eventually(t, "worker free", func() bool {
			o.mu.Lock()
			defer o.mu.Unlock()
			return o.inFlight == 0
		})
		if s := o.Stats(); s.Retried != 0 || s.Dropped != 0 {
			t.Errorf("a call its caller abandoned was retried or counted dropped: %+v", s)
		}
	})

	t.Run("shutdown fails queued calls, finishes the one in flight, then refuses", func(t *testing.T) {
		opt := fast()
		opt.Workers = 1
		o := start(t, opt)
		g := newGate()
		gated := g.hold(t, o)
		queued := enqueue(t, o, context.Background(), Call{Chat: 1, Name: "sendMessage", Do: func(context.Context) error { return nil }})
		stopped := make(chan error, 1)
		go func() { stopped <- o.stop() }()
		if err := <-queued; !errors.Is(err, ErrClosed) {
			t.Fatalf("queued call: got %v, want ErrClosed", err)
		}
		select {
		case err := <-stopped:
			t.Fatalf("Run returned %v with a call still in flight", err)
		default:
		}
		close(g.open)
		if err := <-gated; err != nil {
			t.Fatalf("in-flight call: got %v, want it finished", err)
		}
		if err := <-stopped; err != nil {
			t.Fatalf("Run: %v", err)
		}
		if err := o.Do(context.Background(), Call{Name: "late", Do: func(context.Context) error { return nil }}); !errors.Is(err, ErrClosed) {
			t.Fatalf("Do after shutdown: got %v, want ErrClosed", err)
		}
		if err := o.Run(context.Background()); !errors.Is(err, ErrClosed) {
			t.Fatalf("Run after shutdown: got %v, want ErrClosed", err)
		}
	})

	t.Run("shutdown drain cancels a call that outlives it", func(t *testing.T) {
		opt := fast()
		opt.Drain = 10 * time.Millisecond
		o := start(t, opt)
		started := make(chan struct{})
		res := make(chan error, 1)
		go func() {
			res <- o.Do(context.Background(), Call{Chat: 1, Name: "sendMessage", Do: func(ctx context.Context) error {
				close(started)
				<-ctx.Done()
				return ctx.Err()
			}})
		}()
		<-started
		if err := o.stop(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if err := <-res; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})

	t.Run("a retry pending at shutdown returns ErrClosed and the last error", func(t *testing.T) {
		o := start(t, fast())
		do, _ := script(flood(time.Hour))
		res := make(chan error, 1)
		go func() { res <- o.Do(context.Background(), Call{Chat: 1, Name: "sendMessage", Do: do}) }()
		eventually(t, "429 received", func() bool { return o.Stats().FloodWaits == 1 })
		if err := o.stop(); err != nil {
			t.Fatal(err)
		}
		err := <-res
		if !errors.Is(err, ErrClosed) || !errors.Is(err, flood(time.Hour)) {
			t.Fatalf("got %v, want ErrClosed wrapping the 429", err)
		}
	})

	t.Run("second Run is refused", func(t *testing.T) {
		o := start(t, fast())
		// A call that completes proves the first Run has started.
		if err := o.Do(context.Background(), Call{Name: "ping", Do: func(context.Context) error { return nil }}); err != nil {
			t.Fatal(err)
		}
		if err := o.Run(context.Background()); !errors.Is(err, ErrRunning) {
			t.Fatalf("got %v, want ErrRunning", err)
		}
	})
}

func TestIdleChatsAreForgotten(t *testing.T) {
	o := start(t, fast())
	for chat := int64(-20); chat <= 20; chat++ {
		if chat == 0 {
			continue
		}
		if err := o.Do(context.Background(), Call{Chat: chat, Name: "sendMessage", Do: func(context.Context) error { return nil }}); err != nil {
			t.Fatal(err)
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.chats) != 40 {
		t.Fatalf("chats remembered: %d, want 40", len(o.chats))
	}
	if len(o.lanes) != 0 {
		t.Errorf("lanes left after every call finished: %d", len(o.lanes))
	}
	later := time.Now().Add(idleChat + time.Minute)
	o.chats[5].hold = later.Add(time.Minute) // still under a 429 hold: kept
	o.pruneLocked(later)
	if len(o.chats) != 1 || o.chats[5] == nil {
		t.Errorf("after %v idle: %d chats remembered, want only the held one", idleChat, len(o.chats))
	}
}

func TestWindowLimiterNeverExceedsTheWindow(t *testing.T) {
	tests := []struct {
		name  string
		most  float64
		burst int
		span  time.Duration
	}{
		{name: "Telegram group: 20 a minute, 5 at once", most: 20, burst: 5, span: time.Minute},
		{name: "Telegram global: 30 a second", most: 30, burst: 1, span: time.Second},
		{name: "burst above the limit", most: 3, burst: 10, span: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := windowLimiter(tt.most, tt.burst, tt.span)
			// Take every token as soon as it exists, for several windows, on
			// the limiter's own clock, and count the busiest window.
			var events []time.Time
			now := time.Unix(0, 0)
			for now.Before(time.Unix(0, 0).Add(5 * tt.span)) {
				if lim.AllowN(now, 1) {
					events = append(events, now)
					continue
				}
				now = now.Add(tt.span / 1000)
			}
			busiest := 0
			for i, e := range events {
				n := 0
				for _, f := range events[i:] {
					if f.Sub(e) > tt.span {
						break
					}
					n++
				}
				busiest = max(busiest, n)
			}
			if busiest > int(tt.most) {
				t.Errorf("%d events in one window of %v, want at most %v", busiest, tt.span, tt.most)
			}
			if busiest < int(tt.most)*9/10 {
				t.Errorf("only %d events in the busiest window of %v: the limit is wasted", busiest, tt.span)
			}
		})
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		opt := fast()
		opt.Workers = 2
		opt.GroupPerMinute, opt.GroupBurst = 3, 2
		o := start(t, opt)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				do, _ := script(err500, flood(time.Millisecond), nil)
				if i%4 == 0 {
					do, _ = script(err400)
				}
				_ = o.Do(ctx, Call{Chat: -int64(i % 3), Priority: Priority(i % 3), Name: "sendMessage", Do: do})
			})
		}
		eventually(t, "paced calls left waiting", func() bool {
			s := o.Stats()
			return s.Queued > 0 && s.Sent+s.Dropped+uint64(s.Queued) == 20
		})
		cancel() // callers leave: the paced calls are forgotten
		wg.Wait()
		if err := o.stop(); err != nil {
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}
