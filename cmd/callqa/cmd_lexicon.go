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
	cmd.AddCommand(newLexiconTestCommand(), newLexiconLintCommand())
	return cmd
}

// lexiconFlag is the --lexicon flag shared by the lexicon commands and run.
const lexiconFlagHelp = `lexicon YAML file; repeat to layer files in order ("default" is the embedded zh-CN lexicon; none: the default alone)`

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
			return runLexiconTest(cmd.OutOrStdout(), files, samples, junit)
		},
	}
	cmd.Flags().StringArrayVar(&files, "lexicon", nil, lexiconFlagHelp)
	cmd.Flags().StringVar(&junit, "junit", "", "also write the results as JUnit XML to this file")
	return cmd
}

func runLexiconTest(out io.Writer, files, samples []string, junit string) error {
	lex, err := lexicon.Load(files...)
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
			lex, err := lexicon.Load(files...)
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
