// Package decode reads WAV recordings as a stream of float samples, block by
// block, so memory does not grow with the length of a call.
package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/go-audio/wav"
)

// Format tags from the WAVE fmt chunk.
const (
	TagPCM        = 0x0001
	TagADPCM      = 0x0002
	TagFloat      = 0x0003
	TagALaw       = 0x0006
	TagMuLaw      = 0x0007
	TagIMAADPCM   = 0x0011
	TagMP3        = 0x0055
	TagExtensible = 0xFFFE
)

// tagNames names the tags users meet, for error messages.
var tagNames = map[uint16]string{
	TagPCM:        "PCM",
	TagADPCM:      "Microsoft ADPCM",
	TagFloat:      "IEEE float",
	TagALaw:       "G.711 A-law",
	TagMuLaw:      "G.711 mu-law",
	TagIMAADPCM:   "IMA ADPCM",
	0x0031:        "GSM 6.10",
	0x0050:        "MPEG",
	TagMP3:        "MPEG layer 3 (MP3)",
	TagExtensible: "WAVE_FORMAT_EXTENSIBLE",
}

// TagName describes a format tag as "0x0011 (IMA ADPCM)".
func TagName(tag uint16) string {
	if n, ok := tagNames[tag]; ok {
		return fmt.Sprintf("0x%04X (%s)", tag, n)
	}
	return fmt.Sprintf("0x%04X", tag)
}

// Format is what a WAV file says about its samples.
type Format struct {
	Tag           uint16
	Channels      int
	SampleRate    int // Hz
	BitsPerSample int
	BlockAlign    int // bytes per frame (one sample of every channel)
}

// Limits of what callqa accepts.
const (
	MinSampleRate = 8000
	MaxSampleRate = 48000
	MaxChannels   = 2
)

// ErrNotWAV reports a file that is not a RIFF/WAVE file at all.
var ErrNotWAV = errors.New("not a WAV file")

// Stream reads the samples of one WAV file. Close it when done.
type Stream struct {
	Format Format
	// Frames is the number of whole frames the file holds.
	Frames int64
	// Warnings describe damage that was worked around (a truncated file,
	// an unfinished header); the samples present are still decoded.
	Warnings []string

	f    File
	left int64 // data bytes not yet read
	raw  []byte
}

// blockBytes is how much of the data chunk is read at a time.
const blockBytes = 64 << 10

// File is what a Stream reads from: an *os.File, or a *bytes.Reader in tests.
type File interface {
	io.ReadSeeker
	io.ReaderAt
}

// Open checks the container and the format of a WAV file and positions the
// stream at its first sample.
func Open(path string) (*Stream, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	s, err := NewStream(f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// NewStream reads a WAV file of size bytes from f, which Close closes if it
// is an io.Closer.
func NewStream(f File, size int64) (*Stream, error) {
	layout, err := scanChunks(f, size)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	// go-audio/wav reads the fmt chunk; scanChunks has already checked every
	// declared size against the file, so it cannot be led into a huge
	// allocation. It does not check the format tag: that is done below.
	d := wav.NewDecoder(f)
	d.ReadInfo()
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("read WAV header: %w", err)
	}
	format := Format{
		Tag:           d.WavAudioFormat,
		Channels:      int(d.NumChans),
		SampleRate:    int(d.SampleRate),
		BitsPerSample: int(d.BitDepth),
		BlockAlign:    int(d.NumChans) * int(d.BitDepth) / 8,
	}
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	s := &Stream{Format: format, f: f, Warnings: layout.warnings}
	s.left = layout.dataSize - layout.dataSize%int64(format.BlockAlign)
	s.Frames = s.left / int64(format.BlockAlign)
	if _, err := f.Seek(layout.dataOffset, io.SeekStart); err != nil {
		return nil, err
	}
	s.raw = make([]byte, blockBytes-blockBytes%format.BlockAlign)
	return s, nil
}

func checkFormat(f Format) error {
	if f.Tag != TagPCM {
		return fmt.Errorf("unsupported WAV format %s: callqa decodes PCM", TagName(f.Tag))
	}
	if f.BitsPerSample != 16 {
		return fmt.Errorf("unsupported PCM sample size: %d bits (callqa decodes 16-bit PCM)", f.BitsPerSample)
	}
	if f.Channels < 1 || f.Channels > MaxChannels {
		return fmt.Errorf("unsupported channel count %d: callqa reads mono or stereo", f.Channels)
	}
	if f.SampleRate < MinSampleRate || f.SampleRate > MaxSampleRate {
		return fmt.Errorf("unsupported sample rate %d Hz: callqa reads %d to %d Hz", f.SampleRate, MinSampleRate, MaxSampleRate)
	}
	return nil
}

// Read decodes up to len(dst)/Channels frames into dst, interleaved by
// channel and scaled to [-1, 1). It returns the number of frames decoded and
// io.EOF after the last one.
func (s *Stream) Read(dst []float32) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	ch := s.Format.Channels
	want := min(int64(len(dst)/ch*s.Format.BlockAlign), int64(len(s.raw)), s.left)
	if want == 0 {
		return 0, errors.New("decode: destination smaller than one frame")
	}
	n, err := io.ReadFull(s.f, s.raw[:want])
	n -= n % s.Format.BlockAlign
	s.left -= int64(n)
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, err
		}
		// The file shrank after it was opened; keep what was read.
		s.left = 0
	}
	raw := s.raw[:n]
	for i := 0; i+1 < len(raw); i += 2 {
		dst[i/2] = float32(int16(binary.LittleEndian.Uint16(raw[i:]))) / 32768
	}
	return n / s.Format.BlockAlign, nil
}

// Duration is the length of the decodable audio in seconds.
func (s *Stream) Duration() float64 {
	return float64(s.Frames) / float64(s.Format.SampleRate)
}

// Close closes the file.
func (s *Stream) Close() error {
	if c, ok := s.f.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
