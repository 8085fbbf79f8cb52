// Command callqa quality-checks recorded customer-service calls in batch.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/callqa/callqa/lexicon"
)

// Exit codes (DESIGN.md).
const (
	exitOK          = 0
	exitFatal       = 1 // nothing, or not all, was written
	exitUsage       = 2
	exitCallsFailed = 3 // the run finished but some calls carry an error
)

// usageError is a mistake in the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// withUsage is an error in a command's arguments, with its usage line and
// where its help is.
type withUsage struct {
	err       error
	use, help string
}

func (e withUsage) Error() string { return e.err.Error() }
func (e withUsage) Unwrap() error { return e.err }

// errCallsFailed ends a run whose output is complete but where some calls
// failed; their rows say why.
var errCallsFailed = errors.New("some calls failed")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and maps its outcome to an exit code.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var usage usageError
	var use withUsage
	var lexFile *lexicon.FileError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errCallsFailed):
		return exitCallsFailed
	case errors.Is(err, errChecksFailed):
		return exitFatal // the failures are printed already
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "callqa: error: %v\n", err)
		help := "callqa --help"
		if errors.As(err, &use) {
			fmt.Fprintf(stderr, "callqa: usage: %s\n", use.use)
			help = use.help
		}
		fmt.Fprintf(stderr, "callqa: hint: see '%s'\n", help)
		return exitUsage
	case errors.As(err, &lexFile):
		fmt.Fprintf(stderr, "callqa: error: --lexicon %v\n", lexFile) // the flag that named it
		return exitFatal
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "callqa: error: interrupted: no output was written\n")
		return exitFatal
	default:
		fmt.Fprintf(stderr, "callqa: error: %v\n", err)
		return exitFatal
	}
}
