package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/callqa/callqa/internal/atomicfile"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/lexicon/lexcheck"
	"github.com/callqa/callqa/pipeline"
)

// errChecksFailed ends a lexicon test or lint that found problems (exit 1).
var errChecksFailed = errors.New("checks failed")

func newLexiconCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lexicon",
		Short: "Test and lint rule files: the CI gate for lexicon changes",
	}
	cmd.AddCommand(newLexiconTestCommand(), newLexiconLintCommand(), newLexiconEvalCommand(), newLexiconTrainCommand())
	return cmd
}

// lexiconFlag is the --lexicon flag shared by the lexicon commands and run.
const lexiconFlagHelp = `lexicon YAML file; repeat to layer files in order ("default" is the embedded zh-CN lexicon, also layered below a file that says "extends: default"; none: the default alone)`

// loadLexicon loads the --lexicon files and says on stderr what the user
// should know about how they were layered (a file that replaces the
// default).
func loadLexicon(stderr io.Writer, files []string) (*lexicon.Lexicon, error) {
	lex, err := lexicon.Load(files...)
	if err != nil {
		return nil, err
	}
	for _, n := range lex.Notes {
		fmt.Fprintf(stderr, "callqa: note: %s\n", n)
	}
	return lex, nil
}

func newLexiconTestCommand() *cobra.Command {
	var files []string
	var junit string
	cmd := &cobra.Command{
		Use:   "test [SAMPLES...]",
		Short: "Run every rule's examples and the sample calls that carry expected hits",
		Long: `Test runs every example sentence of every rule ("match" sentences must match
the rule, "no_match" ones must not) and, for each call in SAMPLES with a
NAME.expect.yaml file beside it, compares the hits, score and verdict:

  hits:
    - {rule: banned.shirking, segment: 2, matched: 这事我管不了}
    - {rule: opening.greeting}
  score: 70
  passed: false

It prints each failure and exits 1 when there is any.`,
		Example: `  callqa lexicon test
  callqa lexicon test --lexicon default --lexicon team.yaml testdata/calls --junit lexicon.xml`,
		RunE: func(cmd *cobra.Command, samples []string) error {
			return runLexiconTest(cmd.OutOrStdout(), cmd.ErrOrStderr(), files, samples, junit)
		},
	}
	cmd.Flags().StringArrayVar(&files, "lexicon", nil, lexiconFlagHelp)
	cmd.Flags().StringVar(&junit, "junit", "", "also write the results as JUnit XML to this file")
	return cmd
}

func runLexiconTest(out, stderr io.Writer, files, samples []string, junit string) error {
	lex, err := loadLexicon(stderr, files)
	if err != nil {
		return err
	}
	engine, err := pipeline.New(pipeline.Config{Lexicon: lex})
	if err != nil {
		return err
	}
	cases, err := lexcheck.Examples(lex, engine)
	if err != nil {
		return err
	}
	if len(samples) > 0 {
		calls, err := lexcheck.Calls(engine, samples)
		if err != nil {
			return err
		}
		cases = append(cases, calls...)
	}
	failed := 0
	for _, c := range cases {
		if c.Failure != "" {
			failed++
			fmt.Fprintf(out, "FAIL %s: %s\n", c.Suite, c.Failure)
		}
	}
	if junit != "" {
		if err := atomicfile.Write(junit, func(w io.Writer) error { return lexcheck.WriteJUnit(w, lex.ID(), cases) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "lexicon %s: %d passed, %d failed\n", lex.ID(), len(cases)-failed, failed)
	if failed > 0 {
		return errChecksFailed
	}
	return nil
}

func newLexiconLintCommand() *cobra.Command {
	var files []string
	cmd := &cobra.Command{
		Use:   "lint",
		Short: "Find rules that cannot work as written",
		Long: `Lint reports phrases that are only punctuation, exceptions that contain none
of their rule's phrases (they can never cancel a match), the same phrase in two
rules, phrases that cannot match inside a longer phrase of the lexicon (jieba
keeps lexicon phrases whole) and rules without examples. Duplicate ids, unknown
fields and empty rules are load errors. It exits 1 when there is an error;
warnings are advice.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lex, err := loadLexicon(cmd.ErrOrStderr(), files)
			if err != nil {
				return err
			}
			errs := 0
			for _, f := range lexcheck.Lint(lex) {
				if f.Severity == lexcheck.Error {
					errs++
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: rule %s: %s\n", f.Severity, f.Rule, f.Message)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lexicon %s: %d rules, %d errors\n", lex.ID(), len(lex.Rules), errs)
			if errs > 0 {
				return errChecksFailed
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&files, "lexicon", nil, lexiconFlagHelp)
	return cmd
}

// evalOptions are the flags of callqa lexicon eval.
type evalOptions struct {
	Lexicon []string
	JUnit   string
	Gates   lexcheck.Gates
	List    int
	LOSO    bool
}

func newLexiconEvalCommand() *cobra.Command {
	var opts evalOptions
	cmd := &cobra.Command{
		Use:   "eval CORPUS...",
		Short: "Measure the rules on labelled turns and calls: precision, recall and F1 per family and rule",
		Long: `Eval runs the lexicon over labelled material and says how right it is.

CORPUS is files of labelled turns and folders. A turns file is TSV, as a
spreadsheet exports it: a header with the columns speaker, text and expect
(any order; context, source and note are optional, other columns ignored),
then one turn a line:

  source	speaker	context	text	expect
  w1	agent		这事我管不了，你自己去营业厅问吧	shirking
  w1	agent	你们又乱扣我钱了！	嗯	dismissive
  w1	agent	我的手机号是13800001234	嗯	none

expect is a family of forbidden phrasing (a rule category: shirking,
talking_down, blaming, impatience, confrontation, refusal, dont_know,
dismissive, over_promising, abuse, or a team's own) or none. context is the
customer's turn just before, which the reply is judged with; source is who
wrote the turn (default: the file's name). A .jsonl file holds the same as
{"speaker": ..., "text": ..., "expect": ...} a line. A reviewers' verdict
file (columns call_id, rule_id, segment_index, speaker, context, text,
verdict, family; see the README) is read as labelled turns too: right is the
hit's family, wrong is none, missed is the family named. Folders are
searched for such files and for calls (NAME.json and the like) with a
NAME.expect.yaml that labels them:

  greeting: true        # the agent opened the call properly
  closing: false        # ... and did not close it properly
  banned: [shirking]    # the families the agent said

It prints precision, recall and F1 per family, for all forbidden phrasing
and per source, false alarms per 1,000 agent turns, each rule's hits and how
many were right, the reviewers' verdicts per rule, the greeting and closing
verdicts against the labels, and every miss and false alarm with its words.
With turns from two or more sources and a lexicon with similar rules, it
also measures leave one source out: each source judged by the rules and a
model trained (thresholds included) on the other sources alone — the
figures to trust, since the model has seen the turns it is measured on
otherwise. With the gates it exits 1 when the lexicon falls below.`,
		Example: `  callqa lexicon eval testdata/lexicon
  callqa lexicon eval testdata/lexicon --min-loso-precision 0.95 --min-loso-recall 0.8 --min-family-recall 0.65
  callqa lexicon eval --lexicon default --lexicon team.yaml verdicts.tsv calls/ --min-precision 0.97 --min-recall 0.9 --junit eval.xml`,
		Args: cobra.MinimumNArgs(1),
		PreRunE: func(*cobra.Command, []string) error {
			g := opts.Gates
			for _, g := range []float64{g.Precision, g.Recall, g.Verdicts, g.LOSOPrecision, g.LOSORecall, g.FamilyRecall} {
				if g < 0 || g > 1 {
					return usageError{fmt.Errorf("gates are shares from 0 to 1, not %g", g)}
				}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, corpus []string) error {
			return runLexiconEval(cmd.OutOrStdout(), cmd.ErrOrStderr(), opts, corpus)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.Lexicon, "lexicon", nil, lexiconFlagHelp)
	f.StringVar(&opts.JUnit, "junit", "", "also write the gates, misses and false alarms as JUnit XML to this file")
	f.Float64Var(&opts.Gates.Precision, "min-precision", 0, "exit 1 when the precision of finding forbidden phrasing is below this (0 to 1)")
	f.Float64Var(&opts.Gates.Recall, "min-recall", 0, "exit 1 when the recall of finding forbidden phrasing is below this (0 to 1)")
	f.Float64Var(&opts.Gates.Verdicts, "min-verdicts", 0, "exit 1 when the share of labelled calls whose greeting, or closing, is judged right is below this (0 to 1)")
	f.Float64Var(&opts.Gates.LOSOPrecision, "min-loso-precision", 0, "exit 1 when the precision left one source out is below this (0 to 1)")
	f.Float64Var(&opts.Gates.LOSORecall, "min-loso-recall", 0, "exit 1 when the recall left one source out is below this (0 to 1)")
	f.Float64Var(&opts.Gates.FamilyRecall, "min-family-recall", 0, "exit 1 when any family's recall (left one source out when measured) is below this (0 to 1)")
	f.IntVar(&opts.List, "list", 50, "misses and false alarms to list, each (-1: all)")
	f.BoolVar(&opts.LOSO, "loso", true, "also measure leave one source out: the similarity model trained without each source of turns in turn, measured on it")
	return cmd
}

func runLexiconEval(out, stderr io.Writer, opts evalOptions, corpus []string) error {
	lex, err := loadLexicon(stderr, opts.Lexicon)
	if err != nil {
		return err
	}
	engine, err := pipeline.New(pipeline.Config{Lexicon: lex})
	if err != nil {
		return err
	}
	ev, err := lexcheck.Evaluate(engine, corpus, opts.LOSO)
	if err != nil {
		return err
	}
	if err := ev.WriteText(out, engine.LexiconVersion(), opts.List); err != nil {
		return err
	}
	cases := ev.Cases(opts.Gates)
	if opts.JUnit != "" {
		if err := atomicfile.Write(opts.JUnit, func(w io.Writer) error { return lexcheck.WriteJUnit(w, lex.ID(), cases) }); err != nil {
			return err
		}
	}
	failed := false
	for _, c := range cases {
		if c.Suite == "eval gates" && c.Failure != "" {
			fmt.Fprintf(out, "FAIL %s\n", c.Failure)
			failed = true
		}
	}
	if failed {
		return errChecksFailed
	}
	return nil
}

func newLexiconTrainCommand() *cobra.Command {
	var (
		files     []string
		output    string
		precision float64
	)
	cmd := &cobra.Command{
		Use:   "train CORPUS... -o MODEL",
		Short: "Build the similarity model from labelled turns",
		Long: `Train fits the similarity model (a linear classifier on character n-grams
of a turn and of the customer's turn before it) on the labelled agent turns
of CORPUS (files and folders, as lexicon eval reads them), for the lexicon's
families, and writes it to MODEL. Each family's threshold is chosen on turns
held out of training, by source, to reach --precision; a family that cannot
reach it gets no threshold and never hits. The same corpus gives the same
file, byte for byte. Name the file in the lexicon (model: MODEL) and turn a
family on with a rule of kind similar.`,
		Example: `  callqa lexicon train testdata/lexicon -o lexicon/default.model
  callqa lexicon train --lexicon team.yaml testdata/lexicon reviewed.tsv -o team.model`,
		Args: cobra.MinimumNArgs(1),
		PreRunE: func(*cobra.Command, []string) error {
			if output == "" {
				return usageError{errors.New("-o MODEL is required")}
			}
			if precision <= 0 || precision > 1 {
				return usageError{fmt.Errorf("--precision is a share above 0 and at most 1, not %g", precision)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, corpus []string) error {
			lex, err := loadLexicon(cmd.ErrOrStderr(), files)
			if err != nil {
				return err
			}
			engine, err := pipeline.New(pipeline.Config{Lexicon: lex, ExactOnly: true})
			if err != nil {
				return err
			}
			m, err := lexcheck.Train(engine, corpus, precision)
			if err != nil {
				return err
			}
			if err := atomicfile.Write(output, func(w io.Writer) error { _, err := w.Write(m.Encode()); return err }); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: model %s for %s, thresholds %s\n", output, m.Hash(), m.Lexicon, m.DescribeThresholds())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&files, "lexicon", nil, lexiconFlagHelp)
	f.StringVarP(&output, "output", "o", "", "write the model to this file")
	f.Float64Var(&precision, "precision", lexcheck.DefaultPrecision, "the precision each family's threshold must reach on held-out turns")
	return cmd
}
