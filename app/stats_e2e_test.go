package app

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

func modChatRoom() *tele.Chat { return emulator.Supergroup(modChat, "Modération") }

// weekOfActivity produces, in the harness's first week (2026-W47) then in
// the next one (2026-W48), the events /stats and `stats --csv` count.
func weekOfActivity(t *testing.T, h *harness) {
	t.Helper()
	// 2026-W47: two requests (one approved, one refused), a flag deleted,
	// one look at /urgence.
	h.press(requestAndAccept(h, asker(901, "Lou", "fr")), "Approuver", mod1)
	h.press(requestAndAccept(h, asker(902, "Sam", "fr")), "Refuser", mod2)
	_, card := flagCard(h, frenchUser(903, "Tonio"), offer)
	h.press(card, "Supprimer", mod1)
	noa := frenchUser(904, "Noa")
	h.say(emulator.PrivateChat(noa), noa, "/urgence")
	h.botMessage(noa.ID, "112")

	h.clock.Advance(7 * 24 * time.Hour) // Thursday 26 November: 2026-W48

	// Two requests waiting: one accepted the charter, one not yet.
	requestAndAccept(h, asker(905, "Ali", "fr"))
	h.push(h.api.JoinRequest(emulator.Supergroup(requestGroup, "Entraide"), asker(906, "Yun", "fr")))
	// A member's report, left undecided, and a dealer banned.
	author, reporter := frenchUser(907, "Alex"), frenchUser(908, "Bea")
	target := h.post(group(), author, "tu verras bien ce soir")
	report := h.api.UserMessage(group(), &reporter, "/signaler")
	report.Message.ReplyTo = target
	h.push(report)
	h.botMessage(modChat, "Signalé par un membre", "tu verras bien ce soir")
	_, card = flagCard(h, frenchUser(909, "Plug"), offer)
	h.press(card, "Bannir", mod2)
	// Resources: poison control twice, emergency once.
	h.say(emulator.PrivateChat(noa), noa, "/ressources")
	withButton := func(label string) emulator.Message {
		return h.api.WaitBotMessage(t, waitFor, noa.ID, func(m emulator.Message) bool {
			_, ok := m.Button(label)
			return ok
		})
	}
	for _, category := range []string{"Antipoison", "Antipoison", "Urgence"} {
		h.press(withButton(category), category, noa)
		h.press(withButton("Thèmes"), "Thèmes", noa)
	}
	// Friday's check-in: one member changes "ça va" for "bof", another
	// finds it hard and asks for a moderator.
	h.at(2026, 11, 27, 18, 0)
	checkIn := h.waitCheckIn(requestGroup)
	h.waitCheckIn(restrictGrp)
	lou, sam := frenchUser(910, "Lou"), frenchUser(911, "Sam")
	h.press(checkIn, "Ça va", lou)
	h.press(checkIn, "Bof", lou)
	h.press(checkIn, "Difficile", sam)
	h.press(h.botMessage(sam.ID, "112"), "Prévenir", sam)
	h.botMessage(modChat, "aimerait parler")
}

func TestStatsThisWeekAgainstLastWeek(t *testing.T) {
	h := newHarness(t)
	h.say(modChatRoom(), mod1, "/stats")
	h.botMessage(modChat, "semaine 2026-W47", "du 16/11 au 22/11", "Demandes d'entrée : 0 (0)", "Aucune catégorie ouverte")

	weekOfActivity(t, h)

	h.say(modChatRoom(), mod1, "/stats")
	got := h.botMessage(modChat, "semaine 2026-W48")
	for _, want := range []string{
		"du 23/11 au 29/11",
		"Demandes d'entrée : 2 (2)",
		"Approuvées : 0 (1)",
		"Refusées : 0 (1)",
		"En attente en ce moment : 2",
		"Repérés par le filtre : 1 (1)",
		"Signalements de membres : 1 (0)",
		"🗑 supprimé 0 (1)",
		"⛔ banni·e 1 (0)",
		"En attente de décision en ce moment : 1",
		"Publiés : 2 (0)",
		"😊 Ça va : 0 (0)",
		"😐 Bof : 1 (0)",
		"😣 Difficile : 1 (0)",
		"Demandes de contact à un·e modérateur·ice : 1 (0)",
		"☎️ Antipoison : 2 (0)",
		"🆘 Urgence : 1 (0)",
		"/urgence : 0 (1)",
	} {
		if !strings.Contains(got.Plain, want) {
			t.Errorf("/stats lacks %q:\n%s", want, got.Plain)
		}
	}
	if strings.Index(got.Plain, "Antipoison") > strings.Index(got.Plain, "🆘 Urgence") {
		t.Errorf("resources not most opened first:\n%s", got.Plain)
	}
	// Counts, never who: no pseudonym of anyone involved.
	for _, name := range []string{"Lou", "Sam", "Tonio", "Alex", "Bea", "Plug", "Noa", "Ali", "Yun"} {
		if strings.Contains(got.Plain, name) {
			t.Errorf("/stats names %s:\n%s", name, got.Plain)
		}
	}

	// A moderator may ask in private too.
	h.say(emulator.PrivateChat(mod2), mod2, "/stats")
	h.botMessage(mod2.ID, "semaine 2026-W48", "Demandes d'entrée : 2 (2)")
}

func TestStatsAreForModeratorsOnly(t *testing.T) {
	h := newHarness(t)
	member := frenchUser(920, "Lou")
	h.say(group(), member, "/stats")
	h.say(emulator.PrivateChat(member), member, "/stats")
	h.botMessage(member.ID, "réservée aux modérateur·ices")
	if n := len(h.api.BotMessages(requestGroup)); n != 0 {
		t.Errorf("the bot answered /stats in the members' group:\n%s", h.api.DumpChat(requestGroup))
	}
	if n := countMessages(h.api.BotMessages(member.ID), "Activité"); n != 0 {
		t.Error("a member got the figures in private")
	}

	h.api.WaitCallCount(t, waitFor, "setMyCommands", 4)
	has := func(cmds []tele.Command) bool {
		return slices.ContainsFunc(cmds, func(c tele.Command) bool { return c.Text == "stats" && c.Description != "" })
	}
	if !has(h.api.MyCommands(tele.CommandScope{Type: tele.CommandScopeChat, ChatID: modChat}, "")) {
		t.Error("stats missing from the moderators' menu")
	}
	if has(h.api.MyCommands(tele.CommandScope{}, "")) {
		t.Error("stats offered to members")
	}
}

func TestStatsCSVForFunders(t *testing.T) {
	h := newHarness(t)
	weekOfActivity(t, h)

	// While the bot runs, the tool says what to do instead of waiting.
	var out, errOut bytes.Buffer
	if code := cli(t, []string{"stats", "--config", h.cfgPath, "--csv"}, nil, &out, &errOut); code != exitFailure {
		t.Errorf("stats beside the running bot: exit %d, want %d", code, exitFailure)
	}
	if !strings.Contains(errOut.String(), "the bot is running") || !strings.Contains(errOut.String(), "copy") {
		t.Errorf("stats beside the running bot said: %s", errOut.String())
	}

	h.stop()
	out.Reset()
	errOut.Reset()
	if code := cli(t, []string{"stats", "--config", h.cfgPath, "--csv"}, nil, &out, &errOut); code != exitOK {
		t.Fatalf("stats --csv: exit %d: %s", code, errOut.String())
	}
	records, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, out.String())
	}
	header := strings.Join(records[0], ",")
	if !strings.HasPrefix(header, "week,join_requests,approvals,refusals,charters_declined,flagged_screen,flagged_report,flagged_flood,decided_ignore,decided_delete,decided_warn,decided_ban,reports,") {
		t.Errorf("header %s", header)
	}
	if len(records) != 3 {
		t.Fatalf("%d lines, want the header and 2 weeks:\n%s", len(records), out.String())
	}
	row := func(i int) map[string]string {
		m := map[string]string{}
		for j, name := range records[0] {
			m[name] = records[i][j]
		}
		return m
	}
	for _, tt := range []struct {
		line int
		want map[string]string
	}{
		{1, map[string]string{"week": "2026-W47", "join_requests": "2", "approvals": "1", "refusals": "1", "flagged_screen": "1", "decided_delete": "1", "emergency_views": "1", "reports": "0", "mood_meh": "0"}},
		{2, map[string]string{"week": "2026-W48", "join_requests": "2", "approvals": "0", "flagged_screen": "1", "flagged_report": "1", "reports": "1", "decided_ban": "1",
			"checkins_posted": "2", "mood_good": "0", "mood_meh": "1", "mood_hard": "1", "checkin_alerts": "1",
			"resources_poison_control": "2", "resources_emergency": "1"}},
	} {
		got := row(tt.line)
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%s %s = %q, want %q", tt.want["week"], k, got[k], v)
			}
		}
	}

	// The readable table, and bad usage.
	out.Reset()
	if code := cli(t, []string{"stats", "--config", h.cfgPath}, nil, &out, &errOut); code != exitOK || !strings.Contains(out.String(), "2026-W48") || !strings.Contains(out.String(), "join_requests") {
		t.Errorf("table: exit %d\n%s", code, out.String())
	}
	if code := cli(t, []string{"stats", "--config", h.cfgPath, "--nope"}, nil, &out, &errOut); code != exitInvalid {
		t.Errorf("unknown flag: exit %d, want %d", code, exitInvalid)
	}
	if code := cli(t, []string{"stats", "--config", h.cfgPath, "extra"}, nil, &out, &errOut); code != exitInvalid {
		t.Errorf("extra argument: exit %d, want %d", code, exitInvalid)
	}
}

// TestStatsCSVIncludesQuietWeeks: a week without any count is a line of
// zeros, so that a funder's chart has no hole.
func TestStatsCSVIncludesQuietWeeks(t *testing.T) {
	h := newHarness(t)
	lou := frenchUser(930, "Lou")
	h.say(emulator.PrivateChat(lou), lou, "/g")
	h.clock.Advance(3 * 7 * 24 * time.Hour)
	h.say(emulator.PrivateChat(lou), lou, "/g")
	h.stop()
	var out, errOut bytes.Buffer
	if code := cli(t, []string{"stats", "--config", h.cfgPath, "--csv"}, nil, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var weeks []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n")[1:] {
		week, rest, _ := strings.Cut(line, ",")
		weeks = append(weeks, week)
		if week == "2026-W48" && strings.Trim(rest, "0,") != "" {
			t.Errorf("quiet week not all zeros: %s", line)
		}
	}
	if want := []string{"2026-W47", "2026-W48", "2026-W49", "2026-W50"}; !slices.Equal(weeks, want) {
		t.Errorf("weeks %v, want %v", weeks, want)
	}
}
