package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/stats"
	"github.com/entrepairs/entrepairs/store"
)

// tableWeeks is how many recent weeks the readable table shows; the CSV has
// them all.
const tableWeeks = 8

// statsCmd prints the weekly activity counts since the first week counted,
// quiet weeks included: a CSV for the association's reports to funders, or
// a table to read. It only reads the data file.
func statsCmd(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("entrepairs stats", flag.ContinueOnError)
	flags.SetOutput(stderr)
	cfgPath := flags.String("config", envOr("ENTREPAIRS_CONFIG", "config.yaml"), "configuration file (for storage.path) (env ENTREPAIRS_CONFIG)")
	asCSV := flags.Bool("csv", false, "print CSV: a header week,<counter names> and one line per week")
	if err := flags.Parse(args); err != nil {
		return parseExit(err)
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "entrepairs stats: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return exitInvalid
	}
	cfg, code := storageConfig("stats", *cfgPath, stderr)
	if cfg == nil {
		return code
	}
	st, err := store.OpenReadOnly(cfg.Storage.Path, store.Options{Timeout: time.Second})
	switch {
	case errors.Is(err, store.ErrLocked):
		fmt.Fprintf(stderr, "entrepairs stats: %s is in use: the bot is running: stop it or copy the data file (see README, Backing up) and run stats on the copy (set storage.path, or ENTREPAIRS_STORAGE_PATH, to the copy)\n", cfg.Storage.Path)
		return exitFailure
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stderr, "entrepairs stats: no data file at %s: has the bot run with this configuration yet?\n", cfg.Storage.Path)
		return exitFailure
	case err != nil:
		fmt.Fprintln(stderr, "entrepairs stats:", err)
		return exitFailure
	}
	defer st.Close()
	weeks, names, counts, err := stats.Weekly(st)
	if err != nil {
		fmt.Fprintln(stderr, "entrepairs stats:", err)
		return exitFailure
	}
	if *asCSV {
		err = stats.WriteCSV(stdout, weeks, names, counts)
	} else {
		err = writeStatsTable(stdout, weeks, names, counts)
	}
	if err != nil {
		fmt.Fprintln(stderr, "entrepairs stats:", err)
		return exitFailure
	}
	return exitOK
}

// writeStatsTable prints one line per counter and one column per week, the
// most recent weeks only: it is for reading on a terminal.
func writeStatsTable(w io.Writer, weeks, names []string, counts []map[string]uint64) error {
	if len(weeks) == 0 {
		_, err := fmt.Fprintln(w, "No activity counted yet.")
		return err
	}
	from := max(0, len(weeks)-tableWeeks)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "counter\t")
	for _, week := range weeks[from:] {
		fmt.Fprint(tw, week, "\t")
	}
	fmt.Fprintln(tw)
	for _, n := range names {
		fmt.Fprint(tw, n, "\t")
		for i := from; i < len(weeks); i++ {
			fmt.Fprint(tw, counts[i][n], "\t")
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if from > 0 {
		_, err := fmt.Fprintf(w, "\nThe last %d of %d weeks; --csv prints them all.\n", tableWeeks, len(weeks))
		return err
	}
	return nil
}

// storageConfig loads the configuration for a tool that only reads or
// clears the data file (stats, learning): only the storage settings must be
// valid, since the tool may run on a machine without the token. On a
// problem it prints it and returns nil with the exit code.
func storageConfig(tool, path string, stderr io.Writer) (*config.Config, int) {
	cfg, problems, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "entrepairs %s: %v\n", tool, err)
		return nil, exitInvalid
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Key, "storage") {
			fmt.Fprintln(stderr, p)
			return nil, exitInvalid
		}
	}
	return cfg, exitOK
}
