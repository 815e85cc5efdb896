package app

import (
	"context"
	"io"
	"log/slog"

	"github.com/entrepairs/entrepairs/secret"
)

// newLogger builds the process logger. Every record passes through
// redact (the bot token, the webhook secret), so a secret
// cannot reach the log even when a library quotes a request URL in an error.
func newLogger(w io.Writer, level, format string, secrets ...string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(redact{Handler: h, secrets: secrets})
}

// redact masks the secrets, and anything shaped like a bot token, in
// messages and attribute values, with the program's one masker.
type redact struct {
	slog.Handler
	secrets []string
}

func (r redact) clean(s string) string { return secret.Mask(s, "", r.secrets...) }

func (r redact) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, r.clean(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.Handler.Handle(ctx, out)
}

func (r redact) attr(a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, r.clean(a.Value.String()))
	case slog.KindGroup:
		attrs := a.Value.Group()
		clean := make([]any, len(attrs))
		for i, sub := range attrs {
			clean[i] = r.attr(sub)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, r.clean(err.Error()))
		}
		return slog.String(a.Key, r.clean(a.Value.Resolve().String()))
	default:
		return a
	}
}

func (r redact) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = r.attr(a)
	}
	return redact{Handler: r.Handler.WithAttrs(clean), secrets: r.secrets}
}

func (r redact) WithGroup(name string) slog.Handler {
	return redact{Handler: r.Handler.WithGroup(name), secrets: r.secrets}
}
