package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/callqa/callqa/pipeline/sink"
)

func newSchemaCommand() *cobra.Command {
	var dir string
	var sqlOnly bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the output columns, with types and meaning, and DuckDB queries over them",
		Long: `Schema prints every column of calls*.parquet, hits*.parquet, intervals*.parquet
and utterances*.parquet with its DuckDB type and meaning, then ready-to-use
DuckDB queries (views over all part files, score per agent per day, top rules,
calls to review first, failed calls, one call's timeline, a search of the
night's words) for the output folder given with --dir. With --sql it prints
only the SQL, to pipe into duckdb.`,
		Example: `  callqa schema --dir /data/qa/day=2026-11-21
  callqa schema --dir out --sql | duckdb`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			printSchema(cmd.OutOrStdout(), dir, sqlOnly)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "out", "the output folder the queries read")
	cmd.Flags().BoolVar(&sqlOnly, "sql", false, "print only the queries")
	return cmd
}

func printSchema(w io.Writer, dir string, sqlOnly bool) {
	if !sqlOnly {
		fmt.Fprintf(w, "callqa output, schema version %d\n", sink.SchemaVersion)
		table := ""
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, c := range sink.Columns() {
			if c.Table != table {
				table = c.Table
				tw.Flush()
				fmt.Fprintf(w, "\n%s*.parquet\n", table)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, c.Type, c.Meaning)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	for _, q := range sink.Queries(dir) {
		fmt.Fprintf(w, "-- %s\n%s\n\n", q.Title, q.SQL)
	}
}
