package bot

import (
	"sync"
	"time"

	tele "gopkg.in/telebot.v3"
)

// repeatWindow: a member's same command in the same group is answered once
// in this window. Fifty /charte in a row would otherwise queue fifty paced
// group replies (20 a minute), and every other member's answer behind them.
const repeatWindow = time.Minute

// repeats remembers when each member's command was last answered in each
// group.
type repeats struct {
	mu   sync.Mutex
	last map[repeatKey]time.Time
}

type repeatKey struct {
	chat, user int64
	command    string
}

// first reports whether the command is the first of its kind from this
// member in this chat within repeatWindow, and records it.
func (r *repeats) first(k repeatKey, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		r.last = map[repeatKey]time.Time{}
	}
	if t, ok := r.last[k]; ok && now.Sub(t) < repeatWindow && !now.Before(t) {
		return false
	}
	if len(r.last) > 10_000 {
		// Forget what is out of the window; bounded over months.
		for key, t := range r.last {
			if now.Sub(t) >= repeatWindow {
				delete(r.last, key)
			}
		}
	}
	r.last[k] = now
	return true
}

// oncePerMember wraps a command's handler: in a group, the same member's
// same command (name covers its aliases: /charte and /charter) is answered
// once per repeatWindow; private chats are answered every time, as they
// slow no one else.
func (b *Bot) oncePerMember(name string, next tele.HandlerFunc) tele.HandlerFunc {
	return func(c tele.Context) error {
		chat, who := c.Chat(), c.Sender()
		if chat == nil || who == nil || chat.Type == tele.ChatPrivate {
			return next(c)
		}
		if !b.repeats.first(repeatKey{chat: chat.ID, user: who.ID, command: name}, b.now()) {
			b.log.Info("repeated group command not answered again", "update_id", c.Update().ID, "command", name, "user_id", who.ID)
			return nil
		}
		return next(c)
	}
}
