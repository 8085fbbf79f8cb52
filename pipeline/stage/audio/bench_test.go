package audio

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/decode"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/stage/vad"
	"github.com/callqa/callqa/pipeline/timeline"
)

// benchSeconds is the length of the benchmark call: one hour, as in a long
// complaint call, stereo 8 kHz 16-bit (115 MB).
const benchSeconds = 3600

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// benchFile writes the hour-long call once per test binary run.
func benchFile(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "callqa-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "hour.wav")
		benchErr = os.WriteFile(benchPath, samplegen.LongCall("hour", benchSeconds).WAV(), 0o644)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

// reportRealtime adds the "× real time" metric.
func reportRealtime(b *testing.B) {
	b.ReportMetric(benchSeconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}

// BenchmarkHour runs the audio stage on the hour-long call next to ffmpeg's
// silencedetect on the same file (when ffmpeg is installed): the ratio of
// the two is the figure that holds on a noisy machine.
func BenchmarkHour(b *testing.B) {
	path := benchFile(b)
	b.Run("callqa", func(b *testing.B) {
		for b.Loop() {
			if _, err := Analyze(path, NewConfig(lexicon.DefaultSettings, true, decode.Options{})); err != nil {
				b.Fatal(err)
			}
		}
		reportRealtime(b)
	})
	b.Run("ffmpeg-silencedetect", func(b *testing.B) {
		ffmpeg, err := exec.LookPath("ffmpeg")
		if err != nil {
			b.Skip("ffmpeg not installed (make bench installs it)")
		}
		for b.Loop() {
			cmd := exec.Command(ffmpeg, "-nostats", "-hide_banner", "-i", path, "-af", "silencedetect=noise=-30dB:d=0.5", "-f", "null", "-")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("ffmpeg: %v\n%s", err, out)
			}
		}
		reportRealtime(b)
	})
}

func BenchmarkDecode(b *testing.B) {
	path := benchFile(b)
	buf := make([]float32, 8192)
	for b.Loop() {
		s, err := decode.Open(path, decode.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := s.Read(buf); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		s.Close()
	}
	reportRealtime(b)
}

// BenchmarkVAD is the audio stage without the file checks: decoding read
// ahead and detection.
func BenchmarkVAD(b *testing.B) {
	path := benchFile(b)
	cfg := vad.NewConfig(lexicon.DefaultSettings)
	for b.Loop() {
		s, err := decode.Open(path, decode.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := vad.Analyze(s, 2, 8000, cfg, true); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	reportRealtime(b)
}

func BenchmarkFeatures(b *testing.B) {
	s, err := decode.Open(benchFile(b), decode.Options{})
	if err != nil {
		b.Fatal(err)
	}
	chans, err := vad.Analyze(s, 2, 8000, vad.NewConfig(lexicon.DefaultSettings), true)
	s.Close()
	if err != nil {
		b.Fatal(err)
	}
	cfg := features.Config{DeadAirMinS: 5, OvertalkMinS: 1, BackchannelMaxS: 0.5}
	a, c := chans[0].Speech, chans[1].Speech
	for b.Loop() {
		features.MeasureSilence(timeline.Union(a, c), cfg)
		features.MeasureOvertalk(a, c, cfg)
		features.MeasureLatency(a, c)
	}
	reportRealtime(b)
}
