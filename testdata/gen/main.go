// Command gen writes the sample calls of testdata (go run ./testdata/gen).
// The output is deterministic: running it again changes nothing.
//
// With -long SECONDS -out FILE it writes one long stereo 8 kHz recording
// instead (the benchmark's hour-long call); with -corpus BYTES -out FILE,
// the text of the segmentation benchmark.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/callqa/callqa/internal/samplegen"
)

func main() {
	dir := flag.String("dir", "testdata", "folder to write the samples into")
	long := flag.Float64("long", 0, "write one recording of this many seconds to -out")
	corpus := flag.Int("corpus", 0, "write about this many bytes of utterances to -out instead")
	batch := flag.Int("batch", 0, "write this many calls of -seconds each (recording and transcript) into -out, a folder")
	seconds := flag.Float64("seconds", 300, "length of each -batch call")
	out := flag.String("out", "", "file for -long or -corpus")
	flag.Parse()
	if *batch > 0 {
		if err := writeBatch(*out, *batch, *seconds); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	if *corpus > 0 {
		if err := os.WriteFile(*out, []byte(samplegen.Corpus(*corpus)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*dir, *long, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string, long float64, out string) error {
	if long <= 0 {
		return samplegen.WriteAll(dir)
	}
	if out == "" {
		return fmt.Errorf("-long needs -out FILE")
	}
	return os.WriteFile(out, samplegen.LongCall("long", long).WAV(), 0o644)
}

// writeBatch writes n stereo calls with transcripts: the benchmark's night.
// The calls are copies of one rendering under different ids, which keeps
// generation quick; every call is still read, decoded and checked.
func writeBatch(dir string, n int, seconds float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s := samplegen.LongCall("batch", seconds)
	wav, text := s.WAV(), s.TranscriptJSON()
	for i := range n {
		name := filepath.Join(dir, fmt.Sprintf("call-%04d", i))
		if err := os.WriteFile(name+".wav", wav, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(name+".json", text, 0o644); err != nil {
			return err
		}
	}
	return nil
}
