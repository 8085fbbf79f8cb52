package decode

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkHourByCodec decodes the one-hour stereo call of
// $CALLQA_DECODE_BENCH (bench/decode.sh writes hour.wav, .flac, .mp3,
// .ogg, .opus and .m4a) with each decoder callqa has for it, and with
// ffmpeg into a pipe, as callqa reads it, and ffmpeg alone, side by side
// in one run.
func BenchmarkHourByCodec(b *testing.B) {
	dir := os.Getenv("CALLQA_DECODE_BENCH")
	if dir == "" {
		b.Skip("CALLQA_DECODE_BENCH names no folder (bash bench/decode.sh sets it)")
	}
	for _, ext := range []string{"wav", "flac", "mp3", "ogg", "opus", "m4a"} {
		path := filepath.Join(dir, "hour."+ext)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		if _, err := nativeReads(path); err == nil {
			b.Run(ext+"/native", func(b *testing.B) { benchDecode(b, path, Native) })
		}
		if _, err := exec.LookPath("ffmpeg"); err == nil {
			b.Run(ext+"/ffmpeg", func(b *testing.B) { benchDecode(b, path, FFmpeg) })
			// ffmpeg by itself, the reference: the same 32-bit floats,
			// written to /dev/null.
			b.Run(ext+"/ffmpeg-alone", func(b *testing.B) {
				for b.Loop() {
					cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-c:a", "pcm_f32le", "-f", "f32le", "-y", "/dev/null")
					if out, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("ffmpeg: %v\n%s", err, out)
					}
				}
			})
		}
	}
}

// nativeReads opens path with a Go decoder, to see whether one reads it.
func nativeReads(path string) (*Stream, error) {
	s, err := Open(path, Options{Mode: Native})
	if err == nil {
		s.Close()
	}
	return s, err
}

func benchDecode(b *testing.B, path string, m Mode) {
	var seconds float64
	for b.Loop() {
		s, err := decodeFile(path, Options{Mode: m})
		if err != nil {
			b.Fatal(err)
		}
		seconds = s.Duration()
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}
