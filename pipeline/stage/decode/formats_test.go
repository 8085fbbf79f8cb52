package decode

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/zaf/g711"
)

// extensible is a WAVE_FORMAT_EXTENSIBLE fmt chunk with sub-format sub.
func extensible(sub uint16, channels, bits, validBits int) chunk {
	c := fmtChunk(tagExtensible, channels, 8000, bits)
	ext := make([]byte, 24)
	binary.LittleEndian.PutUint16(ext[0:], 22)
	binary.LittleEndian.PutUint16(ext[2:], uint16(validBits))
	binary.LittleEndian.PutUint32(ext[4:], 0x3) // FL | FR
	binary.LittleEndian.PutUint16(ext[8:], sub)
	copy(ext[10:], "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71")
	c.body = append(c.body, ext...)
	c.size = uint32(len(c.body))
	return c
}

// bigEndian turns a RIFF file built by riff into RIFX: the header, every
// chunk size and the fmt fields in big-endian order (samples stay as given).
func rifx(fmtC chunk, samples []byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFX")
	binary.Write(&b, binary.BigEndian, uint32(4+8+16+8+len(samples)))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.BigEndian, uint32(16))
	le := fmtC.body
	binary.Write(&b, binary.BigEndian, binary.LittleEndian.Uint16(le[0:]))
	binary.Write(&b, binary.BigEndian, binary.LittleEndian.Uint16(le[2:]))
	binary.Write(&b, binary.BigEndian, binary.LittleEndian.Uint32(le[4:]))
	binary.Write(&b, binary.BigEndian, binary.LittleEndian.Uint32(le[8:]))
	binary.Write(&b, binary.BigEndian, binary.LittleEndian.Uint16(le[12:]))
	binary.Write(&b, binary.BigEndian, binary.LittleEndian.Uint16(le[14:]))
	b.WriteString("data")
	binary.Write(&b, binary.BigEndian, uint32(len(samples)))
	b.Write(samples)
	return b.Bytes()
}

// rf64 is an RF64 file whose 32-bit sizes are 0xFFFFFFFF and whose real
// data size is in the ds64 chunk.
func rf64(fmtC chunk, samples []byte) []byte {
	ds := make([]byte, 28)
	binary.LittleEndian.PutUint64(ds[8:], uint64(len(samples)))
	b := riff(chunk{"ds64", 28, ds}, fmtC, chunk{"data", 0xFFFFFFFF, samples})
	copy(b[0:], "RF64")
	binary.LittleEndian.PutUint32(b[4:], 0xFFFFFFFF)
	return b
}

func le32(vals ...int32) []byte {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return b
}

func TestEncodings(t *testing.T) {
	f32 := func(vals ...float32) []byte {
		b := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b
	}
	f64 := func(vals ...float64) []byte {
		b := make([]byte, 8*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
		}
		return b
	}
	mu := []byte{g711.EncodeUlawFrame(0), g711.EncodeUlawFrame(16384), g711.EncodeUlawFrame(-16384)}
	al := []byte{g711.EncodeAlawFrame(0), g711.EncodeAlawFrame(16384), g711.EncodeAlawFrame(-16384)}
	tests := []struct {
		name string
		file []byte
		want []float32
		tol  float64
	}{
		{"pcm8 unsigned", riff(fmtChunk(tagPCM, 1, 8000, 8), data([]byte{128, 192, 0})), []float32{0, 0.5, -1}, 0},
		{"pcm16", riff(fmtChunk(tagPCM, 1, 8000, 16), data(pcm16(0, 16384, -32768))), []float32{0, 0.5, -1}, 0},
		{"pcm24", riff(fmtChunk(tagPCM, 1, 8000, 24), data([]byte{0, 0, 0, 0, 0, 0x40, 0, 0, 0x80})), []float32{0, 0.5, -1}, 0},
		{"pcm32", riff(fmtChunk(tagPCM, 1, 8000, 32), data(le32(0, 1<<30, math.MinInt32))), []float32{0, 0.5, -1}, 0},
		{"float32", riff(fmtChunk(tagFloat, 1, 8000, 32), data(f32(0, 0.5, -1.5))), []float32{0, 0.5, -1.5}, 0},
		{"float64", riff(fmtChunk(tagFloat, 1, 8000, 64), data(f64(0, 0.5, -1))), []float32{0, 0.5, -1}, 0},
		{"mu-law", riff(fmtChunk(tagMuLaw, 1, 8000, 8), data(mu)), []float32{0, 0.5, -0.5}, 0.016},
		{"A-law", riff(fmtChunk(tagALaw, 1, 8000, 8), data(al)), []float32{0, 0.5, -0.5}, 0.016},
		{"extensible pcm24", riff(extensible(tagPCM, 1, 24, 20), data([]byte{0, 0, 0, 0, 0, 0x40, 0, 0, 0x80})), []float32{0, 0.5, -1}, 0},
		{"extensible float", riff(extensible(tagFloat, 1, 32, 32), data(f32(0.25, -0.25, 0))), []float32{0.25, -0.25, 0}, 0},
		{"rifx pcm16", rifx(fmtChunk(tagPCM, 1, 8000, 16), []byte{0, 0, 0x40, 0, 0x80, 0}), []float32{0, 0.5, -1}, 0},
		{"rifx pcm24", rifx(fmtChunk(tagPCM, 1, 8000, 24), []byte{0, 0, 0, 0x40, 0, 0, 0x80, 0, 0}), []float32{0, 0.5, -1}, 0},
		{"rf64", rf64(fmtChunk(tagPCM, 1, 8000, 16), pcm16(0, 16384, -32768)), []float32{0, 0.5, -1}, 0},
		{"padded frames", riff(func() chunk {
			c := fmtChunk(tagPCM, 1, 8000, 16)
			c.body[12] = 4 // 16-bit samples in 4-byte frames
			return c
		}(), data([]byte{0, 0x40, 9, 9, 0, 0x80, 9, 9})), []float32{0.5, -1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := openBytes(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Warnings) > 0 {
				t.Errorf("warnings %v", s.Warnings)
			}
			got := readAll(t, s)
			if len(got) != len(tt.want) {
				t.Fatalf("samples %v, want %v", got, tt.want)
			}
			for i := range got {
				if math.Abs(float64(got[i]-tt.want[i])) > tt.tol {
					t.Errorf("sample %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestRF64Truncated(t *testing.T) {
	b := rf64(fmtChunk(tagPCM, 2, 8000, 16), pcm16(1, 2, 3, 4, 5, 6))
	b = b[:len(b)-4] // the last frame is gone
	s, err := openBytes(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if s.Frames != 2 || len(s.Warnings) != 1 {
		t.Errorf("frames %d warnings %v", s.Frames, s.Warnings)
	}
}
