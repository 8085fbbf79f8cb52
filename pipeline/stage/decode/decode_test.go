package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-audio/wav"

	"github.com/callqa/callqa/internal/samplegen"
)

// chunk is one RIFF chunk for building test files.
type chunk struct {
	id   string
	size uint32 // declared size; the body may be shorter to fake truncation
	body []byte
}

func riff(chunks ...chunk) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(0)) // patched below
	b.WriteString("WAVE")
	for _, c := range chunks {
		b.WriteString(c.id)
		binary.Write(&b, binary.LittleEndian, c.size)
		b.Write(c.body)
		if len(c.body)%2 == 1 && int(c.size) == len(c.body) {
			b.WriteByte(0)
		}
	}
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

func fmtChunk(tag uint16, channels, rate, bits int) chunk {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b[0:], tag)
	binary.LittleEndian.PutUint16(b[2:], uint16(channels))
	binary.LittleEndian.PutUint32(b[4:], uint32(rate))
	binary.LittleEndian.PutUint32(b[8:], uint32(rate*channels*bits/8))
	binary.LittleEndian.PutUint16(b[12:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(b[14:], uint16(bits))
	return chunk{"fmt ", 16, b}
}

func pcm16(samples ...int16) []byte {
	b := make([]byte, 2*len(samples))
	for i, v := range samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

func data(body []byte) chunk { return chunk{"data", uint32(len(body)), body} }

func openBytes(t *testing.T, b []byte) (*Stream, error) {
	t.Helper()
	return NewStream(bytes.NewReader(b), int64(len(b)))
}

func readAll(t *testing.T, s *Stream) []float32 {
	t.Helper()
	var out []float32
	buf := make([]float32, 6*s.Format.Channels)
	for {
		n, err := s.Read(buf)
		out = append(out, buf[:n*s.Format.Channels]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestDecodePCM16Stereo(t *testing.T) {
	samples := []int16{0, 1000, -32768, 32767, 16384, -16384}
	s, err := openBytes(t, riff(fmtChunk(tagPCM, 2, 8000, 16), chunk{"LIST", 4, []byte("INFO")}, data(pcm16(samples...))))
	if err != nil {
		t.Fatal(err)
	}
	if s.Format.Channels != 2 || s.Format.SampleRate != 8000 || s.Frames != 3 || len(s.Warnings) != 0 {
		t.Fatalf("format %+v frames %d warnings %v", s.Format, s.Frames, s.Warnings)
	}
	got := readAll(t, s)
	for i, v := range samples {
		if want := float32(v) / 32768; got[i] != want {
			t.Errorf("sample %d = %v, want %v", i, got[i], want)
		}
	}
	if math.Abs(s.Duration()-3.0/8000) > 1e-12 {
		t.Errorf("duration %v", s.Duration())
	}
}

func TestDecodeChunksBeforeFmtAndOddPad(t *testing.T) {
	// A bext-like chunk of odd size with its pad byte before fmt.
	s, err := openBytes(t, riff(chunk{"bext", 3, []byte("abc")}, fmtChunk(tagPCM, 1, 16000, 16), data(pcm16(5, 6, 7))))
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s); len(got) != 3 || got[2] != 7.0/32768 {
		t.Errorf("samples %v", got)
	}
}

func TestDecodeFmtAfterData(t *testing.T) {
	s, err := openBytes(t, riff(chunk{"junk", 5, []byte("12345")}, data(pcm16(7, 8, 9)), fmtChunk(tagPCM, 1, 8000, 16), chunk{"LIST", 4, []byte("INFO")}))
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s); len(got) != 3 || got[0] != 7.0/32768 || got[2] != 9.0/32768 {
		t.Errorf("samples %v", got)
	}
}

func TestDecodeDamagedButReadable(t *testing.T) {
	body := pcm16(1, 2, 3, 4)
	tests := []struct {
		name     string
		file     []byte
		frames   int64
		warnLike string
	}{
		{"truncated", riff(fmtChunk(tagPCM, 1, 8000, 16), chunk{"data", 1000, body}), 4, "truncated"},
		{"size zero", riff(fmtChunk(tagPCM, 1, 8000, 16), chunk{"data", 0, body}), 4, "unfinished"},
		{"size max", riff(fmtChunk(tagPCM, 1, 8000, 16), chunk{"data", 0xFFFFFFFF, body}), 4, "streamed"},
		{"half frame", riff(fmtChunk(tagPCM, 2, 8000, 16), chunk{"data", 6, body[:6]}), 1, "partial frame"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := openBytes(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if s.Frames != tt.frames {
				t.Errorf("frames %d, want %d", s.Frames, tt.frames)
			}
			if got := readAll(t, s); int64(len(got)) != tt.frames*int64(s.Format.Channels) {
				t.Errorf("decoded %d samples", len(got))
			}
			if tt.warnLike == "" && len(s.Warnings) > 0 || tt.warnLike != "" && !strings.Contains(strings.Join(s.Warnings, ";"), tt.warnLike) {
				t.Errorf("warnings %q, want one like %q", s.Warnings, tt.warnLike)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	body := pcm16(1, 2)
	tests := []struct {
		name    string
		file    []byte
		errLike string
	}{
		{"empty", nil, "empty"},
		{"short", []byte("RIFF"), "only 4 bytes"},
		{"text", []byte("hello, this is not a recording"), "not a WAV file"},
		{"not wave", append([]byte("RIFF\x04\x00\x00\x00AVI "), 0), "AVI"},
		{"no fmt", riff(data(body)), "no fmt chunk"},
		{"no data", riff(fmtChunk(tagPCM, 1, 8000, 16)), "no data chunk"},
		{"huge chunk", riff(fmtChunk(tagPCM, 1, 8000, 16), chunk{"LIST", 0x7FFFFFFF, []byte("INFO")}, data(body)), "declares 2147483647 bytes"},
		{"tiny fmt", riff(chunk{"fmt ", 4, []byte{1, 0, 1, 0}}, data(body)), "fmt chunk of 4 bytes"},
		{"adpcm", riff(fmtChunk(tagIMAADPCM, 1, 8000, 4), data(body)), "0x0011 (IMA ADPCM)"},
		{"mp3", riff(fmtChunk(tagMP3, 1, 8000, 16), data(body)), "MP3"},
		{"12-bit", riff(fmtChunk(tagPCM, 1, 8000, 12), data(body)), "0x0001 (PCM) with 12 bits"},
		{"float16", riff(fmtChunk(tagFloat, 1, 8000, 16), data(body)), "IEEE float) with 16 bits"},
		{"extensible adpcm", riff(extensible(tagIMAADPCM, 1, 4, 4), data(body)), "0xFFFE (WAVE_FORMAT_EXTENSIBLE) with sub-format 0x0011 (IMA ADPCM)"},
		{"valid bits", riff(extensible(tagPCM, 1, 16, 20), data(body)), "20 valid bits in a 16-bit sample"},
		{"bad block align", riff(func() chunk { c := fmtChunk(tagPCM, 2, 8000, 16); c.body[12] = 3; return c }(), data(body)), "block align 3"},
		{"5 channels", riff(fmtChunk(tagPCM, 5, 8000, 16), data(make([]byte, 20))), "channel count 5"},
		{"rate", riff(fmtChunk(tagPCM, 1, 4000, 16), data(body)), "4000 Hz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openBytes(t, tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.errLike) {
				t.Errorf("error %v, want one containing %q", err, tt.errLike)
			}
		})
	}
}

// TestSharedFixtures checks WAV files made by other tools (../shared, absent
// in a fresh clone): each decodes with the format it declares, the ones
// encoded from the same 6 s recording give its samples, and ADPCM is
// rejected with an error that names it.
func TestSharedFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "fixtures", "wav")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/fixtures/wav not present")
	}
	const ref = "16-bit-8kHz-noBext-mono.wav"
	tests := []struct {
		file, format string
		validBits    int
		frames       int64
		sameAsRef    float64 // largest difference from ref's samples; 0: not compared
	}{
		{ref, "RIFF PCM 16-bit mono 8000 Hz", 16, 48000, 0},
		{"RIFX-16bit-mono.wav", "RIFX PCM 16-bit mono 8000 Hz", 16, 48000, 1e-9},
		{"27bit-8kHz-noBext-mono.wav", "RIFF PCM 32-bit mono 8000 Hz", 27, 48000, 1e-4},
		{"8bit-mulaw-8kHz-noBext-mono-encoded.wav", "RIFF mu-law 8-bit mono 8000 Hz", 8, 48000, 0.02},
		{"8bit-alaw-8kHz-noBext-mono-encoded.wav", "RIFF A-law 8-bit mono 8000 Hz", 8, 48000, 0.02},
		{"16bit-8kHz-stereo.wav", "RIFF PCM 16-bit stereo 8000 Hz", 16, 112000, 0},
		{"16bit-8khz-bext-mono.wav", "RIFF PCM 16-bit mono 8000 Hz", 16, 117715, 0},
		{"M1F1-int12WE-AFsp.wav", "RIFF PCM 16-bit stereo 8000 Hz", 12, 23493, 0},
		{"RF64-16bit-8kHz-stereo-reaper.wav", "RF64 PCM 16-bit stereo 8000 Hz", 16, 77499, 0},
		{"64bit-48kHz-noBext-mono-overflow.wav", "RIFF float 64-bit mono 48000 Hz", 64, 61714, 0},
		{"Audacity-16bit.wav", "RIFF PCM 16-bit stereo 8000 Hz", 16, 31493, 0},
		{"test-cue-reaper.wav", "RIFF PCM 16-bit mono 8000 Hz", 16, 16000, 0},
		{"16bit-8kHz-1c-reaper-region.wav", "RIFF PCM 16-bit stereo 8000 Hz", 16, 24000, 0},
	}
	decoded := map[string][]float32{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := Open(filepath.Join(dir, tt.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Format.String() != tt.format || s.Format.ValidBits != tt.validBits || s.Frames != tt.frames {
				t.Errorf("%v, %d valid bits, %d frames; want %s, %d, %d", s.Format, s.Format.ValidBits, s.Frames, tt.format, tt.validBits, tt.frames)
			}
			got := readAll(t, s)
			if int64(len(got)) != s.Frames*int64(s.Format.Channels) {
				t.Errorf("decoded %d samples of %d frames", len(got), s.Frames)
			}
			decoded[tt.file] = got
			if tt.sameAsRef == 0 {
				return
			}
			want := decoded[ref]
			if len(want) != len(got) {
				t.Fatalf("%d samples, reference has %d", len(got), len(want))
			}
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > tt.sameAsRef {
					t.Fatalf("sample %d = %v, reference %v", i, got[i], want[i])
				}
			}
		})
	}
	t.Run("4bit-imaadpcm-8kHz-noBext-mono.wav", func(t *testing.T) {
		_, err := Open(filepath.Join(dir, "4bit-imaadpcm-8kHz-noBext-mono.wav"), Options{Mode: Native})
		if err == nil || !strings.Contains(err.Error(), "0x0011 (IMA ADPCM)") {
			t.Errorf("error %v, want one naming IMA ADPCM", err)
		}
	})
}

// FuzzOpen feeds arbitrary bytes to the decoder: it must return an error or
// samples, never panic or allocate from a corrupt size.
func FuzzOpen(f *testing.F) {
	f.Add(riff(fmtChunk(tagPCM, 2, 8000, 16), data(pcm16(1, 2, 3, 4))))
	f.Add(riff(fmtChunk(tagPCM, 1, 8000, 16), chunk{"data", 0xFFFFFFFF, pcm16(1, 2)}))
	f.Add(riff(chunk{"bext", 3, []byte("abc")}, fmtChunk(tagPCM, 1, 8000, 16), data(pcm16(1))))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt "))
	f.Add(rf64(fmtChunk(tagPCM, 2, 8000, 16), pcm16(1, 2, 3, 4)))
	f.Add(rifx(fmtChunk(tagPCM, 1, 8000, 24), []byte{0, 0, 1, 0, 0, 2}))
	f.Add(riff(extensible(tagFloat, 2, 32, 32), data(make([]byte, 16))))
	f.Add(riff(fmtChunk(tagMuLaw, 1, 8000, 8), data([]byte{1, 2, 3})))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := NewStream(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		if s.Frames*int64(s.Format.BlockAlign) > int64(len(b)) {
			t.Fatalf("%d frames from a %d-byte file", s.Frames, len(b))
		}
		buf := make([]float32, 256)
		for {
			if _, err := s.Read(buf); err != nil {
				return
			}
		}
	})
}

// TestGoAudioAgrees reads the header of every RIFF file of the tests with
// go-audio/wav as well, an independent parser: tag, channels, rate and bits
// must agree with ours.
func TestGoAudioAgrees(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "fixtures", "wav", "*.wav"))
	for _, s := range samplegen.Calls() {
		if s.NoAudio {
			continue
		}
		p := filepath.Join(t.TempDir(), s.Name+".wav")
		if err := os.WriteFile(p, s.WAV(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	checked := 0
	for _, p := range paths {
		ours, err := Open(p, Options{})
		if err != nil || ours.Format.Container != "RIFF" {
			continue // rejected formats and other containers: go-audio/wav cannot tell
		}
		ours.Close()
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		d := wav.NewDecoder(f)
		d.ReadInfo()
		f.Close()
		if err := d.Err(); err != nil {
			t.Errorf("%s: go-audio/wav: %v", p, err)
			continue
		}
		o := ours.Format
		if d.WavAudioFormat != o.Tag || int(d.NumChans) != o.Channels || int(d.SampleRate) != o.SampleRate || int(d.BitDepth) != o.BitsPerSample {
			t.Errorf("%s: go-audio/wav reads tag %d, %d channels, %d Hz, %d bits; we read %d, %d, %d, %d",
				p, d.WavAudioFormat, d.NumChans, d.SampleRate, d.BitDepth, o.Tag, o.Channels, o.SampleRate, o.BitsPerSample)
		}
		checked++
	}
	if checked < 7 {
		t.Errorf("only %d RIFF files compared", checked)
	}
}
