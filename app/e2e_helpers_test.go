package app

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// The end-to-end tests, the benchmarks and the fuzzers run the whole
// program (Main: configuration, store, charters, resources, lexicon, bot)
// against the Telegram emulator, through one rig: startRig. The crash and
// measure tests run the built binary on a directory written by
// writeBotDir, the rig's configuration.

const (
	modChat      int64 = -1009999000001
	requestGroup int64 = -1001111000001 // join: request
	restrictGrp  int64 = -1002222000002 // join: restrict
	waitFor            = 15 * time.Second
)

var (
	mod1     = frenchUser(501, "Camille")
	mod2     = frenchUser(502, "Dominique")
	stranger = frenchUser(999, "Intrus")
)

func frenchUser(id int64, name string) tele.User {
	u := emulator.User(id, name)
	u.LanguageCode = "fr"
	return u
}

// clock is the fake clock the tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer collects logs from concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Take returns what was logged since the last Take and forgets it: the
// fuzzers look at each input's logs alone, and run too long to keep them.
func (b *syncBuffer) Take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// botConfig is what differs between the rigs' configurations.
type botConfig struct {
	// timezone is the configuration's time zone; default Europe/Paris.
	timezone string
	// checkins is the YAML of the checkins key; default a Friday 18:00
	// and a Monday 10:00 check-in.
	checkins string
	// moderation is more settings under moderation (YAML lines indented by
	// two spaces).
	moderation string
}

// writeBotDir writes, in dir, the shipped charters and resources and a
// configuration for two groups (one per join mode), two moderators and
// their chat, pointing at apiURL. It returns the configuration's path.
func writeBotDir(tb testing.TB, dir, apiURL string, c botConfig) string {
	tb.Helper()
	for _, name := range []string{"charter.md", "charter.en.md", "resources.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	if c.timezone == "" {
		c.timezone = "Europe/Paris"
	}
	if c.checkins == "" {
		c.checkins = `checkins:
  - name: vendredi
    weekday: friday
    time: "18:00"
  - name: lundi
    weekday: monday
    time: "10:00"`
	}
	path := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`
telegram:
  token: %q
  api_url: %q
  poll_timeout: 1s
storage:
  path: data/bot.db
timezone: %s
language: fr
log:
  level: info
moderation:
  chat_id: %d
  moderators: [%d, %d]
  reminder_after: 24h
%s
groups:
  - chat_id: %d
    name: Entraide Paris
    charter: charter.md
    join: request
  - chat_id: %d
    name: Entraide Bruxelles
    charter: charter.md
    join: restrict
    notice_ttl: 5m
    region: BE
%s
checkin_grace: 2h
`, emulator.Token, apiURL, c.timezone, modChat, mod1.ID, mod2.ID, c.moderation, requestGroup, restrictGrp, c.checkins)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// rigOptions say how the rig runs the bot.
type rigOptions struct {
	botConfig
	// realClock runs the bot on the real clock with the production periods
	// (sweep every 30 s, files polled every 2 s): benchmarks and fuzzers.
	// Otherwise the clock is fake, at a Thursday noon when no check-in is
	// due, and the sweep and file polls run every 20 ms.
	realClock bool
	// unpaced lifts the outbox's pacing to Telegram's limits, which would
	// bound a fuzzer to a few inputs a second.
	unpaced bool
}

// harness is the whole program running in this process against the
// Telegram emulator, on a temporary directory; tests drive it as members
// and moderators would.
type harness struct {
	t       testing.TB
	api     *emulator.Server
	dir     string
	cfgPath string
	clock   *clock // nil on the real clock
	logs    *syncBuffer
	opts    rigOptions
	probes  int // reviewProbe's count

	m      *Main
	cancel context.CancelFunc
	done   chan error
}

// newHarness starts the bot as the end-to-end tests know it: fake clock,
// two groups (one per join mode), two weekly check-ins.
func newHarness(t *testing.T) *harness {
	t.Helper()
	return startRig(t, rigOptions{})
}

// newHarnessWith adds moderation settings (YAML lines indented by two
// spaces) to the harness's configuration.
func newHarnessWith(t *testing.T, moderation string) *harness {
	t.Helper()
	return startRig(t, rigOptions{botConfig: botConfig{moderation: moderation}})
}

// startRig writes the configuration in a temporary directory, starts the
// emulator and the bot, and returns (on the real clock, once the bot
// polls: benchmarks and fuzzers measure or call it at once). The bot stops and
// the emulator closes when the test ends; on failure the bot's log and the
// last calls are printed.
func startRig(tb testing.TB, opts rigOptions) *harness {
	tb.Helper()
	h := &harness{t: tb, api: emulator.NewT(tb), dir: tb.TempDir(), logs: &syncBuffer{}, opts: opts}
	if !opts.realClock {
		// A Thursday: no check-in is due when a test starts.
		h.clock = &clock{t: time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC)}
	}
	h.cfgPath = writeBotDir(tb, h.dir, h.api.URL, opts.botConfig)
	tb.Cleanup(func() {
		h.stop()
		if tb.Failed() {
			tb.Logf("bot log:\n%s", h.logs.String())
			tb.Logf("last calls:\n%s", h.api.DumpCalls(40))
		}
	})
	h.start()
	if opts.realClock && !h.api.AwaitCallCount(waitFor, "getUpdates", 1) {
		tb.Fatalf("the bot never polled")
	}
	return h
}

func (h *harness) writeFile(name, content string) string {
	h.t.Helper()
	path := filepath.Join(h.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return path
}

// start runs the program on the harness's directory (again, after stop).
func (h *harness) start() {
	h.t.Helper()
	m := NewMain(h.cfgPath)
	m.LogOutput = h.logs
	if h.clock != nil {
		m.Now = h.clock.Now
		m.SweepEvery = 20 * time.Millisecond
		m.CharterPoll = 20 * time.Millisecond
	}
	if h.opts.unpaced {
		m.Outbox = outbox.Options{
			GlobalPerSecond: 1e6, PrivatePerSecond: 1e6, PrivateBurst: 1 << 20,
			GroupPerMinute: 1e9, GroupBurst: 1 << 20, Workers: 16,
		}
	}
	if err := m.Open(); err != nil {
		if inv, ok := err.(*InvalidConfigError); ok {
			h.t.Fatalf("open: %v: %v", err, inv.Problems)
		}
		h.t.Fatalf("open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.m, h.cancel, h.done = m, cancel, make(chan error, 1)
	go func() { h.done <- m.Run(ctx) }()
}

// stop ends the program as a stop signal would and closes the store.
func (h *harness) stop() {
	if h.m == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("run: %v", err)
		}
	case <-time.After(ShutdownTimeout + 5*time.Second):
		h.t.Error("bot did not stop within its shutdown timeout")
	}
	if err := h.m.Close(); err != nil {
		h.t.Errorf("close: %v", err)
	}
	h.m = nil
}

func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start()
}

// push queues an update and waits until the bot has handled it (its id is
// in the ledger), so that assertions after it see its effects.
func (h *harness) push(u tele.Update) int {
	h.t.Helper()
	id := h.api.Push(u)
	h.waitHandled(id)
	return id
}

func (h *harness) waitHandled(id int) {
	h.t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		if h.m != nil {
			if ok, _ := h.m.Store.Handled(id); ok {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("update %d not handled within %v", id, waitFor)
}

// swept waits until a whole sweep has run on the clock as it is now: the
// sweep that may be under way when swept is called read the clock before,
// the one after it did not. Everything due at that time (check-ins,
// aggregates, reminders) has then been done, so a test may assert that
// something was not.
func (h *harness) swept() {
	h.t.Helper()
	start := h.m.Bot.Sweeps()
	deadline := time.Now().Add(waitFor)
	for h.m.Bot.Sweeps() < start+2 {
		if time.Now().After(deadline) {
			h.t.Fatalf("no whole sweep within %v", waitFor)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// press taps a button of a bot message and waits until it is handled.
func (h *harness) press(msg emulator.Message, label string, from tele.User) {
	h.t.Helper()
	u, err := h.api.Press(msg, label, from)
	if err != nil {
		h.t.Fatalf("press %q: %v\n%s", label, err, h.api.DumpChat(msg.ChatID))
	}
	h.push(u)
}

// say sends text as from in a chat.
func (h *harness) say(chat *tele.Chat, from tele.User, text string) {
	h.t.Helper()
	h.push(h.api.UserMessage(chat, &from, text))
}

// botMessage waits for a bot message in chat containing every fragment
// (in what users see).
func (h *harness) botMessage(chatID int64, fragments ...string) emulator.Message {
	h.t.Helper()
	return h.api.WaitBotMessage(h.t, waitFor, chatID, func(m emulator.Message) bool {
		for _, f := range fragments {
			if !strings.Contains(m.Plain, f) {
				return false
			}
		}
		return true
	})
}

// startPayload extracts the deep-link payload of a URL button.
func (h *harness) startPayload(msg emulator.Message, label string) string {
	h.t.Helper()
	btn, ok := msg.Button(label)
	if !ok || btn.URL == "" {
		h.t.Fatalf("no URL button %q in %+v", label, msg.Buttons)
	}
	u, err := url.Parse(btn.URL)
	if err != nil {
		h.t.Fatal(err)
	}
	if u.Host != "t.me" || u.Path != "/"+emulator.BotUsername {
		h.t.Errorf("deep link %s does not open the bot's private chat", btn.URL)
	}
	return u.Query().Get("start")
}

// toasts returns the texts of the answers to button taps.
func (h *harness) lastToast() string {
	calls := h.api.Calls("answerCallbackQuery")
	if len(calls) == 0 {
		return ""
	}
	return calls[len(calls)-1].String("text")
}

func countMessages(msgs []emulator.Message, fragment string) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.Plain, fragment) {
			n++
		}
	}
	return n
}

// post sends a message from a member in a group, dated by the fake clock,
// waits until it is handled, and returns it as Telegram would deliver it.
func (h *harness) post(chat *tele.Chat, from tele.User, text string) *tele.Message {
	h.t.Helper()
	u := h.api.UserMessage(chat, &from, text)
	u.Message.Unixtime = h.clock.Now().Unix()
	h.push(u)
	return u.Message
}

// reviewProbe posts an offer from a new account and waits for its card.
// The bot shows flags to the moderators in the order they were raised, one
// batch after another: once the probe's card is there, every flag raised
// before it has been shown. Tests assert that a card is absent after this
// positive sign, never after a sleep. The probe's card names its author
// ("Sonde1", "Sonde2"...), which no test looks for.
func (h *harness) reviewProbe() {
	h.t.Helper()
	h.probes++
	name := fmt.Sprintf("Sonde%d", h.probes)
	h.post(emulator.Supergroup(requestGroup, "Entraide Paris"), frenchUser(int64(990_000+h.probes), name), offer)
	h.botMessage(modChat, name)
}
