package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/callqa/callqa/internal/atomicfile"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/sink"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/view/htmlview"
)

// reportOptions are the flags of callqa report.
type reportOptions struct {
	engineOptions
	HTML     string
	Calls    int
	Manifest string
}

func (o *reportOptions) AddFlags(f *pflag.FlagSet) {
	o.engineOptions.AddFlags(f)
	f.StringVar(&o.HTML, "html", "", "the HTML page to write (required)")
	f.IntVar(&o.Calls, "calls", 20, "how many of the worst calls to list, each with its own inspect page beside the report")
	f.StringVar(&o.Manifest, "manifest", "", "the run's manifest, so that the calls' pages are checked with its per-call agent_channel")
}

func (o *reportOptions) validate() error {
	switch {
	case o.HTML == "":
		return usageError{errors.New("report needs --html FILE")}
	case o.Calls < 0:
		return usageError{fmt.Errorf("--calls must be 0 or more, not %d", o.Calls)}
	}
	return o.engineOptions.validate()
}

func newReportCommand() *cobra.Command {
	var opts reportOptions
	cmd := &cobra.Command{
		Use:   "report DIR --html FILE",
		Short: "Sum up a run's Parquet output as one HTML page, with pages for the worst calls",
		Long: `Report reads the run in DIR: every shard's part, as its run manifest (run.json,
run-i-of-n.json) names and checks it; it says which run it read and which
shards are missing, and refuses a folder with files of two runs. It writes a
self-contained HTML page (no network needed): the score distribution and pass
rate, the top rules and categories, a table per agent and
per team, the dead-air and overtalk distributions, the calls that failed, and
the worst calls, each linked to its inspect page. Those pages are checked again
from the recordings and transcripts the rows name, with the lexicon given here,
and are written to the folder FILE-calls beside FILE; a page says so when its
call now gives other numbers than the stored row (give report the run's --lexicon,
--agent-channel and --manifest to check them as the run did).`,
		Example: `  callqa report out/demo --html out/demo/report.html
  callqa report /data/qa/day=2026-11-21 --html night.html --calls 50 --lexicon default --lexicon team.yaml`,
		Args:    cobra.ExactArgs(1),
		PreRunE: func(*cobra.Command, []string) error { return opts.validate() },
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd.Context(), cmd.ErrOrStderr(), opts, args[0])
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runReport(ctx context.Context, stderr io.Writer, opts reportOptions, dir string) error {
	set, calls, hits, err := sink.Read(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "callqa: reading %s: %s\n", dir, set)
	if len(set.Missing) > 0 {
		var missing []string
		for _, p := range set.Missing {
			missing = append(missing, p.String())
		}
		fmt.Fprintf(stderr, "callqa: warning: shards %s are missing (not run yet, or failed): this report covers %d of %d shards\n",
			strings.Join(missing, ", "), set.Count-len(set.Missing), set.Count)
	}
	for _, note := range set.Notes {
		fmt.Fprintf(stderr, "callqa: warning: %s\n", note)
	}
	manifest := map[string]source.Call{}
	if opts.Manifest != "" {
		listed, err := source.ReadManifest(opts.Manifest)
		if err != nil {
			return err
		}
		for _, c := range listed {
			if c.Err == nil {
				manifest[c.ID] = c
			}
		}
	}
	engine, lex, err := opts.engine(ctx, stderr, false, 0)
	if err != nil {
		return err
	}
	batch := htmlview.Summarize(calls, hits, opts.Calls)
	page := htmlview.BatchOptions{Source: dir, PassMark: lex.Settings.PassMark, Links: map[string]string{}}
	if len(batch.Worst) > 0 {
		pages := callPages{engine: engine, lex: lex, manifest: manifest, report: opts.HTML, hits: map[string][]sink.HitRow{}}
		for _, h := range hits {
			pages.hits[h.CallID] = append(pages.hits[h.CallID], h)
		}
		if err := pages.write(stderr, batch.Worst, &page); err != nil {
			return err
		}
	}
	err = atomicfile.Write(opts.HTML, func(w io.Writer) error { return htmlview.WriteBatch(w, batch, page) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "callqa: report of %d calls (%d failed) written to %s, with %d call pages\n",
		batch.Calls, batch.Failed, opts.HTML, len(page.Links))
	return nil
}

// callPages writes the pages of the calls a report lists, into the folder
// REPORT-calls beside the report.
type callPages struct {
	engine   *pipeline.Engine
	lex      *lexicon.Lexicon
	manifest map[string]source.Call
	report   string
	hits     map[string][]sink.HitRow // the stored hits of each call
}

// write checks each call again and writes its page; a call that cannot be
// checked (its files are gone, say) gets a note on the report instead.
func (p callPages) write(stderr io.Writer, rows []sink.CallRow, page *htmlview.BatchOptions) error {
	stem := strings.TrimSuffix(filepath.Base(p.report), filepath.Ext(p.report)) + "-calls"
	dir := filepath.Join(filepath.Dir(p.report), stem)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	back := "../" + url.PathEscape(filepath.Base(p.report))
	for _, row := range rows {
		call, ok := p.manifest[row.CallID]
		if !ok {
			call = callOf(row)
		}
		c := p.engine.Process(call)
		if c.Failed() {
			note := fmt.Sprintf("%s: no page: %s", row.CallID, c.Err)
			page.Notes = append(page.Notes, note)
			fmt.Fprintf(stderr, "callqa: warning: %s\n", note)
			continue
		}
		name := htmlview.PageName(row.CallID)
		opts := htmlview.CallOptions{Back: back, Notice: differences(row, p.hits[row.CallID], &c)}
		err := atomicfile.Write(filepath.Join(dir, name), func(w io.Writer) error {
			return htmlview.WriteCall(w, &c, p.lex, opts)
		})
		if err != nil {
			return err
		}
		page.Links[row.CallID] = url.PathEscape(stem) + "/" + name
	}
	return nil
}

// callOf is the call a stored row describes, to check it again.
func callOf(row sink.CallRow) source.Call {
	c := source.Call{ID: row.CallID, StartedAt: row.StartedAt}
	if row.AudioPath != nil {
		c.AudioPath = *row.AudioPath
	}
	if row.TranscriptPath != nil {
		c.TranscriptPath = *row.TranscriptPath
	}
	if row.AgentID != nil {
		c.AgentID = *row.AgentID
	}
	if row.Team != nil {
		c.Team = *row.Team
	}
	return c
}

// differences says how a call checked again differs from its stored row
// (another lexicon, another --agent-channel, changed files), or "".
func differences(stored sink.CallRow, storedHits []sink.HitRow, c *pipeline.Call) string {
	now, _ := sink.Rows(c) // compared as stored
	var diffs []string
	if stored.LexiconVersion != now.LexiconVersion {
		diffs = append(diffs, fmt.Sprintf("the run used lexicon %s, this page %s", stored.LexiconVersion, now.LexiconVersion))
	}
	if show(stored.Score) != show(now.Score) {
		diffs = append(diffs, fmt.Sprintf("the run scored it %s, this page %s", show(stored.Score), show(now.Score)))
	}
	if len(storedHits) != len(c.Card.Hits) {
		diffs = append(diffs, fmt.Sprintf("the run found %d hits, this page %d", len(storedHits), len(c.Card.Hits)))
	}
	if show(stored.AgentTalkS) != show(now.AgentTalkS) || show(stored.CustomerTalkS) != show(now.CustomerTalkS) {
		diffs = append(diffs, fmt.Sprintf("the run measured agent and customer talk as %s and %s s, this page %s and %s s (another agent channel?)",
			show(stored.AgentTalkS), show(stored.CustomerTalkS), show(now.AgentTalkS), show(now.CustomerTalkS)))
	}
	if len(diffs) == 0 {
		return ""
	}
	return "Checked again for this page, and it differs from the run's row: " + strings.Join(diffs, "; ") + "."
}

func show(p *float64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%.1f", *p)
}
