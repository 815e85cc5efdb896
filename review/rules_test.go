package review

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestFloodWatch(t *testing.T) {
	rule := FloodRule{Messages: 5, Per: 10 * time.Second}
	alice, bob := Member{Group: -100, User: 1}, Member{Group: -100, User: 2}
	type msg struct {
		who Member
		at  time.Duration // since t0
	}
	burst := func(who Member, n int, start, every time.Duration) []msg {
		out := make([]msg, n)
		for i := range out {
			out[i] = msg{who, start + time.Duration(i)*every}
		}
		return out
	}
	tests := []struct {
		name  string
		rule  FloodRule
		msgs  []msg
		cards []int // indexes of the messages that call for a card
	}{
		{name: "within the rule", rule: rule, msgs: burst(alice, 5, 0, time.Millisecond)},
		{name: "sixth message at once is a flood", rule: rule, msgs: burst(alice, 6, 0, time.Millisecond), cards: []int{5}},
		{name: "one card per quiet period", rule: rule, msgs: burst(alice, 20, 0, time.Millisecond), cards: []int{5}},
		{name: "steady pace at the rule's rate is no flood", rule: rule, msgs: burst(alice, 30, 0, 2*time.Second)},
		{name: "members counted apart", rule: rule,
			msgs: append(burst(alice, 5, 0, time.Millisecond), burst(bob, 5, 0, time.Millisecond)...)},
		{name: "a second card after the quiet period", rule: rule,
			msgs:  append(burst(alice, 6, 0, time.Millisecond), burst(alice, 6, FloodQuiet+time.Second, time.Millisecond)...),
			cards: []int{5, 11}},
		{name: "no card again before the quiet period ends", rule: rule,
			msgs:  append(burst(alice, 6, 0, time.Millisecond), burst(alice, 12, FloodQuiet-time.Minute, time.Millisecond)...),
			cards: []int{5}},
		{name: "rule off: no messages", rule: FloodRule{Messages: 0, Per: time.Second}, msgs: burst(alice, 50, 0, 0)},
		{name: "rule off: no period", rule: FloodRule{Messages: 3}, msgs: burst(alice, 50, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewFloodWatch(tt.rule)
			var cards []int
			for i, m := range tt.msgs {
				if w.Seen(m.who, t0.Add(m.at)) {
					cards = append(cards, i)
				}
			}
			if fmt.Sprint(cards) != fmt.Sprint(tt.cards) {
				t.Errorf("cards at messages %v, want %v", cards, tt.cards)
			}
		})
	}
}

func TestFloodWatchForget(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		kept  int
	}{
		{name: "kept during the quiet period", after: FloodQuiet, kept: 1},
		{name: "kept until quiet plus period", after: FloodQuiet + 10*time.Second, kept: 1},
		{name: "forgotten after", after: FloodQuiet + 10*time.Second + time.Nanosecond, kept: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewFloodWatch(FloodRule{Messages: 5, Per: 10 * time.Second})
			w.Seen(Member{1, 2}, t0)
			w.Forget(t0.Add(tt.after))
			if w.Len() != tt.kept {
				t.Errorf("%d members kept, want %d", w.Len(), tt.kept)
			}
		})
	}
}

func TestReportLimit(t *testing.T) {
	tests := []struct {
		name    string
		perHour int
		at      []time.Duration // reports by one member, since t0
		want    []bool
	}{
		{name: "burst up to the limit", perHour: 2, at: []time.Duration{0, time.Second, 2 * time.Second},
			want: []bool{true, true, false}},
		{name: "one more after hour/limit", perHour: 2, at: []time.Duration{0, 0, 29 * time.Minute, 30 * time.Minute},
			want: []bool{true, true, false, true}},
		{name: "zero means one", perHour: 0, at: []time.Duration{0, time.Minute, time.Hour},
			want: []bool{true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewReportLimit(tt.perHour)
			for i, at := range tt.at {
				if got := l.Allow(7, t0.Add(at)); got != tt.want[i] {
					t.Errorf("report %d at %v: allowed %v, want %v", i, at, got, tt.want[i])
				}
			}
			if !l.Allow(8, t0) {
				t.Error("another member's report refused")
			}
		})
	}
}

func TestReportLimitForget(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		kept  int
	}{
		{name: "kept while the allowance refills", after: 29 * time.Minute, kept: 1},
		{name: "forgotten once whole again", after: 30 * time.Minute, kept: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewReportLimit(2)
			l.Allow(7, t0)
			l.Forget(t0.Add(tt.after))
			if l.Len() != tt.kept {
				t.Errorf("%d reporters kept, want %d", l.Len(), tt.kept)
			}
		})
	}
}

func TestArrange(t *testing.T) {
	flags := func(n int) []*Flag {
		out := make([]*Flag, n)
		for i := range out {
			out[i] = &Flag{ID: fmt.Sprint(i)}
		}
		return out
	}
	shown := &Flag{ID: "shown", CardMessageID: 9}
	inDigest := &Flag{ID: "listed", DigestID: "d"}
	tests := []struct {
		name    string
		in      []*Flag
		lone    string
		digests []int // sizes
	}{
		{name: "nothing", in: nil},
		{name: "one flag gets a card", in: flags(1), lone: "0"},
		{name: "two make a digest", in: flags(2), digests: []int{2}},
		{name: "a full digest", in: flags(DigestSize), digests: []int{DigestSize}},
		{name: "a raid is split", in: flags(2*DigestSize + 3), digests: []int{DigestSize, DigestSize, 3}},
		{name: "shown flags left out", in: append(flags(1), shown, inDigest, nil), lone: "0"},
		{name: "only shown flags", in: []*Flag{shown, inDigest}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lone, digests := Arrange(tt.in)
			got := ""
			if lone != nil {
				got = lone.ID
			}
			if got != tt.lone {
				t.Errorf("lone flag %q, want %q", got, tt.lone)
			}
			sizes := make([]int, len(digests))
			for i, d := range digests {
				sizes[i] = len(d)
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tt.digests) && !(len(sizes) == 0 && len(tt.digests) == 0) {
				t.Errorf("digests of %v, want %v", sizes, tt.digests)
			}
		})
	}
}

func TestUnfinished(t *testing.T) {
	decided := func(f Flag, applied bool) *Flag {
		_ = f.Decide(Delete, 1, "A", t0)
		f.Applied = applied
		return &f
	}
	tests := []struct {
		name string
		f    *Flag
		at   time.Duration
		want bool
	}{
		{name: "new flag, loop still has time", f: &Flag{CreatedAt: t0}, at: ShowGrace},
		{name: "never shown", f: &Flag{CreatedAt: t0}, at: ShowGrace + time.Millisecond, want: true},
		{name: "on its card", f: &Flag{CreatedAt: t0, CardMessageID: 4}, at: time.Hour},
		{name: "in a digest never posted", f: &Flag{CreatedAt: t0, DigestID: "d"}, at: 0, want: true},
		{name: "in a posted digest", f: &Flag{CreatedAt: t0, DigestID: "d", CardMessageID: 4}, at: time.Hour},
		{name: "decided, not applied", f: decided(Flag{CardMessageID: 4}, false), want: true},
		{name: "decided and applied", f: decided(Flag{CardMessageID: 4}, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Unfinished(t0.Add(tt.at)); got != tt.want {
				t.Errorf("Unfinished = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBucketMatchesRate holds the hand-written bucket to the arithmetic of
// golang.org/x/time/rate, which the bot used before these rules moved here:
// the same sequence of events must be allowed and refused alike.
func TestBucketMatchesRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name      string
		perSecond float64
		burst     int
	}{
		{name: "flood rule 12 per 30s", perSecond: 12.0 / 30, burst: 12},
		{name: "flood rule 5 per 10s", perSecond: 5.0 / 10, burst: 5},
		{name: "reports 5 an hour", perSecond: 1 / (time.Hour / 5).Seconds(), burst: 5},
		{name: "reports 1 an hour", perSecond: 1 / time.Hour.Seconds(), burst: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBucket(tt.perSecond, tt.burst)
			lim := rate.NewLimiter(rate.Limit(tt.perSecond), tt.burst)
			now := t0
			for i := range 20000 {
				// Mostly forward, sometimes a burst at the same instant,
				// sometimes a clock step back.
				switch rng.IntN(10) {
				case 0:
				case 1:
					now = now.Add(-time.Duration(rng.IntN(1000)) * time.Millisecond)
				default:
					now = now.Add(time.Duration(rng.ExpFloat64() / tt.perSecond * float64(time.Second) / 2))
				}
				if got, want := b.allow(now), lim.AllowN(now, 1); got != want {
					t.Fatalf("event %d at %v: bucket %v, rate %v", i, now.Sub(t0), got, want)
				}
				if got, want := b.full(now), lim.TokensAt(now) >= float64(lim.Burst()); got != want {
					t.Fatalf("event %d: full %v, rate %v", i, got, want)
				}
			}
		})
	}
}

func TestErase(t *testing.T) {
	tests := []struct {
		name       string
		erase      int64
		flood, rep int // kept
	}{
		{name: "the person is forgotten in every group", erase: 1, flood: 1, rep: 1},
		{name: "someone else: nothing forgotten", erase: 3, flood: 3, rep: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewFloodWatch(FloodRule{Messages: 5, Per: time.Second})
			l := NewReportLimit(5)
			for _, m := range []Member{{-1, 1}, {-2, 1}, {-1, 2}} {
				w.Seen(m, t0)
				l.Allow(m.User, t0)
			}
			w.Erase(tt.erase)
			l.Erase(tt.erase)
			if w.Len() != tt.flood || l.Len() != tt.rep {
				t.Errorf("kept %d members and %d reporters, want %d and %d", w.Len(), l.Len(), tt.flood, tt.rep)
			}
		})
	}
}
