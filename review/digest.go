package review

import "time"

// GatherWindow: flags arriving this close together are shown as one digest;
// a raid arrives as a burst.
const GatherWindow = 400 * time.Millisecond

// DigestSize is the most flags one digest lists: its text stays under
// Telegram's 4096 characters and its keyboard small enough for a phone.
const DigestSize = 8

// ShowGrace is how long a new flag may wait for its card before the sweep
// takes it for lost: the review loop normally shows it within GatherWindow
// plus the outbox's pacing.
const ShowGrace = 5 * time.Second

// Arrange decides how flags gathered together reach the moderators. Flags
// already shown (and nil ones) are left out. A lone flag gets a card of its
// own; two or more are listed in digests of at most DigestSize flags each,
// in the order given.
func Arrange(flags []*Flag) (lone *Flag, digests [][]*Flag) {
	pending := make([]*Flag, 0, len(flags))
	for _, f := range flags {
		if f != nil && !f.Shown() {
			pending = append(pending, f)
		}
	}
	if len(pending) == 1 {
		return pending[0], nil
	}
	for start := 0; start < len(pending); start += DigestSize {
		digests = append(digests, pending[start:min(start+DigestSize, len(pending))])
	}
	return nil, digests
}

// Unfinished reports whether the sweep must take the flag up again: never
// shown after ShowGrace (the review loop lost it: a crash, a full queue), a
// decision Telegram has not carried out yet, or a line of a digest that
// never reached the moderators (a crash or a failed send after the digest
// was recorded: Shown counts the digest id, so these need asking for).
func (f *Flag) Unfinished(now time.Time) bool {
	return !f.Shown() && now.Sub(f.CreatedAt) > ShowGrace ||
		f.Decided() && !f.Applied ||
		f.DigestID != "" && f.CardMessageID == 0 && !f.Decided()
}

// DigestKind says how a digest shows its flags.
type DigestKind string

// FloodDigest sums flood notices up in one line ("N members posted more
// than M messages in P") with a button to list them: after a restart or on
// a lively evening hundreds of members may trip the flood rule at once,
// and a notice each would hold the moderators' chat for many minutes.
const FloodDigest DigestKind = "flood"

// CoalesceAbove is how many flood notices may wait for the moderators'
// chat before they are summed up in a FloodDigest rather than shown as
// cards or listed in ordinary digests.
const CoalesceAbove = 3

// FloodDigestSpan is how long a posted FloodDigest takes in new flood
// notices (its count is edited, which costs no message) before the next
// ones start a new one.
const FloodDigestSpan = 10 * time.Minute

// SplitFlood separates flood notices from the flags that point at one
// message (screened, reported): those must never wait behind a flood.
func SplitFlood(flags []*Flag) (flood, other []*Flag) {
	for _, f := range flags {
		if f == nil {
			continue
		}
		if f.Source == Flooded {
			flood = append(flood, f)
		} else {
			other = append(other, f)
		}
	}
	return flood, other
}
