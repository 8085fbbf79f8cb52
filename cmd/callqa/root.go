package main

import (
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "callqa",
		Short: "Quality-check recorded customer-service calls in batch",
		Long: `callqa checks recorded customer-service calls: for each call it decodes the
WAV recording, measures talk time, silence and talk-over per party, segments
the transcript with jieba, flags forbidden phrases and missing greetings or
closings from a lexicon of rules, scores the call, and writes one row per call
and one row per rule hit to Parquet.`,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRunCommand(), newInspectCommand(), newLexiconCommand(), newSchemaCommand(), newReportCommand())
	return root
}
