package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/entrepairs/entrepairs/demo"
)

// shipped are the default charter and resources directory: the demo needs
// them in a binary copied anywhere, with no file beside it.
//
//go:embed charter.md charter.en.md resources.yaml
var shipped embed.FS

// commands lists the binary's commands with one line each, for help.
var commands = []struct{ name, line string }{
	{"demo", "try the bot in a browser: the real bot, a Telegram emulator, no token (--config to try your files)"},
	{"run", "run the bot (the default command)"},
	{"check", "validate the configuration, the charters, the resources and the lexicon"},
	{"screen", "try the screening rules on JSON Lines or a Telegram chat export"},
	{"stats", "weekly activity counts, for reports to funders (--csv)"},
	{"learning", "what the filter learned from moderators' decisions (--reset forgets it)"},
	{"health", "ask the running bot's health endpoint (for Docker's HEALTHCHECK)"},
	{"version", "print the version"},
	{"help", "this list; `entrepairs <command> -h` for a command's options"},
}

// help prints the commands, one line each.
func help(w io.Writer) int {
	fmt.Fprintln(w, "Usage: entrepairs <command> [options]")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.line)
	}
	return exitOK
}

// parseExit is the exit code for a flag parsing error: -h asked for the
// options (printed already), anything else is bad usage.
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitInvalid
}

// demoCmd runs the sandbox until Ctrl-C.
func demoCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("entrepairs demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", demo.DefaultListen, "address of the page (loopback only unless you mean otherwise: the page has no login)")
	data := fs.String("data", "", "keep the bot's data in this directory (default: a temporary one, removed at the end)")
	cfgPath := fs.String("config", "", "try this deployment's charters, resources, lexicon and check-ins (never its token or chat ids)")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "entrepairs demo: unexpected argument %q\n", fs.Arg(0))
		return exitInvalid
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := demo.Open(demo.Options{Listen: *listen, DataDir: *data, ConfigPath: *cfgPath, Shipped: shipped, LogOutput: stderr})
	if err != nil {
		fmt.Fprintln(stderr, "entrepairs:", err)
		return exitFailure
	}
	defer s.Close()
	if !s.Loopback() {
		fmt.Fprintf(stderr, "entrepairs demo: warning: the page at %s is reachable from other machines and has no login: anyone who reaches it can act as every person in it\n", *listen)
	}
	fmt.Fprintf(stdout, "entrepairs demo: open %s in your browser (Ctrl-C to stop)\n", s.URL)
	if *cfgPath != "" {
		fmt.Fprintf(stdout, "entrepairs demo: using the charters, resources and check-ins of %s: edit them, the page follows\n", *cfgPath)
	}
	if err := s.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "entrepairs:", err)
		return exitFailure
	}
	if err := s.Close(); err != nil {
		fmt.Fprintln(stderr, "entrepairs:", err)
		return exitFailure
	}
	fmt.Fprintln(stdout, "entrepairs demo: stopped")
	return exitOK
}
