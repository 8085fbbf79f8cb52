// Command gen writes the sample calls of testdata (go run ./testdata/gen).
// The output is deterministic: running it again changes nothing.
//
// With -long SECONDS -out FILE it writes one long stereo 8 kHz recording
// instead (the benchmark's long call: synthetic voices, or with -speech DIR
// real labelled clips taking turns, optionally with -digital-silence and a
// steady customer-line background -noise-dbfs); with -corpus BYTES -out
// FILE, the text of the segmentation benchmark. A call made from -speech is
// licensed material: it is written where -out says, never into testdata.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/pipeline/stage/vad/speechmix"
)

func main() {
	dir := flag.String("dir", "testdata", "folder to write the samples into")
	long := flag.Float64("long", 0, "write one recording of this many seconds to -out")
	corpus := flag.Int("corpus", 0, "write about this many bytes of utterances to -out instead")
	batch := flag.Int("batch", 0, "write this many calls of -seconds each (recording and transcript) into -out, a folder")
	seconds := flag.Float64("seconds", 300, "length of each -batch call")
	out := flag.String("out", "", "file for -long or -corpus")
	speech := flag.String("speech", "", "with -long: build the call from the labelled clips in this folder (NAME.wav, NAME.scv)")
	digital := flag.Bool("digital-silence", false, "with -speech: exact zeros outside the labelled speech")
	noise := flag.Float64("noise-dbfs", 0, "with -long: steady white noise on the customer line at this RMS level")
	lex := flag.Int("lexicon", 0, "write a generated lexicon of this many rules to -out instead (lint's scaling test)")
	flag.Parse()
	if *lex > 0 {
		if err := os.WriteFile(*out, []byte(samplegen.Lexicon(*lex)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	if *long > 0 && (*speech != "" || *noise != 0) {
		if err := writeLong(*out, *long, *speech, *digital, *noise); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
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

// writeLong writes a long stereo 8 kHz call: real labelled clips taking
// turns (0.6 s of overtalk every other turn, line echo at -30 dB), or the
// synthetic voices when no folder is named; with steady noise on the
// customer's line when noiseDBFS is set (on both lines, 20 dB under the
// synthetic voices, without a folder).
func writeLong(out string, seconds float64, dir string, digital bool, noiseDBFS float64) error {
	if out == "" {
		return fmt.Errorf("-long needs -out FILE")
	}
	if dir == "" {
		s := samplegen.LongCall("long", seconds)
		s.Audio.SNRDB = 20 // steady noise 20 dB under the synthetic voices
		return os.WriteFile(out, s.WAV(), 0o644)
	}
	clips, err := speechmix.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(clips) == 0 {
		return fmt.Errorf("%s: no labelled clips", dir)
	}
	for i, c := range clips {
		for c.Rate > 8000 {
			c = speechmix.Halve(c)
		}
		clips[i] = c
	}
	opt := speechmix.Options{Rate: 8000, LeakDB: -30, DigitalSilence: digital}
	opt.Lines[speechmix.Customer].NoiseDBFS = noiseDBFS
	samples, _ := speechmix.Mix(speechmix.Conversation(clips, seconds, 0.6), seconds, opt)
	return os.WriteFile(out, samplegen.EncodeWAV(samples, 2, 8000, "pcm16"), 0o644)
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
