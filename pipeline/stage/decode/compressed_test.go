package decode

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The fixtures (testdata/SOURCE.md) hold one signal: a 440 Hz tone on the
// left from 0.1 to 0.9 s and a 700 Hz tone on the right from 1.1 to 1.9 s,
// at 0.3 of full scale (-13.5 dBFS RMS), exact zeros elsewhere.
const toneDB = -13.5

// needFFmpeg skips a test without ffmpeg, unless CI says it is installed.
func needFFmpeg(t *testing.T) {
	t.Helper()
	needTool(t, "ffmpeg")
	needTool(t, "ffprobe")
}

func openFixture(t *testing.T, name string, opt Options) *Stream {
	t.Helper()
	s, err := Open(filepath.Join("testdata", name), opt)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// levels is the RMS level (dBFS) of each channel in [from, to) seconds.
func levels(x []float32, channels, rate int, from, to float64) []float64 {
	out := make([]float64, channels)
	for c := range channels {
		var e float64
		n := 0
		for i := int(from * float64(rate)); i < int(to*float64(rate)) && i*channels+c < len(x); i++ {
			v := float64(x[i*channels+c])
			e += v * v
			n++
		}
		out[c] = 10 * math.Log10(e/float64(max(n, 1))+1e-20)
	}
	return out
}

// checkTones checks that the decoded audio is the fixtures' signal: each
// tone at its level on its channel, and nothing of it on the other; mono
// holds both at half the amplitude. The windows allow for MP3's encoder
// delay (up to 0.14 s), which neither decoder removes.
func checkTones(t *testing.T, name string, s *Stream, x []float32) {
	t.Helper()
	ch, rate := s.Format.Channels, s.Format.SampleRate
	if d := s.Duration(); d < 1.95 || d > 2.2 {
		t.Errorf("%s: %.3f s decoded, want about 2", name, d)
	}
	left, right := levels(x, ch, rate, 0.35, 0.75), levels(x, ch, rate, 1.35, 1.75)
	want := toneDB
	if ch == 1 {
		want -= 20 * math.Log10(2)
	}
	const tol = 1.5 // dB, for the lossy codecs
	if math.Abs(left[0]-want) > tol || math.Abs(right[ch-1]-want) > tol {
		t.Errorf("%s: tones at %.1f and %.1f dBFS, want %.1f", name, left[0], right[ch-1], want)
	}
	if ch == 2 && (left[1] > -50 || right[0] > -50) {
		t.Errorf("%s: a tone leaks to the other channel: %.1f, %.1f dBFS", name, left[1], right[0])
	}
}

func TestNativeDecoders(t *testing.T) {
	wav := openFixture(t, "tones.wav", Options{})
	pcm := readAll(t, wav)
	for _, tt := range []struct {
		file, format string
		exact        bool
	}{
		{"tones.flac", "FLAC flac 16-bit stereo 8000 Hz", true},
		{"tones-16k.mp3", "MP3 mp3 stereo 16000 Hz", false},
		{"tones-16k-mono.mp3", "MP3 mp3 mono 16000 Hz", false},
		{"tones.ogg", "Ogg vorbis stereo 8000 Hz", false},
	} {
		s := openFixture(t, tt.file, Options{Mode: Native})
		if s.Format.String() != tt.format || s.Format.Decoder != "native" {
			t.Errorf("%s: %v, decoder %s; want %s, native", tt.file, s.Format, s.Format.Decoder, tt.format)
		}
		x := readAll(t, s)
		checkTones(t, tt.file, s, x)
		if tt.exact && !slices.Equal(x, pcm) {
			t.Errorf("%s: the samples differ from the WAV's", tt.file)
		}
		if len(s.Warnings) > 0 {
			t.Errorf("%s: warnings %q", tt.file, s.Warnings)
		}
	}
}

// TestThroughFFmpeg: what no Go decoder reads goes to ffmpeg in auto mode,
// and is an error naming why with --decoder native.
func TestThroughFFmpeg(t *testing.T) {
	needFFmpeg(t)
	for _, tt := range []struct{ file, codec, container string }{
		{"tones.opus", "opus", "Ogg Opus"},
		{"tones.m4a", "aac", "MP4/M4A"},
		{"tones-gsm.wav", "gsm_ms", "WAV"},
		{"tones-8k.mp3", "mp3", "MP3"},
	} {
		s := openFixture(t, tt.file, Options{})
		f := s.Format
		if f.Decoder != "ffmpeg" || f.Codec != tt.codec || f.Container != tt.container || f.SampleRate != 8000 {
			t.Errorf("%s: %v, decoder %s; want %s %s at 8000 Hz through ffmpeg", tt.file, f, f.Decoder, tt.container, tt.codec)
		}
		checkTones(t, tt.file, s, readAll(t, s))
		_, err := Open(filepath.Join("testdata", tt.file), Options{Mode: Native})
		if err == nil || !strings.Contains(err.Error(), "through ffmpeg") || !strings.Contains(err.Error(), "--decoder native") {
			t.Errorf("%s with --decoder native: %v", tt.file, err)
		}
	}
	// Auto takes ffmpeg where it is faster than the Go decoder, and the
	// Go decoder where it is not.
	for name, want := range map[string]string{"tones-16k.mp3": "ffmpeg", "tones.ogg": "ffmpeg", "tones.flac": "native", "tones.wav": "native"} {
		if s := openFixture(t, name, Options{}); s.Format.Decoder != want {
			t.Errorf("%s in auto: decoder %s, want %s", name, s.Format.Decoder, want)
		}
	}
	// --decoder ffmpeg reads WAV too, to the same floats.
	native := readAll(t, openFixture(t, "tones.wav", Options{}))
	s := openFixture(t, "tones.wav", Options{Mode: FFmpeg})
	if s.Format.Decoder != "ffmpeg" || s.Format.Codec != "pcm_s16le" {
		t.Errorf("--decoder ffmpeg: %v, decoder %s", s.Format, s.Format.Decoder)
	}
	if x := readAll(t, s); !slices.Equal(x, native) {
		t.Errorf("ffmpeg decodes the WAV to other samples (%d against %d)", len(x), len(native))
	}
}

func TestWithoutFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Open(filepath.Join("testdata", "tones.opus"), Options{})
	if err == nil || !strings.Contains(err.Error(), "Ogg Opus") || !strings.Contains(err.Error(), "ffmpeg is not installed") {
		t.Errorf("Opus without ffmpeg: %v", err)
	}
	if _, err := Open(filepath.Join("testdata", "tones.wav"), Options{Mode: FFmpeg}); err == nil || !strings.Contains(err.Error(), "ffmpeg is not installed") {
		t.Errorf("--decoder ffmpeg without ffmpeg: %v", err)
	}
	for _, name := range []string{"tones.flac", "tones-16k.mp3", "tones.ogg"} { // the Go decoders need nothing
		if s := openFixture(t, name, Options{}); s.Format.Decoder != "native" {
			t.Errorf("%s without ffmpeg: decoder %s", name, s.Format.Decoder)
		}
	}
}

// write puts b in dir as name and returns its path.
func write(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeFile opens and reads a whole file, as the audio stage does.
func decodeFile(path string, opt Options) (*Stream, error) {
	s, err := Open(path, opt)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	buf := make([]float32, 4096)
	for {
		_, err := s.Read(buf)
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return s, err
		}
	}
}

// TestDamagedCompressed: every kind of broken file gets a clear error, or
// is decoded as far as it goes with a warning; none panics or hangs.
func TestDamagedCompressed(t *testing.T) {
	dir := t.TempDir()
	flac, mp3, ogg := fixture(t, "tones.flac"), fixture(t, "tones-16k.mp3"), fixture(t, "tones.ogg")
	huge := append([]byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7f"), mp3[:200]...) // a tag of 256 MB
	bigMeta := append([]byte{}, flac[:42]...)                               // fLaC, STREAMINFO
	bigMeta[4] &^= 0x80                                                     // not the last block
	bigMeta = append(bigMeta, 0x04, 0xff, 0xff, 0xff)                       // a 16 MB comment block
	garbage := bytes.Repeat([]byte{0x5a, 0xa5, 0x33}, 300)
	for _, tt := range []struct {
		name    string
		data    []byte
		errLike string // "" when the file decodes, with warnLike
		warn    string
	}{
		{"empty.mp3", nil, "the file is empty", ""},
		{"empty.flac", nil, "the file is empty", ""},
		{"empty.ogg", nil, "the file is empty", ""},
		{"empty.m4a", nil, "the file is empty", ""},
		{"flac-named.mp3", flac, "holds FLAC audio, not mp3", ""},
		{"mp3-named.flac", mp3, "holds MP3 audio, not flac", ""},
		{"ogg-named.wav", ogg, "holds Ogg Vorbis audio, not wav", ""},
		{"garbage.mp3", garbage, "not MP3 audio", ""},
		{"garbage.ogg", garbage, "not Ogg Vorbis audio", ""},
		{"header-only.flac", flac[:42], "the file ends inside its header", ""},
		{"headers-cut.ogg", ogg[:len(ogg)/2], "the file ends before its first audio", ""},
		{"huge-id3.mp3", huge, "corrupt MP3", ""},
		{"huge-metadata.flac", bigMeta, "corrupt FLAC", ""},
		{"half.flac", flac[:len(flac)/2], "", "truncated recording: FLAC declares 16000 samples"},
		{"corrupt.flac", flipped(flac, len(flac)*6/10, 50), "", "damaged FLAC"},
		{"half.mp3", mp3[:len(mp3)/2], "", ""},
		// The fixture's audio is one Ogg page: damage in it leaves none.
		{"cut.ogg", ogg[:len(ogg)-500], "corrupt Ogg Vorbis", ""},
		{"corrupt.ogg", append(append([]byte{}, ogg[:len(ogg)-500]...), garbage...), "corrupt Ogg Vorbis", ""},
	} {
		s, err := decodeFile(write(t, dir, tt.name, tt.data), Options{Mode: Native})
		switch {
		case tt.errLike != "" && (err == nil || !strings.Contains(err.Error(), tt.errLike)):
			t.Errorf("%s: error %v, want one like %q", tt.name, err, tt.errLike)
		case tt.errLike == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.errLike == "" && tt.warn != "" && !strings.Contains(strings.Join(s.Warnings, ";"), tt.warn):
			t.Errorf("%s: warnings %q, want one like %q", tt.name, s.Warnings, tt.warn)
		}
		if (strings.HasPrefix(tt.name, "half") || strings.HasPrefix(tt.name, "cut")) && err == nil && (s.Duration() < 0.3 || s.Duration() > 1.9) {
			t.Errorf("%s: %.2f s decoded of a file cut short", tt.name, s.Duration())
		}
	}
}

// flipped is b with n bytes from at inverted.
func flipped(b []byte, at, n int) []byte {
	out := append([]byte{}, b...)
	for i := at; i < at+n; i++ {
		out[i] ^= 0xFF
	}
	return out
}

// TestDamagedThroughFFmpeg: ffmpeg's refusals become clear errors.
func TestDamagedThroughFFmpeg(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	m4a := fixture(t, "tones.m4a")
	hugeAtom := append([]byte("\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom\xff\xff\xff\xffmdat"), m4a[:100]...)
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"half.m4a", m4a[:len(m4a)/2]},
		{"huge-atom.m4a", hugeAtom},
		{"header.opus", fixture(t, "tones.opus")[:60]},
	} {
		_, err := decodeFile(write(t, dir, tt.name, tt.data), Options{})
		if err == nil || !strings.Contains(err.Error(), "ffprobe") && !strings.Contains(err.Error(), "ffmpeg") {
			t.Errorf("%s: %v, want ffmpeg's error", tt.name, err)
		}
	}
}

// fuzzDecode decodes b with the Go decoders, as far as it goes: any error
// is fine, a panic that reaches the caller or a hang is not. (go-mp3 does
// panic on some damaged frames; NewStream and Read make that an error.)
func fuzzDecode(t *testing.T, b []byte) {
	s, err := NewStream(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return
	}
	buf := make([]float32, 4096)
	for range 1 << 16 {
		n, err := s.Read(buf)
		if err != nil {
			return
		}
		if n == 0 {
			t.Fatal("a read of no frames and no error")
		}
	}
	t.Fatal("more than 32 million samples from a fuzzed file")
}

// seedsOf adds a fixture, its first half and its first 1 KB to a corpus.
func seedsOf(f *testing.F, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(b[:min(len(b), 1024)])
}

// FuzzFLAC runs callqa's own FLAC decoder without Read's net: it must
// never panic.
func FuzzFLAC(f *testing.F) {
	seedsOf(f, "tones.flac")
	f.Fuzz(func(t *testing.T, b []byte) {
		s := &Stream{}
		src, err := newFLAC(bytes.NewReader(b), int64(len(b)), s)
		if err != nil {
			return
		}
		buf := make([]float32, 512)
		for range 1 << 16 {
			if _, err := src.read(buf); err != nil {
				return
			}
		}
		t.Fatal("more than 32 million samples from a fuzzed file")
	})
}

func FuzzMP3(f *testing.F) {
	seedsOf(f, "tones-16k.mp3")
	seedsOf(f, "tones-16k-mono.mp3")
	f.Fuzz(fuzzDecode)
}

func FuzzVorbis(f *testing.F) {
	seedsOf(f, "tones.ogg")
	f.Fuzz(fuzzDecode)
}

// TestErrorsQuoteNoContent: a manifest may name any file as a recording;
// its error row must not carry the file's bytes.
func TestErrorsQuoteNoContent(t *testing.T) {
	dir := t.TempDir()
	secret := []byte("root:$y$j9T$abcdefghijkl$secrethashvalue:19000:0:99999:7:::\n")
	for _, name := range []string{"shadow", "shadow.wav", "shadow.mp3", "shadow.flac", "shadow.ogg", "shadow.m4a"} {
		_, err := Open(write(t, dir, name, secret), Options{})
		if err == nil || strings.Contains(err.Error(), "root") || strings.Contains(err.Error(), "y$j9T") {
			t.Errorf("%s: error %v quotes the file", name, err)
		}
	}
}

// endless is a decoder that never ends, as go-mp3 can on a damaged frame.
type endless struct{}

func (endless) read(dst []float32) (int, error) { return len(dst) / 2, nil }
func (endless) close() error                    { return nil }

// TestDecodingBoundedBySize: a decoder that yields more audio than its
// file can hold is stopped, with a warning, instead of running forever.
func TestDecodingBoundedBySize(t *testing.T) {
	s := &Stream{Format: Format{Channels: 2, SampleRate: 8000, Codec: "mp3"}, src: endless{}, most: mostFramesPerByte * 100}
	buf := make([]float32, 1024)
	for range 1000 {
		if _, err := s.Read(buf); errors.Is(err, io.EOF) {
			if !strings.Contains(strings.Join(s.Warnings, ";"), "more audio than the file can hold") {
				t.Errorf("warnings %q", s.Warnings)
			}
			return
		}
	}
	t.Fatal("the endless decoder was not stopped")
}
