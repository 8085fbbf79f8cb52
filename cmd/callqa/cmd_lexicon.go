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
	cmd.AddCommand(newLexiconTestCommand(), newLexiconLintCommand(), newLexiconEvalCommand())
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
}

func newLexiconEvalCommand() *cobra.Command {
	var opts evalOptions
	cmd := &cobra.Command{
		Use:   "eval CORPUS...",
		Short: "Measure the rules on labelled turns and calls: precision, recall and F1 per family and rule",
		Long: `Eval runs the lexicon over labelled material and says how right it is.

CORPUS is files of labelled turns and folders. A turns file is TSV, as a
spreadsheet exports it: a header with the columns speaker, text and expect
(any order; note and other columns are ignored), then one turn a line:

  speaker	text	expect
  agent	这事我管不了，你自己去营业厅问吧	shirking
  agent	不麻烦的，我帮您查一下	none

expect is a family of forbidden phrasing (a rule category: shirking,
talking_down, blaming, impatience, confrontation, refusal, dont_know,
dismissive, over_promising, abuse, or a team's own) or none. A .jsonl file
holds the same as {"speaker": ..., "text": ..., "expect": ...} a line.
Folders are searched for such files and for calls (NAME.json and the like)
with a NAME.expect.yaml that labels them:

  greeting: true        # the agent opened the call properly
  closing: false        # ... and did not close it properly
  banned: [shirking]    # the families the agent said

It prints precision, recall and F1 per family and for all forbidden phrasing,
false alarms per 1,000 agent turns, each rule's hits and how many were right,
the greeting and closing verdicts against the labels, and every miss and false
alarm with its words. With the gates it exits 1 when the lexicon falls below.`,
		Example: `  callqa lexicon eval testdata/lexicon
  callqa lexicon eval --lexicon default --lexicon team.yaml reviewed.tsv calls/ --min-precision 0.97 --min-recall 0.9 --junit eval.xml`,
		Args: cobra.MinimumNArgs(1),
		PreRunE: func(*cobra.Command, []string) error {
			for _, g := range []float64{opts.Gates.Precision, opts.Gates.Recall, opts.Gates.Verdicts} {
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
	f.IntVar(&opts.List, "list", 50, "misses and false alarms to list, each (-1: all)")
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
	ev, err := lexcheck.Evaluate(engine, corpus)
	if err != nil {
		return err
	}
	if err := ev.WriteText(out, lex.ID(), opts.List); err != nil {
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
