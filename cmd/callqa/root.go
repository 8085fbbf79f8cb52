package main

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

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
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{argsError(c, err)} })
	root.AddCommand(newRunCommand(), newInspectCommand(), newLexiconCommand(), newSchemaCommand(), newReportCommand(), newCheckCommand())
	root.InitDefaultCompletionCmd() // now, so that usageArgs reaches it
	usageArgs(root)
	return root
}

// usageArgs makes every mistake in a command's arguments a usage error
// (exit 2, with the usage line) in c and the commands below it. cobra
// would exit 1 for "inspect" without a FILE, and print the help of a
// command group with exit 0 for an unknown subcommand ("completion tcsh").
func usageArgs(c *cobra.Command) {
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs // runGroup checks them
		c.RunE = runGroup
	}
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return usageError{argsError(cmd, err)}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

// runGroup runs a command that only groups others (callqa, lexicon,
// completion): alone it prints its help; an argument names no subcommand
// of it.
func runGroup(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	cmd.SuggestionsMinimumDistance = 2 // cobra sets it only for the root
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", strings.Join(s, " or "))
	}
	if args[0] == "version" && !cmd.HasParent() {
		msg += fmt.Sprintf("; the version is %s --version", cmd.Name())
	}
	return usageError{argsError(cmd, errors.New(msg))}
}

// argsError is err in cmd's arguments, with the usage line to show.
func argsError(cmd *cobra.Command, err error) withUsage {
	use := cmd.UseLine()
	if cmd.HasAvailableSubCommands() {
		use = cmd.CommandPath() + " COMMAND"
	}
	return withUsage{err: err, use: use, help: cmd.CommandPath() + " --help"}
}
