package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/callqa/callqa/internal/htmlreport"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/discover"
	"github.com/callqa/callqa/pipeline/score"
)

func newInspectCommand() *cobra.Command {
	var opts engineOptions
	var htmlFile string
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Explain one call: its measures, every hit with time and words, and the score breakdown",
		Long: `Inspect processes one call — FILE is its recording or its transcript; the other
file with the same stem in the same folder is found — and prints what callqa
measured, every hit with its time, speaker and words, and which rule cost how
many points. With --html it also writes one self-contained page (no network
needed) with a zoomable timeline of who spoke when, the silences, dead air and
overtalk, a marker for every hit, the transcript with the hits marked and the
score breakdown. It exits 3 when the call cannot be processed.`,
		Example: `  callqa inspect testdata/calls/banned-phrase.wav
  callqa inspect testdata/calls/banned-phrase.wav --html banned-phrase.html
  callqa inspect /data/calls/20261121-0001.json --lexicon default --lexicon team.yaml`,
		Args:    cobra.ExactArgs(1),
		PreRunE: func(*cobra.Command, []string) error { return opts.validate() },
		RunE: func(cmd *cobra.Command, args []string) error {
			engine, lex, err := opts.engine(runtime.GOMAXPROCS(0) > 1)
			if err != nil {
				return err
			}
			call, err := findCall(args[0])
			if err != nil {
				return err
			}
			x := engine.Explain(call)
			explain(cmd.OutOrStdout(), x.Result, lex)
			if htmlFile != "" {
				err := htmlreport.WriteFile(htmlFile, func(w io.Writer) error {
					return htmlreport.WriteCall(w, x, lex, htmlreport.CallOptions{})
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "callqa: wrote %s\n", htmlFile)
			}
			if x.Failed() {
				return errCallsFailed
			}
			return nil
		},
	}
	opts.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&htmlFile, "html", "", "also write the call as a self-contained HTML page to this file")
	return cmd
}

// findCall finds the call a file belongs to: its siblings with the same stem.
func findCall(file string) (discover.Call, error) {
	stem := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	siblings, err := filepath.Glob(filepath.Join(filepath.Dir(file), globEscape(stem)+".*"))
	if err != nil {
		return discover.Call{}, err
	}
	if !slices.Contains(siblings, file) {
		siblings = append(siblings, file) // a missing file: Find reports it
	}
	var files []string
	for _, s := range siblings {
		switch strings.ToLower(filepath.Ext(s)) {
		case ".wav", ".json", ".txt", ".srt", ".vtt":
			files = append(files, s)
		}
	}
	calls, err := discover.Find(files)
	if err != nil {
		return discover.Call{}, err
	}
	if len(calls) != 1 {
		return discover.Call{}, fmt.Errorf("%s: %d calls found, inspect explains one", file, len(calls))
	}
	return calls[0], nil
}

// globEscape keeps a file name's glob characters literal.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`).Replace(s)
}

// explain writes a call's report.
func explain(w io.Writer, r pipeline.Result, lex *lexicon.Lexicon) {
	c := r.Call
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "call\t%s\n", c.CallID)
	fmt.Fprintf(tw, "audio\t%s\n", orNone(c.AudioPath))
	fmt.Fprintf(tw, "transcript\t%s\n", orNone(c.TranscriptPath))
	if c.AgentID != nil || c.Team != nil {
		fmt.Fprintf(tw, "agent\t%s (%s)\n", orNone(c.AgentID), orNone(c.Team))
	}
	fmt.Fprintf(tw, "lexicon\t%s\n", c.LexiconVersion)
	if c.Error != nil {
		fmt.Fprintf(tw, "error\t%s\n", *c.Error)
		tw.Flush()
		return
	}
	fmt.Fprintln(tw, "\nmeasures")
	if c.DurationS != nil {
		fmt.Fprintf(tw, "  recording\t%.1f s, %d Hz, %d channel(s)\n", *c.DurationS, *c.SampleRate, *c.Channels)
	}
	if c.AgentTalkS != nil {
		fmt.Fprintf(tw, "  talk\tagent %.1f s, customer %.1f s\n", *c.AgentTalkS, *c.CustomerTalkS)
	}
	if c.SilenceS != nil {
		fmt.Fprintf(tw, "  silence\t%.1f s (%.0f %%), longest %.1f s, median %.1f s, p90 %.1f s, dead air %d\n",
			*c.SilenceS, 100**c.SilenceRatio, *c.LongestSilenceS, *c.SilenceP50S, *c.SilenceP90S, *c.DeadAirCount)
	}
	if c.OvertalkS != nil {
		fmt.Fprintf(tw, "  overtalk\t%.1f s in %d episodes; interruptions by agent %d, by customer %d\n",
			*c.OvertalkS, *c.OvertalkCount, *c.InterruptionsByAgent, *c.InterruptionsByCustomer)
	}
	if c.ResponseLatencyP50S != nil {
		fmt.Fprintf(tw, "  answer latency\tmedian %.1f s, p90 %.1f s, max %.1f s\n", *c.ResponseLatencyP50S, *c.ResponseLatencyP90S, *c.ResponseLatencyMaxS)
	}
	if c.AgentSpeechRateCPM != nil {
		fmt.Fprintf(tw, "  speech rate\tagent %.0f, customer %s characters/min\n", *c.AgentSpeechRateCPM, number(c.CustomerSpeechRateCPM, "%.0f"))
	}
	if c.AgentSpeechDBFS != nil {
		fmt.Fprintf(tw, "  loudness\tagent %.1f dBFS, customer %s dBFS; clipped agent %.2f %%, customer %.2f %%\n",
			*c.AgentSpeechDBFS, number(c.CustomerSpeechDBFS, "%.1f"), 100**c.AgentClippingRatio, 100**c.CustomerClippingRatio)
	}
	for _, warn := range c.Warnings {
		fmt.Fprintf(tw, "  warning\t%s\n", warn)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nhits (%d)\n", len(r.Hits))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, h := range r.Hits {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t-%g\n", h.When(), h.Speaker, h.RuleID, h.Evidence(), h.Penalty)
	}
	tw.Flush()

	if c.Score == nil {
		fmt.Fprintln(w, "\nscore: none (no transcript: the required phrases could not be checked)")
		return
	}
	fmt.Fprintln(w, "\nscore")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  100\tfull marks\n")
	for _, b := range score.Breakdown(r.Hits, lex) {
		fmt.Fprintf(tw, "  -%g\t%s\t%s\n", b.Points, b.RuleID, b.Note())
	}
	verdict := "passed"
	if !*c.Passed {
		verdict = "failed"
	}
	fmt.Fprintf(tw, "  = %g\t%s (pass mark %g)\n", *c.Score, verdict, lex.Settings.PassMark)
	tw.Flush()
}

// number formats an optional value.
func number(p *float64, format string) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf(format, *p)
}

func orNone[T any](p *T) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprint(*p)
}
