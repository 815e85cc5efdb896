package bot

import (
	"sort"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
	"github.com/entrepairs/entrepairs/checkin"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/stats"
)

// statsTopResources is how many resources categories /stats lists: the
// moderators want to see what members look for, not the whole directory.
const statsTopResources = 5

// count adds one event to this week's counters. Counting never fails what
// the member or moderator did: a store error is logged and the handler goes
// on.
func (b *Bot) count(name string) {
	b.countAt(b.now(), name, 1)
}

// countAt adds n to the counter in the week of t (n is negative when a
// member moves a check-in answer).
func (b *Bot) countAt(t time.Time, name string, n int) {
	if err := b.st.Count(stats.Week(t, b.cfg.Location), name, n); err != nil {
		b.log.Error("activity counter not updated", "counter", name, "err", err)
	}
}

// countDecision counts a moderator's decision on an admission.
func (b *Bot) countDecision(a *admission.Admission) {
	switch a.State {
	case admission.Approved:
		b.count(stats.Approvals)
	case admission.Refused:
		b.count(stats.Refusals)
	}
}

// countFlag counts a new flag by its source, and the automatic deletion
// that came with it.
func (b *Bot) countFlag(f *review.Flag) {
	b.count(stats.Flagged(string(f.Source)))
	if f.AutoDeleted {
		b.count(stats.AutoDeletions)
	}
}

// countMood counts a check-in answer in the week of the check-in, moving a
// member's earlier answer when they change it, so that the weekly counts
// match the tallies. had is false for a first answer, and after the tally
// forgot who answered.
func (b *Bot) countMood(at time.Time, old checkin.Mood, had bool, mood checkin.Mood) {
	if had {
		if old == mood {
			return
		}
		b.countAt(at, stats.Mood(string(old)), -1)
	}
	b.countAt(at, stats.Mood(string(mood)), 1)
}

// onStats shows the moderators this week's activity against last week's:
// counts only, never who or what.
func (b *Bot) onStats(c tele.Context) error {
	if !b.moderatorAsks(c) {
		return nil
	}
	if wantsCSV(c) {
		return b.sendStatsCSV(c)
	}
	text, err := b.statsReport(b.now())
	if err != nil {
		_ = b.answer(c, b.texts.T(b.cfg.Language, "error.generic", nil))
		return err
	}
	return b.answer(c, text)
}

// statsRow is one line of the report.
type statsRow struct {
	Label      string
	This, Last uint64
}

// statsReport renders the report for the week of now, in the moderators'
// language.
func (b *Bot) statsReport(now time.Time) (string, error) {
	lang := b.cfg.Language
	loc := b.cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	week := stats.Week(now, loc)
	prev, err := stats.Previous(week)
	if err != nil {
		return "", err
	}
	this, err := b.st.Counters(week)
	if err != nil {
		return "", err
	}
	last, err := b.st.Counters(prev)
	if err != nil {
		return "", err
	}
	// Every known counter present, so that a quiet week reads 0.
	for _, name := range stats.Names() {
		for _, m := range []map[string]uint64{this, last} {
			if _, ok := m[name]; !ok {
				m[name] = 0
			}
		}
	}
	waiting, err := b.st.Admissions(func(a *admission.Admission) bool { return a.Open() })
	if err != nil {
		return "", err
	}
	pending, err := b.st.Flags(func(f *review.Flag) bool { return !f.Decided() })
	if err != nil {
		return "", err
	}
	start, _ := stats.Start(week, loc)
	day := b.texts.T(lang, "stats.day_layout", nil)
	refused := b.refusedLine(lang, this, last)
	return b.texts.T(lang, "stats.report", map[string]any{
		"Week":      week,
		"From":      start.Format(day),
		"To":        start.AddDate(0, 0, 6).Format(day),
		"This":      this,
		"Last":      last,
		"Waiting":   len(waiting),
		"Pending":   len(pending),
		"Learned":   b.Learned(),
		"Resources": b.topResources(lang, this, last),
	}) + refused, nil
}

// topResources lists the categories opened this week or last, the most
// opened first, with their titles from the resources file (the id when a
// category was removed since).
func (b *Bot) topResources(lang string, this, last map[string]uint64) []statsRow {
	titles := map[string]string{}
	for _, cat := range b.resources.Get().Categories {
		titles[cat.ID] = cat.Title.In(lang)
	}
	byCat := map[string]*statsRow{}
	add := func(m map[string]uint64, this bool) {
		for name, n := range m {
			cat, ok := stats.ResourceCategory(name)
			if !ok || n == 0 {
				continue
			}
			r := byCat[cat]
			if r == nil {
				r = &statsRow{Label: cat}
				if t := titles[cat]; t != "" {
					r.Label = t
				}
				byCat[cat] = r
			}
			if this {
				r.This = n
			} else {
				r.Last = n
			}
		}
	}
	add(this, true)
	add(last, false)
	rows := make([]statsRow, 0, len(byCat))
	for _, r := range byCat {
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].This != rows[j].This {
			return rows[i].This > rows[j].This
		}
		if rows[i].Last != rows[j].Last {
			return rows[i].Last > rows[j].Last
		}
		return rows[i].Label < rows[j].Label
	})
	return rows[:min(len(rows), statsTopResources)]
}
