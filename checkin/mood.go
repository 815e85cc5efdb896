package checkin

// Mood is a member's answer to a check-in, one per button under it. Its value
// travels in the buttons' callback data and in stored tallies, so it must not
// change once released.
type Mood string

// The moods, from best to worst. Four are enough to say how one is without
// having to write: members who struggle most are often the ones who do not
// post.
const (
	Good     Mood = "good" // 😊 Ça va
	Meh      Mood = "meh"  // 😐 Bof
	Hard     Mood = "hard" // 😣 Difficile
	NeedTalk Mood = "talk" // 🆘 J'ai besoin de parler
)

// Moods lists the moods in the order of the buttons.
var Moods = []Mood{Good, Meh, Hard, NeedTalk}

// ParseMood reads a mood from callback data or storage. Only the exact values
// are accepted: the data comes from the bot's own buttons, and anything else
// is stale or forged.
func ParseMood(s string) (Mood, bool) {
	for _, m := range Moods {
		if string(m) == s {
			return m, true
		}
	}
	return "", false
}

// Worrying reports whether the member who chose m is offered private help:
// the emergency numbers and support resources for their region, and a button
// to ask a moderator to contact them. A member who says it is hard is not
// left with a toast only.
func (m Mood) Worrying() bool {
	return m == Hard || m == NeedTalk
}

// TextKey returns the locale key of the mood's button label, so that the
// button labels live with the other texts.
func (m Mood) TextKey() string {
	return "checkins.mood_" + string(m)
}

// Tally counts the answers to one occurrence of a check-in in one group. The
// group sees only the total; each member counts once, and a member who
// changes their answer moves their count, which needs to know who answered.
// That knowledge is kept as short as possible: the keys are opaque (the
// store passes an HMAC of the user id under a random key of this occurrence
// alone, never a Telegram user id), and one week after the occurrence the
// store calls Forget and deletes that key, after which only the counts
// remain.
//
// Tally is a plain value the bot stores as JSON; its zero value is an empty
// tally ready to use.
type Tally struct {
	Counts  map[Mood]int    `json:"counts"`            // answers per mood
	Answers map[string]Mood `json:"answers,omitempty"` // latest mood per member key, until Forget
	// Forgotten records that Answers was dropped, so that an answer coming
	// after that is counted without being de-duplicated, and a reader of
	// the stored value knows why Answers is empty.
	Forgotten bool `json:"forgotten,omitempty"`
}

// Answer records that member answered m and reports whether the counts
// changed. A first answer counts; the same answer again changes nothing (a
// double tap, or a member checking the buttons still work); another answer
// moves the member's count from the old mood to the new one. After Forget,
// every answer counts, since who already answered is no longer known: a
// rare late tap on a week-old message may then be counted twice, the price of
// not keeping who answered. An unknown mood changes nothing.
func (t *Tally) Answer(member string, m Mood) (changed bool) {
	if _, ok := ParseMood(string(m)); !ok {
		return false
	}
	if t.Counts == nil {
		t.Counts = map[Mood]int{}
	}
	if t.Forgotten {
		t.Counts[m]++
		return true
	}
	if t.Answers == nil {
		t.Answers = map[string]Mood{}
	}
	old, answered := t.Answers[member]
	switch {
	case answered && old == m:
		return false
	case answered:
		t.Counts[old]--
		if t.Counts[old] <= 0 {
			delete(t.Counts, old)
		}
	}
	t.Answers[member] = m
	t.Counts[m]++
	return true
}

// Total returns the number of answers, the only figure the group sees: the
// moods are not shown in the group, so that a small group cannot guess who
// said it was hard.
func (t *Tally) Total() int {
	n := 0
	for _, c := range t.Counts {
		n += c
	}
	return n
}

// Forget drops who answered and keeps the counts. The bot calls it one week
// after the occurrence, when the next occurrence of the check-in is posted:
// by then nobody needs their answer de-duplicated, and the group's promise is
// that the bot does not keep who answered beyond that week.
func (t *Tally) Forget() {
	t.Answers = nil
	t.Forgotten = true
}
