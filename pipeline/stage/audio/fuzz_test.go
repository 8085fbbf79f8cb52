package audio

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/callqa/callqa/lexicon"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/pipeline/stage/decode"
)

// FuzzAnalyze runs the whole audio stage on arbitrary files: an error or a
// result, never a panic, and never a NaN in what is reported. Its seeds
// (testdata/fuzz holds a float file whose huge samples once gave a NaN DC)
// run in every `go test`; TestMutatedRecordings (make fuzz) mutates them
// further.
func FuzzAnalyze(f *testing.F) {
	short := samplegen.Sample{Name: "f", DurationS: 0.12, SampleRate: 8000, Channels: 2,
		Turns: []samplegen.Turn{{Speaker: "agent", Start: 0.01, End: 0.11, Text: "x"}}}
	f.Add(short.WAV())
	short.Audio.Encoding = "float32"
	f.Add(short.WAV())
	short.Audio.Encoding = "mulaw"
	f.Add(short.WAV())
	f.Fuzz(checkAnalyze)
}

// checkAnalyze runs the audio stage on one file and checks what it reports.
func checkAnalyze(t *testing.T, b []byte) {
	s, err := decode.NewStream(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return
	}
	rec, err := analyzeStream(s, NewConfig(lexicon.DefaultSettings, false, decode.Options{}))
	if err != nil {
		return
	}
	for _, c := range rec.Channels {
		if math.IsNaN(c.ClippingRatio) || math.IsNaN(c.DC) || math.IsInf(c.SpeechDBFS, 0) {
			t.Fatalf("not a number in %+v", c)
		}
		for _, iv := range c.Speech {
			if iv.Start < 0 || iv.End > rec.Duration+0.011 || iv.End <= iv.Start {
				t.Fatalf("speech %v in a %.3f s recording", iv, rec.Duration)
			}
		}
	}
}

// TestNonFiniteFloatSamples: NaN and infinity in a float file are read as
// silence, with a warning, and the measures stay finite.
func TestNonFiniteFloatSamples(t *testing.T) {
	s := samplegen.Sample{Name: "nan", DurationS: 3, SampleRate: 8000, Channels: 1,
		Turns: []samplegen.Turn{{Speaker: "agent", Start: 0.5, End: 2.5, Text: "x"}}, Audio: samplegen.Audio{Encoding: "float32"}}
	b := s.WAV()
	for i, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		binary.LittleEndian.PutUint32(b[44+4*(8000+i*100):], math.Float32bits(v))
	}
	st, err := decode.NewStream(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := analyzeStream(st, NewConfig(lexicon.DefaultSettings, false, decode.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rec.Warnings, ";"), "NaN, infinite") {
		t.Errorf("warnings %q", rec.Warnings)
	}
	if c := rec.Channels[0]; len(c.Speech) != 1 || math.IsNaN(c.SpeechDBFS) || math.IsNaN(c.DC) {
		t.Errorf("channel %+v", c)
	}
}
