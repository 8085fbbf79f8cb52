//go:build mutations

package audio

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/callqa/callqa/internal/samplegen"
)

// Run with make fuzz (go test -tags mutations): 20,000 whole-stage runs
// take a minute under the race detector, too long for every go test.

// TestMutatedRecordings feeds the audio stage 20,000 deterministic
// mutations of small recordings (bytes changed, inserted, deleted and
// repeated, as a fuzzer does), each checked like FuzzAnalyze; a hang would
// end it at the test timeout. (go test -fuzz stalls on this target in the fuzzing engine, between
// runs, while every run is quick, as this test shows; FuzzOpen fuzzes the
// parser underneath.)
func TestMutatedRecordings(t *testing.T) {
	var seeds [][]byte
	short := samplegen.Sample{Name: "m", DurationS: 0.12, SampleRate: 8000, Channels: 2,
		Turns: []samplegen.Turn{{Speaker: "agent", Start: 0.01, End: 0.11, Text: "x"}}}
	for _, enc := range []string{"", "float32", "mulaw", "pcm24"} {
		short.Audio.Encoding = enc
		seeds = append(seeds, short.WAV())
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var b []byte
	for iter := range 20000 {
		if iter%50 == 0 {
			b = slices.Clone(seeds[iter/50%len(seeds)])
		}
		b = mutate(rng, b)
		checkAnalyze(t, b)
	}
}

// mutate changes, inserts, deletes or repeats bytes of b.
func mutate(rng *rand.Rand, b []byte) []byte {
	i := rng.IntN(len(b))
	switch rng.IntN(4) {
	case 0:
		b[i] = byte(rng.IntN(256))
	case 1:
		b = slices.Insert(b, i, byte(rng.IntN(256)))
	case 2:
		if len(b) > 64 {
			b = slices.Delete(b, i, min(len(b), i+1+rng.IntN(8)))
		}
	default:
		j := min(len(b), i+rng.IntN(64))
		b = slices.Insert(b, j, slices.Clone(b[i:j])...)
	}
	return b
}
