package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callqa/callqa/internal/atomicfile"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/view"
	"github.com/callqa/callqa/pipeline/view/htmlview"
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
			engine, lex, err := opts.engine(cmd.Context(), cmd.ErrOrStderr(), runtime.GOMAXPROCS(0) > 1, 0)
			if err != nil {
				return err
			}
			call, err := findCall(args[0])
			if err != nil {
				return err
			}
			c := engine.Process(call)
			if err := view.WriteText(cmd.OutOrStdout(), &c, lex); err != nil {
				return err
			}
			if htmlFile != "" {
				err := atomicfile.Write(htmlFile, func(w io.Writer) error {
					return htmlview.WriteCall(w, &c, lex, htmlview.CallOptions{})
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "callqa: wrote %s\n", htmlFile)
			}
			if c.Failed() {
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
func findCall(file string) (source.Call, error) {
	stem := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	siblings, err := filepath.Glob(filepath.Join(filepath.Dir(file), globEscape(stem)+".*"))
	if err != nil {
		return source.Call{}, err
	}
	if !slices.Contains(siblings, file) {
		siblings = append(siblings, file) // a missing file: Find reports it
	}
	var files []string
	for _, s := range siblings {
		if source.IsCallFile(s) {
			files = append(files, s)
		}
	}
	calls, err := source.Find(files)
	if err != nil {
		return source.Call{}, err
	}
	if len(calls) != 1 {
		return source.Call{}, fmt.Errorf("%s: %d calls found, inspect explains one", file, len(calls))
	}
	return calls[0], nil
}

// globEscape keeps a file name's glob characters literal.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`).Replace(s)
}
