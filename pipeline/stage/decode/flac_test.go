package decode

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/callqa/callqa/internal/samplegen"
)

// needTool skips a test without an encoder, unless CI says it is there.
func needTool(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CALLQA_REQUIRE_ENCODERS") != "" {
			t.Fatalf("%s must be installed (CALLQA_REQUIRE_ENCODERS is set)", tool)
		}
		t.Skipf("%s is not installed", tool)
	}
}

// speechLike is a signal that exercises every predictor: voiced pitch with
// harmonics, noise bursts, exact silence and a full-scale click.
func speechLike(r *rand.Rand, frames, channels, rate int) []float64 {
	x := make([]float64, frames*channels)
	for c := range channels {
		f0 := 110.0 + 60*float64(c)
		for i := range frames {
			t := float64(i) / float64(rate)
			var v float64
			switch seg := int(t*4) % 4; seg {
			case 0, 1: // voiced
				for h := 1; h <= 6; h++ {
					v += 0.12 / float64(h) * math.Sin(2*math.Pi*f0*float64(h)*t*(1+0.05*math.Sin(3*t)))
				}
			case 2: // noise
				v = 0.2 * r.NormFloat64() * 0.3
			}
			if i == frames/3 {
				v = 0.999
			}
			x[i*channels+c] = v
		}
	}
	return x
}

// TestFLACAgainstEncoders: callqa's FLAC decoder gives back the exact
// samples of WAV files that the reference encoder (flac, at every
// setting that changes the stream) and ffmpeg's encoder compressed.
func TestFLACAgainstEncoders(t *testing.T) {
	needTool(t, "flac")
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(7, 7))
	type source struct {
		name           string
		channels, rate int
		encoding       string
	}
	sources := []source{
		{"stereo-8k-16", 2, 8000, "pcm16"},
		{"mono-16k-16", 1, 16000, "pcm16"},
		{"stereo-44k-24", 2, 44100, "pcm24"},
		{"mono-8k-8", 1, 8000, "pcm8"},
	}
	encoders := [][]string{
		{"flac", "-0"}, {"flac", "-5"}, {"flac", "-8"},
		{"flac", "-8", "-e", "-p"},                // exhaustive model and precision search
		{"flac", "--lax", "-l", "32", "-r", "15"}, // LPC order 32, Rice partition order 15
		{"flac", "-5", "--blocksize=192"},
		{"flac", "-5", "--blocksize=16384", "--lax"},
		{"flac", "-5", "--no-mid-side"},
	}
	for _, src := range sources {
		frames := int(2.5 * float64(src.rate))
		wavPath := filepath.Join(dir, src.name+".wav")
		wav := samplegen.EncodeWAV(speechLike(r, frames, src.channels, src.rate), src.channels, src.rate, src.encoding)
		if err := os.WriteFile(wavPath, wav, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Open(wavPath, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := readAll(t, s)
		s.Close()
		cmds := encoders
		if _, err := exec.LookPath("ffmpeg"); err == nil {
			cmds = append(cmds, []string{"ffmpeg", "-compression_level", "12"}, []string{"ffmpeg", "-compression_level", "0"})
		}
		for i, enc := range cmds {
			out := filepath.Join(dir, fmt.Sprintf("%s-%d.flac", src.name, i))
			args := append(append([]string{}, enc[1:]...), "-s", "-f", "-o", out, wavPath)
			if enc[0] == "ffmpeg" {
				args = append([]string{"-v", "error", "-y", "-i", wavPath}, append(enc[1:], out)...)
			}
			if b, err := exec.Command(enc[0], args...).CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s", enc, err, b)
			}
			s, err := Open(out, Options{Mode: Native})
			if err != nil {
				t.Errorf("%s %v: %v", src.name, enc, err)
				continue
			}
			got := readAll(t, s)
			if !slices.Equal(got, want) || len(s.Warnings) > 0 {
				t.Errorf("%s %v: %d samples (warnings %q), want the WAV's %d exactly", src.name, enc, len(got), s.Warnings, len(want))
			}
			s.Close()
		}
	}
}
