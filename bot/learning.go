package bot

// Learning from the moderators: each decision on a card teaches the
// screener (moderation.Screener.Lesson), the store keeps what was learned
// without a word of the message (store.Learn), and the bot swaps in a
// screener with the new corrections. A decision is taught once, when it is
// recorded; a redelivered tap is refused as already decided before it gets
// here.

import (
	"errors"

	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/review"
	"github.com/entrepairs/entrepairs/store"
)

// screen returns the screener in force (the shipped model plus this
// deployment's corrections).
func (b *Bot) screen() *moderation.Screener { return b.screener.Load() }

// loadLearning puts the corrections kept in the store in force.
func (b *Bot) loadLearning() {
	stats, n, err := b.st.Learned()
	if err != nil {
		if !errors.Is(err, store.ErrNoKey) {
			b.log.Error("read what was learned from decisions", "err", err)
		}
		return
	}
	adj := moderation.NewAdjustments(stats)
	b.screener.Store(b.base.WithAdjustments(adj))
	b.learned.Store(int64(n))
	if n > 0 {
		b.log.Info("learned from moderators' decisions", "decisions", n, "cells_in_force", adj.Cells())
	}
}

// learn teaches the screener a moderator's decision on a flag: a dismissal
// says the message was a member's, every other action a dealer's. Only
// the excerpt the card showed is read, and nothing of it is kept.
func (b *Bot) learn(f *review.Flag) {
	if !f.Decided() || f.Excerpt == "" || f.Source == review.Flooded {
		return // a flood says nothing about dealing
	}
	lesson := b.screen().Lesson(f.Excerpt, f.Action != review.Ignore)
	if len(lesson) == 0 {
		return
	}
	b.learnMu.Lock()
	defer b.learnMu.Unlock()
	if _, err := b.st.Learn(lesson); err != nil {
		if !errors.Is(err, store.ErrNoKey) {
			b.log.Error("learn from a decision", "flag", f.ID, "err", err)
		}
		return
	}
	b.loadLearning()
}

// Learned returns how many moderators' decisions the screener has learned
// from.
func (b *Bot) Learned() int { return int(b.learned.Load()) }
