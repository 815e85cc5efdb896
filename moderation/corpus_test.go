package moderation

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// corpusDir holds the labelled messages, one JSON Lines file per group of
// writers (see its README.md).
const corpusDir = "testdata/corpus"

func loadCorpus(tb testing.TB) []CorpusEntry {
	tb.Helper()
	es, err := LoadCorpusDir(os.DirFS(corpusDir))
	if err != nil {
		tb.Fatalf("corpus: %v", err)
	}
	return es
}

// Floors on the locked part of the corpus, which neither the rules nor
// the model were tuned on: a missed dealer is bad, a member flagged for
// telling a relapse is worse, and a relapse, own-use, harm-reduction or
// health message must never be flagged. The goals are 95 % of offers and
// 90 % of requests; the model trained with dropout and an ensemble of five
// (train.go) on the corpus with writers V, W and X reaches 88.8 % and
// 91.7 % of a locked part that holds the hardest lures and members telling
// their own use in a dealer's words (README, "How a message is scored").
// The requests' floor is the goal; the offers' one guards that level until
// a better model reaches it.
const (
	minOfferFlagged        = 0.88
	minSolicitationFlagged = 0.90
	maxBenignFlagged       = 0.015
)

// TestLockedCorpus screens the locked part with the shipped screener
// (embedded model), as members' and as newcomers' messages, and fails
// below the floors (checkSet).
func TestLockedCorpus(t *testing.T) {
	var locked []CorpusEntry
	for _, e := range loadCorpus(t) {
		if e.Locked() {
			locked = append(locked, e)
		}
	}
	s := NewScreener(nil, 0)
	checkSet(t, s, "model "+s.Model().modeName()+", locked part", locked,
		minOfferFlagged, minSolicitationFlagged, maxBenignFlagged, 0)
}

// checkSet screens es with s as members' messages and fails below the
// floors (checkFloors), then as a newcomer's first ones (the new-member
// share) and fails if that flags more of the members' own stories: a
// newcomer telling their own use must be as safe as anyone. It logs the
// errors by kind only, not the messages, so that nobody tunes the filter
// on a held-out set by accident.
func checkSet(t *testing.T, s *Screener, name string, es []CorpusEntry, minOffers, minSolicitations, maxBenign float64, maxProtected int) {
	t.Helper()
	flagged := make([]bool, len(es))
	fresh := make([]bool, len(es))
	misses := map[string]int{}
	for i, e := range es {
		flagged[i] = s.Screen(e.Text, Context{}).Flag
		fresh[i] = s.Screen(e.Text, Context{NewMember: true}).Flag
		if flagged[i] != e.Dealer() {
			misses[e.Label+"/"+e.Kind]++
		}
	}
	r := Measure(es, flagged)
	t.Logf("%s: %s", name, r)
	t.Logf("errors by kind: %v", misses)
	checkFloors(t, r, minOffers, minSolicitations, maxBenign, maxProtected)
	rn := Measure(es, fresh)
	t.Logf("as a newcomer's messages: %s", rn)
	if rn.ProtectedFlagged > r.ProtectedFlagged {
		t.Errorf("%d relapse, own-use or harm-reduction messages flagged when a newcomer writes them, %d otherwise", rn.ProtectedFlagged, r.ProtectedFlagged)
	}
}

// The unseen sets (testdata/unseen/) are written by nineteen more writers
// and never trained on, by any model, in nine sets from two briefs.
//
// Writers R and S: requests for a person, a channel, a site or a favour
// that name no product, and members asking for a help line, a doctor, a
// meeting's link or company in the same words: the weakness the issue
// names first. The floors guard the level the shipped model reached on it
// (83.2 % of requests, 6.7 % of benign messages flagged; the model before
// writers V, W and X flagged 81.9 % and 9.2 %, the one before dropout
// 76.1 % and 7.5 %); the goals are those of the locked part.
//
// Writers T and U: offers, requests and benign messages in the corpus's
// proportions and kinds (lures, surpluses, brokers, members' own stories
// told in a dealer's words, hard negatives), written after the dropout
// model was chosen. The shipped model reaches the goals there (96.0 % of
// offers, 97.0 % of requests, 0.4 % of benign messages): its floors are the
// goals.
//
// Writers Y and Z: the same brief as T and U, written in parallel with
// writers V, W and X and measured once, after the model trained on those
// was fixed (95.3 % of offers, 95.8 % of requests, 0.4 % of benign
// messages; the model before them flagged 91.3 %, 92.6 % and 0.4 %): its
// floors are the goals.
//
// Writers WD and WE: the same brief again, written with three writers of
// training messages (testdata/next/) and measured once for the shipped
// model and once for a model retrained on those (not shipped: README).
// The shipped model flags 94.7 % of offers, 92.9 % of requests and no
// benign message: the offers' floor guards that level, under the goal.
//
// Writers WF, WG and WH: the same brief again, written after the shipped
// model was fixed and measured once for it and once for the model
// retrained on testdata/next/ (not shipped: README). The shipped model
// flags 94.7 % of offers, 93.1 % of requests and 0.8 % of benign messages
// (as newcomers' 95.1 %, 93.8 %, 1.1 %), no member's own story: the
// offers' floor guards that level, under the goal.
//
// Writers XD and XE: the same brief again, written with three writers of
// training messages (XA, XB, XC, in testdata/next/) and measured once for
// the shipped model and once for a model retrained on those (not shipped:
// README). The shipped model flags 94.7 % of offers, 93.8 % of requests and
// 0.4 % of benign messages, and one member's own story, the goal missed
// (past orders told with the app's name, a quantity and a product; score
// 0.92). It is not mended on the set where it was found: the set allows
// that one, and no other.
//
// Writers YA and YB: the same brief again, written while a change of the
// rules was tried (it failed in cross-validation first: README). The
// shipped model reaches the goals there (96.0 % of offers, 94.8 % of
// requests, 0.8 % of benign messages, no own story): its floors are the
// goals.
//
// Writers ZA and ZB: the same brief again, written while another change
// (n-grams scaled by their log-count ratio) was judged on YA and YB and
// failed there (README). The shipped model flags 91.3 % of offers, 96.0 %
// of requests, 0.4 % of benign messages and no own story: the offers goal
// is missed, and the floor is the level reached.
//
// Writers ZC and ZD: the same brief again, written for a change of the
// lexicon that failed in cross-validation before reaching them (README).
// The shipped model flags 94.7 % of offers, 95.7 % of requests, no benign
// message and no own story; the offers floor is the level reached.
var unseenSets = []struct {
	name                        string
	writers                     []string // id prefixes
	minOffers, minSolicitations float64
	maxBenign                   float64
	maxProtected                int // own stories flagged: 0 is the goal
}{
	{"writers R and S", []string{"vr-", "vs-"}, 0, 0.82, 0.07, 0},
	{"writers T and U", []string{"vt-", "vu-"}, 0.95, 0.90, 0.015, 0},
	{"writers Y and Z", []string{"vy-", "vz-"}, 0.95, 0.90, 0.015, 0},
	{"writers WD and WE", []string{"wd-", "we-"}, 0.94, 0.90, 0.015, 0},
	{"writers WF, WG and WH", []string{"wf-", "wg-", "wh-"}, 0.94, 0.90, 0.015, 0},
	{"writers XD and XE", []string{"xd-", "xe-"}, 0.94, 0.90, 0.015, 1},
	{"writers YA and YB", []string{"ya-", "yb-"}, 0.95, 0.90, 0.015, 0},
	{"writers ZA and ZB", []string{"za-", "zb-"}, 0.91, 0.90, 0.015, 0},
	{"writers ZC and ZD", []string{"zc-", "zd-"}, 0.94, 0.90, 0.015, 0},
}

// TestUnseenCorpus screens each unseen set with the shipped screener, as
// members' and as newcomers' messages.
func TestUnseenCorpus(t *testing.T) {
	all, err := LoadCorpusDir(os.DirFS("testdata/unseen"))
	if err != nil {
		t.Fatal(err)
	}
	s := NewScreener(nil, 0)
	for _, set := range unseenSets {
		t.Run(set.name, func(t *testing.T) {
			var es []CorpusEntry
			for _, e := range all {
				for _, w := range set.writers {
					if strings.HasPrefix(e.ID, w) {
						es = append(es, e)
					}
				}
			}
			if len(es) < 400 {
				t.Fatalf("%d messages, want at least 400", len(es))
			}
			checkSet(t, s, set.name, es, set.minOffers, set.minSolicitations, set.maxBenign, set.maxProtected)
		})
	}
}

// checkFloors fails when r is below a floor (a floor of 0 is no floor),
// above the benign ceiling, or has more than maxProtected members' own
// stories flagged (the goal is none).
func checkFloors(t *testing.T, r Rates, minOffers, minSolicitations, maxBenign float64, maxProtected int) {
	t.Helper()
	if r.Offers < minOffers {
		t.Errorf("offers flagged %.1f %%, want >= %.0f %%", 100*r.Offers, 100*minOffers)
	}
	if r.Solicitations < minSolicitations {
		t.Errorf("solicitations flagged %.1f %%, want >= %.0f %%", 100*r.Solicitations, 100*minSolicitations)
	}
	if r.Benign > maxBenign {
		t.Errorf("benign messages flagged %.2f %%, want <= %.1f %%", 100*r.Benign, 100*maxBenign)
	}
	if r.ProtectedFlagged > maxProtected {
		t.Errorf("%d relapse, own-use or harm-reduction messages flagged, want at most %d", r.ProtectedFlagged, maxProtected)
	}
}

// TestEmbeddedModelIsCurrent retrains from the corpus with the shipped
// settings and checks that the embedded weights are what training gives:
// whoever changes the corpus, the features or the rules must run
// `go run ./moderation/train`.
func TestEmbeddedModelIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("retraining takes about 20 seconds (two minutes with -race)")
	}
	res := NewScreener(nil, 0).Train(loadCorpus(t), 5, DefaultTrainOptions)
	for _, c := range res.Candidates {
		t.Logf("cross-validated %-14s threshold %.3f %s", c.Mode, c.Threshold, c.CV)
	}
	got, want := res.Model, EmbeddedModel()
	if got.Mode != want.Mode {
		t.Fatalf("training chooses %s, the embedded model is %s: run go run ./moderation/train", got.Mode, want.Mode)
	}
	diff := math.Abs(float64(got.Bias - want.Bias))
	for i := range got.Dense {
		diff = math.Max(diff, math.Abs(float64(got.Dense[i]-want.Dense[i])))
	}
	for i := range got.Hashed {
		diff = math.Max(diff, math.Abs(float64(got.Hashed[i]-want.Hashed[i])))
	}
	if diff > 1e-4 {
		t.Fatalf("embedded weights differ from a fresh training by up to %g: run go run ./moderation/train", diff)
	}
}

func TestModelEncoding(t *testing.T) {
	m := EmbeddedModel()
	back, err := DecodeModel(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if back.Mode != m.Mode || back.Bias != m.Bias || back.Dense != m.Dense {
		t.Fatal("model does not survive encoding")
	}
	for _, bad := range [][]byte{nil, []byte("EPMODEL1"), []byte("garbage garbage"), m.Encode()[:100]} {
		if _, err := DecodeModel(bad); err == nil {
			t.Errorf("DecodeModel(%d bytes) accepted", len(bad))
		}
	}
}

func (m *Model) modeName() string {
	if m == nil {
		return RulesOnly.String()
	}
	return m.Mode.String()
}

func reasonList(v Verdict) string {
	if len(v.Reasons) == 0 {
		return "no signal"
	}
	parts := make([]string, len(v.Reasons))
	for i, r := range v.Reasons {
		parts[i] = fmt.Sprintf("%s %q %+.2f", r.Code, r.Evidence, r.Weight)
	}
	return strings.Join(parts, ", ")
}

// BenchmarkScreen screens the messages of the development corpus
// (testdata/corpus/dev.jsonl, the benchmark's set since the first release,
// so figures compare across versions) in turn, one per operation: ns/op
// (also reported as ns/msg) and allocs/op are per message. The target is at
// most 5 µs per message on one core (-cpu 1) with the model in, and at most
// 2 allocations.
func BenchmarkScreen(b *testing.B) {
	benchmarkScreen(b, devCorpus(b), NewScreener(nil, 0))
}

// BenchmarkScreenRules is BenchmarkScreen with the rules alone, to see what
// the model adds.
func BenchmarkScreenRules(b *testing.B) {
	benchmarkScreen(b, devCorpus(b), NewScreener(nil, 0).WithModel(nil))
}

// BenchmarkScreenAll screens the whole corpus (longer messages on average).
func BenchmarkScreenAll(b *testing.B) {
	var texts []string
	for _, e := range loadCorpus(b) {
		texts = append(texts, e.Text)
	}
	benchmarkScreen(b, texts, NewScreener(nil, 0))
}

func devCorpus(tb testing.TB) []string {
	data, err := os.ReadFile(corpusDir + "/dev.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	es, err := ParseCorpus("dev.jsonl", data)
	if err != nil {
		tb.Fatal(err)
	}
	texts := make([]string, len(es))
	for i, e := range es {
		texts[i] = e.Text
	}
	return texts
}

func benchmarkScreen(b *testing.B, texts []string, s *Screener) {
	n := 0
	for _, t := range texts {
		n += len(t)
	}
	b.SetBytes(int64(n / len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Screen(texts[i%len(texts)], Context{})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/msg")
}

// BenchmarkScreenScripts screens long texts in scripts the normalisation
// does not fold (Arabic, Chinese, Thai, Hebrew) and emoji ZWJ sequences:
// they must cost no more per byte than Latin text.
func BenchmarkScreenScripts(b *testing.B) {
	texts := []string{
		strings.Repeat("مرحبا بالجميع، هل يوجد أحد هنا؟ أنا بخير اليوم ", 10),
		strings.Repeat("大家好，有人在吗？我今天感觉好多了，谢谢你们。", 10),
		strings.Repeat("👨‍👩‍👧‍👦👩🏽‍🚀🏳️‍🌈🧑🏿‍🤝‍🧑🏻 ", 20),
		strings.Repeat("สวัสดีทุกคน วันนี้รู้สึกดีขึ้น ", 10),
		strings.Repeat("שלום לכולם, היום אני מרגיש טוב יותר ", 10),
	}
	benchmarkScreen(b, texts, NewScreener(nil, 0))
}
