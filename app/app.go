// Package app wires the program: it loads the configuration, opens the
// store, the charters, the resources and the lexicon, builds the bot and
// runs it with the health endpoint until told to stop (Main), and it logs
// with the secrets redacted. It is the only package that imports every
// other one; package main, at the root, holds only the command line.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/entrepairs/entrepairs/bot"
	"github.com/entrepairs/entrepairs/checkin"
	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/files"
	"github.com/entrepairs/entrepairs/internal/loop"
	"github.com/entrepairs/entrepairs/locale"
	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/store"
	"github.com/entrepairs/entrepairs/watch"
)

// Main is the whole program, wired: configuration, store, charters and the
// bot. Tests run it whole on a temporary directory against a fake Telegram.
type Main struct {
	ConfigPath string
	// Now is the clock; tests replace it.
	Now func() time.Time
	// LogOutput receives the logs (stderr by default).
	LogOutput io.Writer
	// SweepEvery and CharterPoll shorten the periodic work in tests.
	SweepEvery  time.Duration
	CharterPoll time.Duration
	// Outbox paces the calls to Telegram; its zero value is Telegram's
	// limits. The fuzzers lift the limits, which would otherwise bound
	// them to a few inputs a second.
	Outbox outbox.Options

	Config    *config.Config
	Store     *store.Store
	Charters  *files.Charters
	Resources *files.Resources
	Bot       *bot.Bot
	Logger    *slog.Logger

	// Watcher follows the charters and the resources file while Run runs.
	Watcher *watch.Watcher
}

// InvalidConfigError lists what is wrong with the configuration.
type InvalidConfigError struct{ Problems []config.Problem }

func (e *InvalidConfigError) Error() string {
	return fmt.Sprintf("configuration has %d problem(s)", len(e.Problems))
}

// NewMain returns a Main for the configuration file at path.
func NewMain(path string) *Main {
	return &Main{ConfigPath: path, Now: time.Now, LogOutput: os.Stderr}
}

// Open loads and checks everything; it fails before touching Telegram when
// anything is wrong, naming the file and key.
func (m *Main) Open() error {
	cfg, problems, err := Check(m.ConfigPath)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &InvalidConfigError{Problems: problems}
	}
	m.Config = cfg
	m.Logger = newLogger(m.LogOutput, cfg.Log.Level, cfg.Log.Format, cfg.Telegram.Token, cfg.Telegram.Webhook.SecretToken)
	m.warnReadableConfig()

	texts, err := locale.Load()
	if err != nil {
		return err
	}
	var paths []string
	for _, g := range cfg.Groups {
		paths = append(paths, g.Charter)
	}
	// The bot is created after the charters; problems found while running
	// reach it through this indirection.
	var b *bot.Bot
	var bmu sync.Mutex
	m.Watcher = watch.New(watch.Options{Interval: m.CharterPoll, Logger: m.Logger})
	m.Charters, err = files.WatchCharters(m.Watcher, paths, func(path string, err error) {
		bmu.Lock()
		defer bmu.Unlock()
		if b != nil {
			b.CharterProblem(path, err)
		}
	})
	if err != nil {
		return err
	}
	m.Resources, err = files.WatchResources(m.Watcher, cfg.Resources, func(path string, err error) {
		bmu.Lock()
		defer bmu.Unlock()
		if b != nil {
			b.ResourcesProblem(path, err)
		}
	})
	if err != nil {
		return err
	}
	lex, err := files.LoadLexicon(cfg.Moderation.Lexicon)
	if err != nil {
		return err
	}
	screener := moderation.NewScreener(lex, cfg.Moderation.Threshold)
	key, err := store.LoadOrCreateKey(cfg.Storage.KeyFile)
	if err != nil {
		return err
	}
	m.Store, err = store.Open(cfg.Storage.Path, store.Options{Timeout: time.Second, Key: key})
	if err != nil {
		return err
	}
	nb, err := bot.New(bot.Deps{
		Config: cfg, Store: m.Store, Charters: m.Charters, Texts: texts, Screener: screener,
		Resources: m.Resources, CheckIns: checkInRules(cfg, texts),
		Logger: m.Logger, Now: m.Now, SweepEvery: m.SweepEvery, Outbox: m.Outbox,
	})
	if err != nil {
		m.Store.Close()
		return err
	}
	bmu.Lock()
	b, m.Bot = nb, nb
	bmu.Unlock()
	return nil
}

// ShutdownTimeout bounds the wait for in-flight work after a stop signal.
const ShutdownTimeout = 10 * time.Second

// Run runs the bot, the file watchers and the health endpoint until ctx
// ends; then it waits for in-flight work, at most ShutdownTimeout.
func (m *Main) Run(ctx context.Context) error {
	outer := ctx
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	finished := make(chan error, 1)
	go func() { finished <- m.run(ctx) }()
	select {
	case err := <-finished:
		return err
	case <-outer.Done():
	}
	m.Logger.Info("stopping: finishing in-flight work", "at_most", ShutdownTimeout)
	cancel()
	select {
	case err := <-finished:
		m.Logger.Info("stopped")
		return err
	case <-time.After(ShutdownTimeout):
		m.Logger.Warn("stopped before in-flight work finished", "waited", ShutdownTimeout)
		return nil
	}
}

func (m *Main) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if addr := m.Config.Health.Listen; addr != "" {
		srv := &http.Server{Addr: addr, Handler: m.healthHandler(), ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("health endpoint: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = srv.Serve(ln)
		}()
		go func() {
			<-ctx.Done()
			_ = srv.Close()
		}()
	}
	// A watcher that panics (logged by loop.Guard with its stack) stops the
	// bot and Run returns the panic: the process exits non-zero rather than
	// running on with files no one follows.
	var watchErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := loop.Guard(m.Logger, "file watcher", func() error { return m.Watcher.Run(ctx) })
		if err != nil && !errors.Is(err, context.Canceled) {
			if _, ok := err.(*loop.PanicError); !ok {
				m.Logger.Error("file watcher stopped", "err", err)
			}
			watchErr = err
			cancel()
		}
	}()
	err := m.Bot.Run(ctx)
	cancel()
	wg.Wait()
	if err == nil {
		err = watchErr
	}
	return err
}

// healthHandler answers /healthz: 200 when the bot is in touch with
// Telegram and its data file answers, 503 otherwise.
func (m *Main) healthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := m.Store.Schema(); err != nil || !m.Bot.Healthy() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}

// warnReadableConfig warns when the configuration file holds the token and
// other users of the machine can read it.
func (m *Main) warnReadableConfig() {
	if m.Config.Path == "" {
		return
	}
	fi, err := os.Stat(m.Config.Path)
	if err != nil || fi.Mode().Perm()&0o044 == 0 {
		return
	}
	data, err := os.ReadFile(m.Config.Path)
	if err == nil && m.Config.Telegram.Token != "" && strings.Contains(string(data), m.Config.Telegram.Token) {
		m.Logger.Warn("the configuration file holds the bot token and other users can read it: run chmod 600 on it, or pass the token in ENTREPAIRS_TELEGRAM_TOKEN", "path", m.Config.Path, "mode", fi.Mode().Perm().String())
	}
}

// Close releases the store.
func (m *Main) Close() error {
	if m.Store == nil {
		return nil
	}
	return m.Store.Close()
}

// checkInRules turns the check-ins written in the configuration into the
// checkin package's rules. Entries that do not parse are left out: Load has
// already reported them, and the bot does not start with problems.
//
// A check-in whose texts the locale files lack posts the generic ones
// (checkin_texts.go); texts may be nil (then every check-in keeps its own).
func checkInRules(cfg *config.Config, texts *locale.Texts) []checkin.CheckIn {
	var out []checkin.CheckIn
	for _, ci := range cfg.CheckIns {
		day, okDay := checkin.ParseWeekday(ci.Weekday)
		h, m, okTime := checkin.ParseClock(ci.Time)
		if !okDay || !okTime || ci.Name == "" {
			continue
		}
		text, _ := checkInTexts(ci, texts, cfg.Language)
		out = append(out, checkin.CheckIn{Name: ci.Name, Weekday: day, Hour: h, Minute: m, Groups: ci.Groups, TextKey: text})
	}
	return out
}
