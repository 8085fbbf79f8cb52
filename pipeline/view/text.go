package view

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/stage/score"
)

// WriteText writes a call explained as text: what it is, its measures and
// warnings, every hit with its time, speaker and evidence, and what each
// rule cost.
func WriteText(w io.Writer, c *pipeline.Call, lex *lexicon.Lexicon) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "call\t%s\n", c.Source.ID)
	for _, f := range About(c) {
		fmt.Fprintf(tw, "%s\t%s\n", f.Label, f.Value)
	}
	if c.Failed() {
		fmt.Fprintf(tw, "error\t%s\n", c.Err)
		return tw.Flush()
	}
	fmt.Fprintln(tw, "\nmeasures")
	for _, f := range Measures(c) {
		fmt.Fprintf(tw, "  %s\t%s\n", f.Label, f.Value)
	}
	for _, warn := range c.Warnings {
		fmt.Fprintf(tw, "  warning\t%s\n", warn)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nhits (%d)\n", len(c.Card.Hits))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, h := range c.Card.Hits {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", When(h), h.Speaker, h.RuleID, Evidence(h, c.Transcript), ascii(Points(h.Penalty)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if !c.Scored() {
		_, err := fmt.Fprintln(w, "\nscore: none (no transcript: the required phrases could not be checked)")
		return err
	}
	fmt.Fprintln(w, "\nscore")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  %d\tfull marks\n", score.Full)
	for _, b := range score.Breakdown(c.Card.Hits, lex) {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", ascii(Points(b.Points)), b.RuleID, b.Note())
	}
	fmt.Fprintf(tw, "  = %g\t%s (pass mark %g)\n", c.Card.Score, Verdict(c), lex.Settings.PassMark)
	return tw.Flush()
}

// ascii writes a deduction with the ASCII minus of a terminal: "-5", "0".
func ascii(points string) string { return strings.Replace(points, "−", "-", 1) }
