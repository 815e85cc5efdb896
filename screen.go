package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/files"
	"github.com/entrepairs/entrepairs/moderation"
)

// verdictLine is one output line of `entrepairs screen`.
type verdictLine struct {
	ID      string   `json:"id"`
	Flag    bool     `json:"flag"`
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

// screenCmd lets admins try the screening rules on their own history before
// going live: JSON Lines {"id","text"} on standard input, or a Telegram
// Desktop export with --export; one verdict line per message on standard
// output, in order.
func screenCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("entrepairs screen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", envOr("ENTREPAIRS_CONFIG", "config.yaml"), "configuration file (for moderation.lexicon and moderation.threshold)")
	export := fs.String("export", "", "a Telegram Desktop chat export (result.json) to screen instead of standard input")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	screener, err := screenerFor(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "entrepairs screen:", err)
		return exitInvalid
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	if *export != "" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		emit := func(id, text string) bool {
			v := screener.Screen(text, moderation.Context{Kind: moderation.Message})
			_ = enc.Encode(verdictOf(id, v))
			return v.Flag
		}
		return screenExport(*export, emit, stderr)
	}
	if err := screenLines(stdin, out, stderr, screener); err != nil {
		fmt.Fprintln(stderr, "entrepairs screen: reading standard input:", err)
		return exitFailure
	}
	return exitOK
}

func verdictOf(id string, v moderation.Verdict) verdictLine {
	line := verdictLine{ID: id, Flag: v.Flag, Score: round3(v.Score), Reasons: make([]string, 0, len(v.Reasons))}
	for _, r := range v.Reasons {
		if r.Evidence != "" {
			line.Reasons = append(line.Reasons, r.Code+": "+r.Evidence)
		} else {
			line.Reasons = append(line.Reasons, r.Code)
		}
	}
	return line
}

// screenBatch is how many lines one worker screens at a time.
const screenBatch = 512

// batch is a run of input lines and, once screened, their output.
type batch struct {
	first int             // number of the first line
	text  strings.Builder // the lines, one after the other: one string, not one per line
	ends  []int           // where each line ends in text
	out   []byte          // verdicts, one JSON line each (from outBuffers)
	errs  bytes.Buffer    // "line N: skipped: ..." for standard error
	done  chan struct{}
}

// outBuffers recycles the batches' output once written.
var outBuffers = sync.Pool{New: func() any { return new([]byte) }}

// screenLines screens JSON Lines {"id", "text"} from in, one verdict line
// each on out, in input order; lines that are not such objects are
// reported on stderr with their number and skipped. Batches of lines are
// screened on every core at once: a large history goes as fast as the
// machine allows.
func screenLines(in io.Reader, out, stderr io.Writer, screener *moderation.Screener) error {
	work := make(chan *batch, runtime.GOMAXPROCS(0))
	ordered := make(chan *batch, 2*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				b.screen(screener)
				close(b.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		n := 0
		b := &batch{first: 1, done: make(chan struct{})}
		flush := func() {
			ordered <- b
			work <- b
		}
		for sc.Scan() {
			n++
			b.text.Write(sc.Bytes())
			b.ends = append(b.ends, b.text.Len())
			if len(b.ends) == screenBatch {
				flush()
				b = &batch{first: n + 1, done: make(chan struct{})}
			}
		}
		if len(b.ends) > 0 {
			flush()
		}
		readErr <- sc.Err()
	}()
	for b := range ordered {
		<-b.done
		_, _ = out.Write(b.out)
		p := outBuffers.Get().(*[]byte)
		*p = b.out[:0]
		outBuffers.Put(p)
		_, _ = stderr.Write(b.errs.Bytes())
	}
	wg.Wait()
	return <-readErr
}

// errNoText reports a JSON object without a "text" string.
var errNoText = errors.New(`no "text" field`)

// screen decodes, screens and encodes the batch's lines.
func (b *batch) screen(screener *moderation.Screener) {
	p := outBuffers.Get().(*[]byte)
	out := *p
	*p = nil
	outBuffers.Put(p)
	lines, start := b.text.String(), 0
	for i, end := range b.ends {
		line := lines[start:end]
		start = end
		raw := strings.TrimSpace(line)
		if raw == "" {
			continue
		}
		id, text, _, err := decodeLine(raw)
		if err != nil {
			fmt.Fprintf(&b.errs, "line %d: skipped: %v\n", b.first+i, err)
			continue
		}
		out = appendVerdictOf(out, id, screener.Screen(text, moderation.Context{Kind: moderation.Message}))
	}
	b.out = out
}

// screenerFor builds the screener the bot would use with this
// configuration. Only the screening keys matter here: the tool is used
// before the bot is set up, so a missing token is not a problem.
func screenerFor(path string) (*moderation.Screener, error) {
	threshold, lexicon := 0.0, ""
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			cfg, problems, err := config.Load(path)
			if err != nil {
				return nil, err
			}
			for _, p := range problems {
				if strings.HasPrefix(p.Key, "moderation.threshold") || strings.HasPrefix(p.Key, "moderation.lexicon") {
					return nil, errors.New(p.String())
				}
			}
			threshold, lexicon = cfg.Moderation.Threshold, cfg.Moderation.Lexicon
		}
	}
	lex, err := files.LoadLexicon(lexicon)
	if err != nil {
		return nil, err
	}
	return moderation.NewScreener(lex, threshold), nil
}

// screenExport reads a Telegram Desktop export: {"messages": [...]}, where
// a message's text is a string or an array of strings and entity objects,
// and service messages are skipped.
func screenExport(path string, emit func(id, text string) bool, stderr io.Writer) int {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(stderr, "entrepairs screen:", err)
		return exitInvalid
	}
	defer f.Close()
	var export struct {
		Name     string `json:"name"`
		Messages *[]struct {
			ID   json.RawMessage `json:"id"`
			Type string          `json:"type"`
			Text json.RawMessage `json:"text"`
		} `json:"messages"`
	}
	err = json.NewDecoder(f).Decode(&export)
	if err == nil && export.Messages == nil {
		err = errors.New(`no "messages" list`)
	}
	if err != nil {
		fmt.Fprintf(stderr, "entrepairs screen: %s is not a Telegram Desktop JSON export: %v\n", path, err)
		return exitInvalid
	}
	messages := *export.Messages
	total, screened, skipped, flagged := len(messages), 0, 0, 0
	for _, m := range messages {
		if m.Type != "message" {
			skipped++
			continue
		}
		text := exportText(m.Text)
		if strings.TrimSpace(text) == "" {
			skipped++
			continue
		}
		screened++
		if emit(idString(m.ID), text) {
			flagged++
		}
	}
	fmt.Fprintf(stderr, "%s: %d messages, %d screened, %d skipped (service or no text), %d flagged (%.1f %%)\n",
		path, total, screened, skipped, flagged, percent(flagged, screened))
	return exitOK
}

func percent(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// exportText flattens a Telegram Desktop "text": a string, or an array of
// strings and {"type": ..., "text": ...} entities.
func exportText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range parts {
		var str string
		if json.Unmarshal(p, &str) == nil {
			b.WriteString(str)
			continue
		}
		var ent struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(p, &ent) == nil {
			b.WriteString(ent.Text)
		}
	}
	return b.String()
}

// idString keeps an id as written: a JSON string unquoted, a number as is.
func idString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

func round3(x float64) float64 {
	return float64(int(x*1000+0.5)) / 1000
}
