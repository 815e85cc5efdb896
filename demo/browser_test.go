package demo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive the page in headless Chromium, as a person would:
// they click what is on screen and read what is drawn. Without Chromium
// they are skipped, unless ENTREPAIRS_BROWSER=required (.ci/run sets it
// after installing Debian's chromium).

const browserWait = 20 * time.Second

// browser is one headless Chromium tab on the sandbox's page.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
	n     int
}

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// openBrowser starts Chromium at width×height on the sandbox's page, with
// the flags .ci/run documents, and a directory for screenshots that
// outlives the test (its path is logged).
func openBrowser(t *testing.T, s *Sandbox, width, height int) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("ENTREPAIRS_BROWSER") == "required" {
			t.Fatal("chromium not found (apt-get install -y chromium)")
		}
		t.Skip("chromium not found: apt-get install -y chromium (or set ENTREPAIRS_BROWSER=required to fail instead)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	shots, err := os.MkdirTemp("", "entrepairs-demo-shots-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
	b := &browser{t: t, ctx: ctx, shots: shots}
	// The first action starts the browser: no timeout on it (see chromedp.Run).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height)), chromedp.Navigate(s.URL)); err != nil {
		t.Fatalf("browser: %v", err)
	}
	b.waitJS(`document.querySelectorAll("section.phone").length >= 3`)
	return b
}

func (b *browser) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failure")
		b.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", expr, err)
	}
	return v
}

// waitJS waits until the expression is true in the page.
func (b *browser) waitJS(expr string) {
	b.t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		if eval[bool](b, "!!("+expr+")") {
			return
		}
		if time.Now().After(deadline) {
			b.shot("timeout")
			b.t.Fatalf("browser: still false after %v: %s", browserWait, expr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// xpath returns a JavaScript expression for the last node matching x.
func xpath(x string) string {
	return fmt.Sprintf("document.evaluate(%q, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null)", x)
}

func lastNode(x string) string {
	return fmt.Sprintf("((r) => r.snapshotLength ? r.snapshotItem(r.snapshotLength-1) : null)(%s)", xpath(x))
}

// click waits for the last element matching the XPath and clicks it
// through its own click handler (the page redraws at each change, so a
// node found a moment earlier may have been replaced).
func (b *browser) click(x string) {
	b.t.Helper()
	b.waitJS(lastNode(x) + " !== null")
	if !eval[bool](b, fmt.Sprintf("((n) => { if (!n) return false; n.click(); return true; })(%s)", lastNode(x))) {
		b.t.Fatalf("browser: nothing to click at %s", x)
	}
}

// see waits until an element matching the XPath is on the page.
func (b *browser) see(x string) { b.t.Helper(); b.waitJS(lastNode(x) + " !== null") }

// gone waits until no element matches the XPath any more.
func (b *browser) gone(x string) { b.t.Helper(); b.waitJS(lastNode(x) + " === null") }

func (b *browser) count(x string) int {
	b.t.Helper()
	return eval[int](b, xpath(x)+".snapshotLength")
}

// typeIn types text in a person's composer and sends it with Enter, as on
// a keyboard.
func (b *browser) typeIn(person int64, text string) {
	b.t.Helper()
	sel := fmt.Sprintf(`section.phone[data-person="%d"] .composer textarea`, person)
	b.run(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text+"\r"))
}

// shot saves a screenshot of the viewport.
func (b *browser) shot(name string) string {
	b.n++
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

// XPath pieces.
func phone(id int64) string { return fmt.Sprintf(`//section[@data-person="%d"]`, id) }

func msgWith(parts ...string) string {
	x := `//div[contains(concat(" ", @class, " "), " msg ")`
	for _, p := range parts {
		x += fmt.Sprintf(` and contains(., %q)`, p)
	}
	return x + "]"
}

func button(label string) string {
	return fmt.Sprintf(`//div[@class="kb"]//button[contains(normalize-space(.), %q)]`, label)
}

func tab(chat int64) string { return fmt.Sprintf(`//button[@data-chat="%d"]`, chat) }

const offer = "Tina 💎 dispo ce soir, 80€ le g, livraison Paris 7j/7, contact Wickr: plug75"

const (
	noe     = firstPersonID
	sam     = firstPersonID + 1
	camille = moderatorID
)

// TestStoryInTheBrowser plays the whole story on the page: a newcomer asks
// to join, reads and accepts the charter, a moderator approves, the
// newcomer is welcomed; a member posts a dealer offer, the card appears for
// the moderator, who deletes it, and the message disappears from the
// group; a member reports a message with /signaler; the check-in is posted
// and a mood tapped; the moderator gets the
// weekly CSV; /ressources is browsed to a resource.
func TestStoryInTheBrowser(t *testing.T) {
	s := startSandbox(t, Options{})
	b := openBrowser(t, s, 1400, 900)
	b.shot("start")

	// The newcomer asks to join the group with join requests.
	b.click(phone(noe) + tab(requestGroupID))
	b.click(phone(noe) + `//button[contains(@class, "join")]`)
	b.see(phone(noe) + `//div[@class="blocked"]/div[contains(., "Demande envoyée")]`)
	// The charter arrives in private; the newcomer reads and accepts it.
	b.click(phone(noe) + tab(noe))
	b.see(phone(noe) + msgWith("Charte"))
	b.click(phone(noe) + button("J'accepte"))
	b.see(phone(noe) + msgWith("Ta demande est transmise"))
	// The moderator sees the card and approves.
	b.click(phone(camille) + tab(modChatID))
	card := phone(camille) + msgWith("Noé", "Charte acceptée")
	b.see(card)
	b.shot("card-for-the-moderator")
	b.click(card + button("Approuver"))
	// Welcomed in private, and now able to write in the group.
	b.see(phone(noe) + msgWith("Bienvenue dans", "Entraide Paris"))
	b.click(phone(noe) + tab(requestGroupID))
	b.click(phone(sam) + tab(requestGroupID))
	b.typeIn(noe, "Bonjour à toutes et tous 🌱")
	b.see(phone(sam) + `//div[contains(@class, "msg")]//div[@class="text" and contains(., "Bonjour à toutes et tous")]`)
	b.shot("newcomer-welcomed")

	// A member posts an offer; the moderator gets a card and deletes it.
	b.typeIn(sam, offer)
	b.see(phone(sam) + msgWith("plug75"))
	offerCard := phone(camille) + msgWith("Sam", "plug75")
	b.see(offerCard)
	b.shot("offer-card")
	b.click(offerCard + button("Supprimer"))
	b.gone(phone(sam) + msgWith("plug75") + `//div[@class="text"]`)
	b.gone(phone(noe) + msgWith("plug75") + `//div[@class="text"]`)
	b.shot("offer-deleted")

	// The newcomer, now a member, reports a message by replying /signaler:
	// the command leaves the group, the moderators get a card.
	b.typeIn(sam, "tu verras bien ce soir 😉")
	b.click(phone(noe) + msgWith("tu verras bien ce soir") + `//button[contains(@class, "reply")]`)
	b.see(phone(noe) + `//div[@class="replybar"]/span[contains(., "Sam")]`)
	b.typeIn(noe, "/signaler")
	b.see(phone(camille) + msgWith("Signalé par un membre", "Noé", "tu verras bien ce soir"))
	b.gone(phone(sam) + msgWith("/signaler"))
	b.shot("reported")
	// The card's link opens the message in the group, in the sandbox.
	b.click(phone(camille) + msgWith("Signalé par un membre") + `//a[@data-goto-chat]`)
	b.see(phone(camille) + `//div[contains(@class, "msg") and contains(@class, "flash") and contains(., "tu verras bien ce soir")]`)
	b.click(phone(camille) + tab(modChatID))

	// The next check-in is posted now; a member taps a mood.
	checkIns := phone(sam) + msgWith("Ça va")
	before := b.count(checkIns)
	b.click(`//button[@id="checkin"]`)
	b.waitJS(xpath(checkIns) + fmt.Sprintf(".snapshotLength > %d", before))
	b.click(checkIns + button("Ça va"))
	b.see(phone(sam) + `//div[contains(@class, "toast") and not(contains(@class, "error"))]`)
	b.shot("check-in-answered")

	// The counts for funders, as a file in the moderators' chat.
	b.typeIn(camille, "/stats csv")
	b.see(phone(camille) + `//div[@class="file"]/a[starts-with(., "📄 entrepairs-stats-")]`)
	b.see(phone(camille) + `//div[@class="file"]/pre[starts-with(., "week,join_requests,approvals")]`)
	b.shot("stats-csv")

	// /ressources, browsed to a resource.
	b.click(phone(noe) + tab(noe))
	b.typeIn(noe, "/ressources")
	b.click(phone(noe) + button("Lignes d'info drogues"))
	b.see(phone(noe) + msgWith("Drogues Info Service"))
	b.shot("resources")

	// Nothing on the page went wrong on the way.
	if n := b.count(`//div[contains(@class, "toast") and contains(@class, "error")]`); n > 0 {
		t.Errorf("%d error toasts on the page", n)
	}
	if !strings.Contains(s.api.DumpChat(requestGroupID), "Bonjour à toutes et tous") {
		t.Errorf("the newcomer's message is not in the group:\n%s", s.api.DumpChat(requestGroupID))
	}
}

// TestPhoneSizedScreen checks the page at 390×844: one phone at a time,
// people switched from a bar, nothing wider than the screen, and a
// message sent from there.
func TestPhoneSizedScreen(t *testing.T) {
	s := startSandbox(t, Options{})
	b := openBrowser(t, s, 390, 844)
	b.shot("phone-start")
	visible := eval[int](b, `[...document.querySelectorAll("section.phone")].filter(e => e.offsetWidth > 0).length`)
	width := eval[int](b, `document.documentElement.scrollWidth`)
	if visible != 1 {
		t.Errorf("%d phones visible at 390 px, want 1", visible)
	}
	if width > 390 {
		t.Errorf("the page is %d px wide on a 390 px screen", width)
	}
	// Switch to the member, open the group with restrictions, write.
	b.click(`//nav[@id="people"]/button[contains(., "Sam")]`)
	b.waitJS(`document.querySelector('section.phone[data-person="` + fmt.Sprint(sam) + `"]').offsetWidth > 0`)
	b.click(phone(sam) + tab(restrictGrpID))
	b.typeIn(sam, "Quelqu'un pour une balade dimanche ?")
	b.see(phone(sam) + msgWith("balade dimanche"))
	// The newcomer joins the restrict-mode group and is muted until approved.
	b.click(`//nav[@id="people"]/button[contains(., "Noé")]`)
	b.click(phone(noe) + tab(restrictGrpID))
	b.click(phone(noe) + `//button[contains(@class, "join")]`)
	b.see(phone(noe) + msgWith("Bienvenue Noé"))
	b.see(phone(noe) + `//div[@class="blocked"]/div[contains(., "pas encore écrire")]`)
	b.shot("phone-restricted-newcomer")
	if h := eval[int](b, `Math.min(...[...document.querySelectorAll('section.phone.active .kb button')].map(e => e.offsetHeight))`); h < 36 {
		t.Errorf("buttons %d px high: too small to tap", h)
	}
	width = eval[int](b, `document.documentElement.scrollWidth`)
	if width > 390 {
		t.Errorf("the page is %d px wide on a 390 px screen after the messages", width)
	}

	// Someone else joins the page, in English: their phone speaks English.
	b.click(`//details[@id="add"]/summary`)
	b.run(chromedp.SendKeys(chromedp.CSS(`#addForm input[name=name]`), "Alex"),
		chromedp.SetValue(chromedp.CSS(`#addForm select[name=lang]`), "en"),
		chromedp.SetValue(chromedp.CSS(`#addForm select[name=role]`), "newcomer"))
	b.click(`//form[@id="addForm"]//button[@type="submit"]`)
	alex := `//section[contains(@class, "active") and .//div[@class="name" and .="Alex"]]`
	b.see(alex)
	b.click(alex + tab(requestGroupID))
	b.see(alex + `//button[contains(@class, "join") and .="Ask to join"]`)
	b.click(alex + `//button[contains(@class, "join")]`)
	b.click(alex + `//button[contains(@class, "chat-tab")][1]`)
	b.see(alex + msgWith("I accept the charter"))
	b.shot("phone-english-newcomer")
}
