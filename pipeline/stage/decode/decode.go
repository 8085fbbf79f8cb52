// Package decode reads WAV recordings as a stream of float samples, block by
// block, so memory does not grow with the length of a call.
package decode

import (
	"errors"
	"fmt"
	"io"

	"github.com/callqa/callqa/internal/inputfile"
)

// ErrNotWAV reports a file that is not a WAV file at all.
var ErrNotWAV = errors.New("not a WAV file")

// File is what a Stream reads from: an *os.File, or a *bytes.Reader in tests.
type File interface {
	io.ReadSeeker
	io.ReaderAt
}

// Stream reads the samples of one WAV file. Close it when done.
type Stream struct {
	Format Format
	// Frames is the number of whole frames the file holds.
	Frames int64
	// Warnings describe damage that was worked around (a truncated file,
	// an unfinished header); the samples present are still decoded.
	Warnings []string

	f       File
	left    int64 // data bytes not yet read
	raw     []byte
	convert func(dst []float32, src []byte)

	warnedFloats bool
}

// blockBytes is about how much of the data chunk is read at a time.
const blockBytes = 64 << 10

// Open checks the container and the format of a WAV file and positions the
// stream at its first sample. Only a regular file is read: a FIFO named
// x.wav would block forever, a device never end.
func Open(path string) (*Stream, error) {
	f, err := inputfile.Open(path)
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
	format, err := readFormat(layout)
	if err != nil {
		return nil, err
	}
	s := &Stream{Format: format, f: f, Warnings: layout.warnings, convert: converter(format)}
	align := int64(format.BlockAlign)
	if rest := layout.dataSize % align; rest != 0 && len(layout.warnings) == 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("data ends with %d bytes of a partial frame: ignored", rest))
	}
	s.left = layout.dataSize - layout.dataSize%align
	s.Frames = s.left / align
	if _, err := f.Seek(layout.dataOffset, io.SeekStart); err != nil {
		return nil, err
	}
	s.raw = make([]byte, max(align, blockBytes-blockBytes%align))
	return s, nil
}

// Read decodes up to len(dst)/Channels frames into dst, interleaved by
// channel and scaled to [-1, 1) (float files may exceed it). It returns the
// number of frames decoded and io.EOF after the last one.
func (s *Stream) Read(dst []float32) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	fm := s.Format
	frames := min(int64(len(dst)/fm.Channels), int64(len(s.raw)/fm.BlockAlign), s.left/int64(fm.BlockAlign))
	if frames == 0 {
		return 0, errors.New("decode: destination smaller than one frame")
	}
	n, err := io.ReadFull(s.f, s.raw[:frames*int64(fm.BlockAlign)])
	n -= n % fm.BlockAlign
	s.left -= int64(n)
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, err
		}
		s.left = 0 // the file shrank after it was opened: keep what was read
	}
	got := n / fm.BlockAlign
	out := dst[:got*fm.Channels]
	s.convert(out, s.raw[:n])
	if fm.Encoding == Float {
		s.sanitize(out)
	}
	return got, nil
}

// maxFloatSample bounds float samples: beyond 64 times full scale (+36 dBFS)
// a value is damage, not sound, and would overflow the measures after it.
const maxFloatSample = 64

// sanitize reads NaN float samples as silence and clamps infinite or absurd
// ones to ±MaxFloatSample (they still count as clipped), and says so once.
func (s *Stream) sanitize(samples []float32) {
	bad := false
	for i, v := range samples {
		switch {
		case v != v:
			samples[i], bad = 0, true
		case v > maxFloatSample:
			samples[i], bad = maxFloatSample, true
		case v < -maxFloatSample:
			samples[i], bad = -maxFloatSample, true
		}
	}
	if bad && !s.warnedFloats {
		s.warnedFloats = true
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"float samples that are NaN, infinite or beyond ±%d full scale were read as silence or clamped", maxFloatSample))
	}
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
