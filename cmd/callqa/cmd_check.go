package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/callqa/callqa/pipeline/sink"
)

func newCheckCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check DIR",
		Short: "Verify that an output folder holds one whole run",
		Long: `Check reads the run in DIR as report does and verifies every file against its
run manifest (run.json, or run-i-of-n.json per shard): its size, its row count
and the run id in its Parquet footer. It prints the run and exits 0 when all
agree, and names the first file that does not (a torn folder after a crash, a
file copied in) with exit 1. Missing shards are listed; they are not an error.`,
		Example: `  callqa check /data/qa/day=2026-11-21`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, calls, hits, err := sink.Read(args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: %s: %d calls, %d hits: every file agrees with its run manifest\n", args[0], set, len(calls), len(hits))
			for _, p := range set.Missing {
				fmt.Fprintf(out, "%s: shard %s is missing\n", args[0], p)
			}
			for _, n := range set.Notes {
				fmt.Fprintf(out, "%s: note: %s\n", args[0], n)
			}
			return nil
		},
	}
}
