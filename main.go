// Command entrepairs is a Telegram bot that keeps a peer self-support group
// safe: charter-gated admission approved by moderators, and more.
//
// Usage:
//
//	entrepairs [run] [--config config.yaml]   run the bot (default)
//	entrepairs check [--config config.yaml]   validate configuration and files
//	entrepairs screen [--config config.yaml] [--export result.json]
//	                                          try the screening rules on JSON Lines or a chat export
//	entrepairs stats [--config config.yaml] [--csv]
//	                                          weekly activity counts, for reports to funders
//	entrepairs learning [--config config.yaml] [--reset]
//	                                          what the filter learned from moderators' decisions
//	entrepairs health [--config config.yaml]  ask the running bot's health endpoint (for HEALTHCHECK)
//	entrepairs version                        print the version
//	entrepairs demo [--listen addr] [--data dir] [--config config.yaml]
//	                                          try the bot in a browser, no token needed
//	entrepairs help                           list the commands
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/entrepairs/entrepairs/app"

	// Embedded time-zone data: the configured timezone works even on a host
	// or image without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	os.Exit(cli(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitInvalid = 2 // bad usage or invalid configuration
)

// cli runs one subcommand and returns the process exit code.
func cli(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd == "screen" {
		return screenCmd(args, stdin, stdout, stderr)
	}
	if cmd == "learning" {
		return learningCmd(args, stdout, stderr)
	}
	if cmd == "stats" {
		return statsCmd(args, stdout, stderr)
	}
	if cmd == "demo" {
		return demoCmd(args, stdout, stderr)
	}
	if cmd == "help" {
		return help(stdout)
	}
	fs := flag.NewFlagSet("entrepairs "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", envOr("ENTREPAIRS_CONFIG", "config.yaml"), "configuration file (env ENTREPAIRS_CONFIG)")
	if err := fs.Parse(args); err != nil {
		if cmd == "run" && errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr)
			help(stderr)
		}
		return parseExit(err)
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "entrepairs", version)
		return exitOK
	case "check":
		return check(*cfgPath, stdout, stderr)
	case "health":
		return health(*cfgPath, stdout, stderr)
	case "run":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		m := app.NewMain(*cfgPath)
		if err := m.Open(); err != nil {
			var invalid *app.InvalidConfigError
			if errors.As(err, &invalid) {
				for _, p := range invalid.Problems {
					fmt.Fprintln(stderr, p)
				}
				return exitInvalid
			}
			fmt.Fprintln(stderr, "entrepairs:", err)
			return exitFailure
		}
		err := m.Run(ctx)
		if cerr := m.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintln(stderr, "entrepairs:", err)
			return exitFailure
		}
		return exitOK
	default:
		fmt.Fprintf(stderr, "entrepairs: unknown command %q (entrepairs help lists them)\n", cmd)
		return exitInvalid
	}
}

// check validates the configuration and every file it refers to, printing
// one line per problem (file and key), and returns 0 when all is valid, 2
// otherwise. It never contacts Telegram.
func check(path string, stdout, stderr io.Writer) int {
	cfg, problems, err := app.Check(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	if len(problems) > 0 {
		return exitInvalid
	}
	fmt.Fprintf(stdout, "%s: configuration valid (%d group(s))\n", app.DisplayPath(cfg), len(cfg.Groups))
	notes, err := app.CheckInNotes(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	for _, n := range notes {
		fmt.Fprintln(stdout, n)
	}
	if line, err := learningState(cfg); err == nil {
		fmt.Fprintln(stdout, line)
	} else {
		fmt.Fprintln(stderr, "learning:", err)
	}
	return exitOK
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
