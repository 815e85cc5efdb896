// Package demo is the sandbox behind `entrepairs demo`: the real bot
// (app.Main, the production code) against the Telegram emulator embedded in
// the same process, and a web page where a few people at once (a newcomer,
// a member, a moderator, and more) use Telegram-like chats with it. It needs
// no token, no configuration and no network: associations try the bot,
// moderators train on it, admins see their charter and resources as members
// will.
//
// The page talks to the sandbox through a small JSON API (web.go) and
// follows every change live through server-sent events. Nothing the page
// sends is trusted: people, chats, messages and buttons are looked up on
// the sandbox's side, and a button is pressed by its position, its data
// coming from the bot's own message.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entrepairs/entrepairs/app"
	"github.com/entrepairs/entrepairs/checkin"
	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// DefaultListen is where the page is served: loopback only, since the
// sandbox has no login.
const DefaultListen = "127.0.0.1:8080"

// Options say how to run the sandbox.
type Options struct {
	// Listen is the page's address (DefaultListen when empty; port 0 picks
	// a free port).
	Listen string
	// DataDir keeps the bot's data file between runs; empty: a temporary
	// directory removed at Close.
	DataDir string
	// ConfigPath, when set, is a deployment's configuration whose charters,
	// resources, lexicon, check-ins, language and time zone the sandbox
	// uses, in place (edits show within seconds). Its token, API address,
	// chat ids and storage are never used.
	ConfigPath string
	// Shipped holds charter.md, charter.en.md and resources.yaml, used when
	// ConfigPath is empty (the binary embeds them).
	Shipped fs.FS
	// LogOutput receives the bot's logs (os.Stderr when nil).
	LogOutput io.Writer
	// LogLevel is the bot's log level (warn when empty: the terminal is for
	// what goes wrong).
	LogLevel string
}

// Sandbox is the bot, the emulator and the page, wired. Open, then Run,
// then Close.
type Sandbox struct {
	opts Options
	api  *emulator.Server
	main *app.Main
	ln   net.Listener
	// URL is the page's address, such as http://127.0.0.1:8080.
	URL string

	dir    string // configuration and copied files (temporary)
	offset atomic.Int64

	mu      sync.Mutex
	people  []*Person
	asked   map[askKey]time.Time // join requests sent from the page, by group and person
	nextID  int64
	groups  []Group
	modChat int64
	logs    io.Writer
}

// Group is one group of the sandbox as the page shows it.
type Group struct {
	ID    int64
	Title string
	Join  string // request or restrict
}

type askKey struct{ chat, person int64 }

// Person is someone using the page: a Telegram user of the sandbox.
type Person struct {
	ID   int64
	Name string
	Lang string // Telegram language code: fr or en
	Role string // newcomer, member or moderator
}

// Fixed identities of the sandbox. Chat ids look like Telegram's; the
// moderator's id is the one the configuration lists.
const (
	modChatID      int64 = -1009000000003
	requestGroupID int64 = -1009000000001
	restrictGrpID  int64 = -1009000000002
	moderatorID    int64 = 501
	firstPersonID  int64 = 7001
)

// Open starts the emulator, writes the sandbox's configuration, opens the
// bot on it and listens for the page. Nothing runs until Run.
func Open(opts Options) (s *Sandbox, err error) {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.LogOutput == nil {
		opts.LogOutput = os.Stderr
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "warn"
	}
	sb := &Sandbox{opts: opts, asked: map[askKey]time.Time{}, nextID: firstPersonID, modChat: modChatID, logs: opts.LogOutput}
	s = sb
	defer func() {
		if err != nil {
			sb.Close() // what was opened before the failure
		}
	}()
	s.dir, err = os.MkdirTemp("", "entrepairs-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: temporary directory: %w", err)
	}
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(s.dir, "data")
	} else if dataDir, err = filepath.Abs(dataDir); err != nil {
		return nil, fmt.Errorf("demo: --data: %w", err)
	}
	s.api = emulator.New()
	cfgPath, err := s.writeConfig(dataDir)
	if err != nil {
		return nil, err
	}
	s.main = app.NewMain(cfgPath)
	s.main.LogOutput = opts.LogOutput
	s.main.Now = s.now
	if err := s.main.Open(); err != nil {
		var invalid *app.InvalidConfigError
		if errors.As(err, &invalid) {
			msg := ""
			for _, p := range invalid.Problems {
				msg += "\n  " + p.String()
			}
			return nil, fmt.Errorf("demo: the files to try are not valid:%s", msg)
		}
		return nil, fmt.Errorf("demo: %w", err)
	}
	s.setUpChats()
	s.ln, err = net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("demo: listen on %s: %w", opts.Listen, err)
	}
	s.URL = "http://" + s.ln.Addr().String()
	return s, nil
}

// Loopback reports whether the page is reachable from this machine only.
func (s *Sandbox) Loopback() bool {
	addr, ok := s.ln.Addr().(*net.TCPAddr)
	return ok && addr.IP.IsLoopback()
}

// Logger is the bot's logger, for the command line's own messages.
func (s *Sandbox) Logger() *slog.Logger { return s.main.Logger }

// now is the bot's clock: the real time, moved forward each time the page
// asks for the next check-in.
func (s *Sandbox) now() time.Time {
	return time.Now().Add(time.Duration(s.offset.Load()))
}

// setUpChats names the chats and places the first three people: a
// newcomer outside the groups, a member of both, the moderator in the
// moderators' chat and administrator of the groups.
func (s *Sandbox) setUpChats() {
	s.api.SetChat(map[string]any{"id": s.modChat, "type": "supergroup", "title": "Modération"})
	for _, g := range s.groups {
		s.api.SetChat(map[string]any{"id": g.ID, "type": "supergroup", "title": g.Title, "join_by_request": g.Join == "request"})
	}
	lang := s.main.Config.Language
	other := "en"
	if lang == "en" {
		other = "fr"
	}
	s.addPerson("Noé", lang, "newcomer")
	s.addPerson("Sam", other, "member")
	s.addPersonWithID(moderatorID, "Camille", lang, "moderator")
}

func (s *Sandbox) addPerson(name, lang, role string) *Person {
	s.mu.Lock()
	id := s.nextID
	s.nextID++
	s.mu.Unlock()
	return s.addPersonWithID(id, name, lang, role)
}

func (s *Sandbox) addPersonWithID(id int64, name, lang, role string) *Person {
	p := &Person{ID: id, Name: name, Lang: lang, Role: role}
	for _, g := range s.groups {
		switch role {
		case "newcomer":
			s.api.SetMember(g.ID, id, "left")
		case "member":
			s.api.SetMember(g.ID, id, "member")
		case "moderator":
			s.api.SetMember(g.ID, id, "administrator")
		}
	}
	if role == "moderator" {
		s.api.SetMember(s.modChat, id, "member")
	} else {
		s.api.SetMember(s.modChat, id, "left")
	}
	s.mu.Lock()
	s.people = append(s.people, p)
	s.mu.Unlock()
	return p
}

// Run runs the bot and serves the page until ctx ends, then stops both.
func (s *Sandbox) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{Handler: s.Handler(ctx), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(s.ln) }()
	botErr := s.main.Run(ctx)
	cancel()
	shut, done := context.WithTimeout(context.Background(), 2*time.Second)
	defer done()
	if err := srv.Shutdown(shut); err != nil {
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) && botErr == nil {
		botErr = err
	}
	return botErr
}

// Close releases the bot's data file, the emulator and the temporary
// directory. It is safe after a failed Open.
func (s *Sandbox) Close() error {
	var err error
	if s.main != nil {
		err = s.main.Close()
	}
	if s.ln != nil {
		_ = s.ln.Close()
	}
	if s.api != nil {
		s.api.Close()
	}
	if s.dir != "" {
		if rerr := os.RemoveAll(s.dir); err == nil {
			err = rerr
		}
	}
	return err
}

// PostNextCheckIn moves the bot's clock to the next check-in and lets the
// bot post it, as it would at that time. It returns the check-in's name.
func (s *Sandbox) PostNextCheckIn() (string, error) {
	next, ok := s.nextCheckIn()
	if !ok {
		return "", errors.New("no check-in is configured")
	}
	now := s.now()
	s.offset.Add(int64(next.At.Sub(now) + time.Second))
	s.main.Bot.Sweep()
	return next.CheckIn, nil
}

// nextCheckIn is the first check-in due after the bot's now.
func (s *Sandbox) nextCheckIn() (checkin.Occurrence, bool) {
	cfg := s.main.Config
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	var best checkin.Occurrence
	found := false
	for _, ci := range cfg.CheckIns {
		rule, ok := checkInRule(ci)
		if !ok {
			continue
		}
		o := checkin.Next(rule, s.now(), loc)
		if !found || o.At.Before(best.At) {
			best, found = o, true
		}
	}
	return best, found
}

func checkInRule(ci config.CheckIn) (checkin.CheckIn, bool) {
	day, okDay := checkin.ParseWeekday(ci.Weekday)
	h, m, okTime := checkin.ParseClock(ci.Time)
	return checkin.CheckIn{Name: ci.Name, Weekday: day, Hour: h, Minute: m}, okDay && okTime && ci.Name != ""
}
