// Command gen writes the sample calls of testdata (go run ./testdata/gen).
// The output is deterministic: running it again changes nothing.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/callqa/callqa/internal/samplegen"
)

func main() {
	dir := flag.String("dir", "testdata", "folder to write the samples into")
	flag.Parse()
	if err := samplegen.WriteAll(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
