package demo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// post sends body to an endpoint of the page's API as the page does, and
// returns the status and the decoded answer.
func post(t *testing.T, s *Sandbox, path, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s: answer is not JSON: %q", path, data)
	}
	return res.StatusCode, out
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	s := startSandbox(t, Options{})
	// The groups are left out: the bot may post a check-in there at start.
	before := len(s.api.Messages(s.modChat)) + len(s.api.Messages(noe))

	// A message of the bot with buttons, to forge presses against.
	code, _ := post(t, s, "/api/send", fmt.Sprintf(`{"person":%d,"chat":%d,"text":"/ressources"}`, noe, noe), nil)
	if code != http.StatusOK {
		t.Fatalf("/ressources: %d", code)
	}
	menu := s.api.WaitBotMessage(t, 15*time.Second, noe, func(m emulator.Message) bool { return len(m.Buttons) > 2 })
	before += 2 // the command and its menu

	huge := strings.Repeat("a", 5000)
	cases := []struct {
		name, path, body string
		header           map[string]string
		status           int
		says             string
	}{
		{"unknown chat", "/api/send", fmt.Sprintf(`{"person":%d,"chat":-100123,"text":"hello"}`, sam), nil, 404, "unknown chat"},
		{"unknown person", "/api/send", fmt.Sprintf(`{"person":4242,"chat":%d,"text":"hello"}`, requestGroupID), nil, 404, "unknown person"},
		{"moderators' chat for a member", "/api/send", fmt.Sprintf(`{"person":%d,"chat":%d,"text":"hello"}`, sam, modChatID), nil, 403, "moderators' chat"},
		{"group not joined yet", "/api/send", fmt.Sprintf(`{"person":%d,"chat":%d,"text":"hello"}`, noe, requestGroupID), nil, 403, "cannot write"},
		{"huge text", "/api/send", fmt.Sprintf(`{"person":%d,"chat":%d,"text":%q}`, sam, requestGroupID, huge), nil, 413, "too long"},
		{"huge body", "/api/send", `{"person":1,"text":"` + strings.Repeat("x", maxBody) + `"}`, nil, 413, "too large"},
		{"empty text", "/api/send", fmt.Sprintf(`{"person":%d,"chat":%d,"text":"  "}`, sam, requestGroupID), nil, 400, "empty"},
		{"reply to nothing", "/api/send", fmt.Sprintf(`{"person":%d,"chat":%d,"text":"/signaler","replyTo":99999}`, sam, requestGroupID), nil, 404, "reply to"},
		{"unknown field", "/api/send", `{"person":1,"chat":1,"text":"x","data":"forged"}`, nil, 400, "unknown field"},
		{"not JSON", "/api/send", `person=1`, nil, 400, "invalid request"},
		{"forged button position", "/api/press", fmt.Sprintf(`{"person":%d,"chat":%d,"message":%d,"row":42,"col":0}`, noe, noe, menu.ID), nil, 404, "no such button"},
		{"button of someone else's chat", "/api/press", fmt.Sprintf(`{"person":%d,"chat":%d,"message":%d,"row":0,"col":0}`, sam, noe, menu.ID), nil, 404, "unknown chat"},
		{"button of a message that is not there", "/api/press", fmt.Sprintf(`{"person":%d,"chat":%d,"message":9999,"row":0,"col":0}`, noe, noe), nil, 404, "no message"},
		{"forged deep link", "/api/start", fmt.Sprintf(`{"person":%d,"payload":"../../x y"}`, noe), nil, 400, "invalid link"},
		{"join an unknown group", "/api/join", fmt.Sprintf(`{"person":%d,"chat":-100777}`, noe), nil, 404, "unknown group"},
		{"join twice", "/api/join", fmt.Sprintf(`{"person":%d,"chat":%d}`, sam, requestGroupID), nil, 409, "already"},
		{"a moderator from the page", "/api/people", `{"name":"Eve","lang":"fr","role":"moderator"}`, nil, 400, "role"},
		{"a name too long", "/api/people", `{"name":"` + strings.Repeat("é", 40) + `","lang":"fr","role":"member"}`, nil, 400, "name"},
		{"another site", "/api/send", fmt.Sprintf(`{"person":%d,"chat":%d,"text":"hi"}`, sam, requestGroupID), map[string]string{"Origin": "http://evil.example"}, 403, "another site"},
		{"a form from another site", "/api/send", "text=hi", map[string]string{"Content-Type": "text/plain"}, 415, "JSON"},
		{"another host name", "/api/checkin", `{}`, map[string]string{"Host": "evil.example"}, 421, "answers only"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.URL+c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range c.header {
				req.Header.Set(k, v)
				if k == "Host" {
					req.Host = v
				}
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out apiError
			data, _ := io.ReadAll(res.Body)
			if err := json.Unmarshal(data, &out); err != nil {
				t.Fatalf("answer is not JSON: %q", data)
			}
			if res.StatusCode != c.status || !strings.Contains(out.Error, c.says) {
				t.Errorf("got %d %q, want %d and an error saying %q", res.StatusCode, out.Error, c.status, c.says)
			}
		})
	}
	// A good message after the bad ones: once it is there, nothing the bad
	// ones could have done is missing.
	code, _ = post(t, s, "/api/send", fmt.Sprintf(`{"person":%d,"chat":%d,"text":"/aide"}`, noe, noe), nil)
	if code != http.StatusOK {
		t.Fatalf("/aide: %d", code)
	}
	s.api.WaitBotMessage(t, 15*time.Second, noe, func(m emulator.Message) bool { return m.ID > menu.ID })
	after := len(s.api.Messages(s.modChat)) + len(s.api.Messages(noe))
	if after != before+2 {
		t.Errorf("%d messages after the refused requests and /aide, want %d:\n%s", after, before+2, s.api.DumpChat(noe))
	}
	for _, g := range s.groups {
		for _, m := range s.api.Messages(g.ID) {
			if !m.FromBot {
				t.Errorf("a refused message reached %s: %q", g.Title, m.Plain)
			}
		}
	}
	if n := len(s.api.Calls("answerCallbackQuery")); n != 0 {
		t.Errorf("%d button presses reached the bot", n)
	}
	if st := s.api.MemberStatus(requestGroupID, noe); st != "left" {
		t.Errorf("newcomer's status %q after refused requests", st)
	}
	if n := len(s.State().People); n != 3 {
		t.Errorf("%d people after refused additions", n)
	}
}

// TestEventsStreamTheState reads the live stream as the page does: the
// state first, then a new state when something happens.
func TestEventsStreamTheState(t *testing.T) {
	s := startSandbox(t, Options{})
	res, err := http.Get(s.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	next := readEvents(t, res.Body)
	first := next()
	if len(first.People) != 3 || first.Chats[fmt.Sprint(requestGroupID)] == nil {
		t.Fatalf("first state: %+v", first)
	}
	if code, _ := post(t, s, "/api/send", fmt.Sprintf(`{"person":%d,"chat":%d,"text":"Coucou"}`, sam, requestGroupID), nil); code != 200 {
		t.Fatalf("send: %d", code)
	}
	for {
		st := next()
		for _, m := range st.Chats[fmt.Sprint(requestGroupID)].Messages {
			if m.HTML == "Coucou" && m.From == "Sam" {
				return
			}
		}
	}
}

func readEvents(t *testing.T, r io.Reader) func() State {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	lines := make(chan string)
	go func() {
		defer close(lines)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return func() State {
		t.Helper()
		timeout := time.After(15 * time.Second)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatal("the stream ended")
				}
				if data, ok := strings.CutPrefix(line, "data: "); ok {
					var st State
					if err := json.Unmarshal([]byte(data), &st); err != nil {
						t.Fatal(err)
					}
					return st
				}
			case <-timeout:
				t.Fatal("no state within 15 s")
			}
		}
	}
}

// TestDeploymentFilesFollowEdits runs the sandbox on a deployment's
// configuration: its charter is the one shown, an edit shows without a
// restart, and a broken charter gives the moderators' message.
func TestDeploymentFilesFollowEdits(t *testing.T) {
	dir := t.TempDir()
	for _, name := range shippedFiles {
		data, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	charter := filepath.Join(dir, "charte-maison.md")
	if err := os.WriteFile(charter, []byte("# Charte de la Maison\n\nOn prend soin les un·es des autres.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `telegram:
  token: "999:never-used-by-the-demo"
moderation:
  chat_id: -100555
  moderators: [42]
groups:
  - chat_id: -100666
    name: La Maison
    charter: charte-maison.md
checkins:
  - name: vendredi
    weekday: friday
    time: "19:30"
`
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startSandbox(t, Options{ConfigPath: cfgPath})
	if s.groups[0].Title != "La Maison" {
		t.Errorf("group named %q", s.groups[0].Title)
	}
	if !strings.HasPrefix(s.State().NextCheckIn, "vendredi") || !strings.Contains(s.State().NextCheckIn, "19:30") {
		t.Errorf("next check-in %q, want the deployment's vendredi 19:30", s.State().NextCheckIn)
	}
	// ask sends /charte and returns the charter the bot answers with.
	ask := func() string {
		t.Helper()
		mark := s.api.NextMessageID(noe)
		if code, out := post(t, s, "/api/send", fmt.Sprintf(`{"person":%d,"chat":%d,"text":"/charte"}`, noe, noe), nil); code != 200 {
			t.Fatalf("/charte: %d %v", code, out)
		}
		return s.api.WaitBotMessage(t, 15*time.Second, noe, func(m emulator.Message) bool {
			return m.ID > mark && strings.Contains(m.Plain, "Charte de la Maison")
		}).Plain
	}
	if got := ask(); strings.Contains(got, "version 2") {
		t.Fatalf("charter before the edit: %q", got)
	}
	if err := os.WriteFile(charter, []byte("# Charte de la Maison, version 2\n\nOn prend soin les un·es des autres, et de soi.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Within seconds, as members would receive it.
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(ask(), "version 2"); time.Sleep(300 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the edited charter is not shown after 15 s")
		}
	}

	if err := os.WriteFile(charter, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s.api.WaitBotMessage(t, 15*time.Second, s.modChat, func(m emulator.Message) bool {
		return strings.Contains(m.Plain, "charte-maison.md")
	})
	// The token and chat ids of the deployment are never used.
	for _, c := range s.api.Calls("sendMessage") {
		if id := c.ChatID(); id == -100555 || id == -100666 {
			t.Errorf("message sent to the deployment's chat %d", id)
		}
	}
}

// TestDataDirKeepsTheDataFile: with --data the bot's data file stays there
// after the sandbox stops; without, nothing is left behind.
func TestDataDirKeepsTheDataFile(t *testing.T) {
	data := t.TempDir()
	s, err := Open(Options{Listen: "127.0.0.1:0", DataDir: data, Shipped: os.DirFS(".."), LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	tmp := s.dir
	if !s.Loopback() {
		t.Error("127.0.0.1 is not loopback")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, "entrepairs.db")); err != nil {
		t.Errorf("data file not kept in --data: %v", err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary directory %s left behind: %v", tmp, err)
	}

	s, err = Open(Options{Listen: "0.0.0.0:0", Shipped: os.DirFS(".."), LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Loopback() {
		t.Error("0.0.0.0 reported as loopback: the command line would not warn")
	}
}
