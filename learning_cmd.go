package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/store"
)

// learningCmd shows, or with --reset clears, what the screening filter has
// learned from this deployment's moderators' decisions.
func learningCmd(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("entrepairs learning", flag.ContinueOnError)
	flags.SetOutput(stderr)
	cfgPath := flags.String("config", envOr("ENTREPAIRS_CONFIG", "config.yaml"), "configuration file (for storage.path and storage.key_file) (env ENTREPAIRS_CONFIG)")
	reset := flags.Bool("reset", false, "forget everything learned from decisions (the bot must be stopped)")
	if err := flags.Parse(args); err != nil {
		return parseExit(err)
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "entrepairs learning: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return exitInvalid
	}
	cfg, code := storageConfig("learning", *cfgPath, stderr)
	if cfg == nil {
		return code
	}
	if !*reset {
		line, err := learningState(cfg)
		if err != nil {
			fmt.Fprintln(stderr, "entrepairs learning:", err)
			return exitFailure
		}
		fmt.Fprintln(stdout, line)
		return exitOK
	}
	if _, err := os.Stat(cfg.Storage.Path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "entrepairs learning: no data file at %s: nothing to reset\n", cfg.Storage.Path)
		return exitFailure
	}
	st, err := store.Open(cfg.Storage.Path, store.Options{Timeout: time.Second})
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "entrepairs learning: %s is in use: stop the bot, then run --reset again\n", cfg.Storage.Path)
		return exitFailure
	}
	if err != nil {
		fmt.Fprintln(stderr, "entrepairs learning:", err)
		return exitFailure
	}
	defer st.Close()
	if err := st.ResetLearning(); err != nil {
		fmt.Fprintln(stderr, "entrepairs learning:", err)
		return exitFailure
	}
	fmt.Fprintln(stdout, "learning: reset; the filter screens as shipped until moderators decide again")
	return exitOK
}

// learningState says in one line what was learned from decisions, for
// `learning` and `check`. It only reads.
func learningState(cfg *config.Config) (string, error) {
	if _, err := os.Stat(cfg.Storage.Path); errors.Is(err, fs.ErrNotExist) {
		return "learning: nothing yet (no data file)", nil
	}
	key, err := os.ReadFile(cfg.Storage.KeyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("learning: off until the bot creates its key file %s at start", cfg.Storage.KeyFile), nil
	}
	if err != nil {
		return "", fmt.Errorf("key file: %w", err)
	}
	st, err := store.OpenReadOnly(cfg.Storage.Path, store.Options{Timeout: 200 * time.Millisecond, Key: key})
	if errors.Is(err, store.ErrLocked) {
		return "learning: the bot is running (its /stats shows the decisions learned)", nil
	}
	if err != nil {
		return "", err
	}
	defer st.Close()
	cells, n, err := st.Learned()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("learning: %d decision(s) learned, %d cell(s) in force (a cell counts after %d decisions; at most ±%.0f on a message's logit)",
		n, moderation.NewAdjustments(cells).Cells(), moderation.MinDecisions, moderation.MaxShift), nil
}
