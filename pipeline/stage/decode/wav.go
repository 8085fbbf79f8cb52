package decode

import (
	"errors"
	"fmt"
	"io"
)

// wavSource reads the data chunk of a WAV file.
type wavSource struct {
	s       *Stream
	f       File
	left    int64 // data bytes not yet read
	raw     []byte
	convert func(dst []float32, src []byte)

	warnedFloats bool
}

// newWAV checks the container and the format of a WAV file and positions
// f at its first sample.
func newWAV(f File, size int64, s *Stream) (*wavSource, error) {
	layout, err := scanChunks(f, size)
	if err != nil {
		return nil, err
	}
	format, err := readFormat(layout)
	if err != nil {
		return nil, err
	}
	format.Codec = wavCodec(format)
	s.Format, s.Warnings = format, layout.warnings
	w := &wavSource{s: s, f: f, convert: converter(format)}
	align := int64(format.BlockAlign)
	if rest := layout.dataSize % align; rest != 0 && len(layout.warnings) == 0 {
		s.warn("data ends with %d bytes of a partial frame: ignored", rest)
	}
	w.left = layout.dataSize - layout.dataSize%align
	s.Frames = w.left / align
	if _, err := f.Seek(layout.dataOffset, io.SeekStart); err != nil {
		return nil, err
	}
	w.raw = make([]byte, max(align, blockBytes-blockBytes%align))
	return w, nil
}

// wavCodec names the samples as ffmpeg does (pcm_s16le, pcm_mulaw, ...).
func wavCodec(f Format) string {
	order := "le"
	if f.BigEndian {
		order = "be"
	}
	switch f.Encoding {
	case MuLaw:
		return "pcm_mulaw"
	case ALaw:
		return "pcm_alaw"
	case Float:
		return fmt.Sprintf("pcm_f%d%s", f.BitsPerSample, order)
	}
	if f.BitsPerSample == 8 {
		return "pcm_u8"
	}
	return fmt.Sprintf("pcm_s%d%s", f.BitsPerSample, order)
}

func (w *wavSource) read(dst []float32) (int, error) {
	if w.left == 0 {
		return 0, io.EOF
	}
	fm := w.s.Format
	frames := min(int64(len(dst)/fm.Channels), int64(len(w.raw)/fm.BlockAlign), w.left/int64(fm.BlockAlign))
	n, err := io.ReadFull(w.f, w.raw[:frames*int64(fm.BlockAlign)])
	n -= n % fm.BlockAlign
	w.left -= int64(n)
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, err
		}
		w.left = 0 // the file shrank after it was opened: keep what was read
	}
	got := n / fm.BlockAlign
	out := dst[:got*fm.Channels]
	w.convert(out, w.raw[:n])
	if fm.Encoding == Float {
		w.warnedFloats = sanitize(out, w.s, w.warnedFloats)
	}
	if got == 0 {
		return 0, io.EOF
	}
	return got, nil
}

func (w *wavSource) close() error { return closeFile(w.f) }

// maxFloatSample bounds float samples: beyond 64 times full scale (+36 dBFS)
// a value is damage, not sound, and would overflow the measures after it.
const maxFloatSample = 64

// sanitize reads NaN float samples as silence and clamps infinite or absurd
// ones to ±maxFloatSample (they still count as clipped), and says so once:
// it returns whether it has warned.
func sanitize(samples []float32, s *Stream, warned bool) bool {
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
	if bad && !warned {
		s.warn("float samples that are NaN, infinite or beyond ±%d full scale were read as silence or clamped", maxFloatSample)
		return true
	}
	return warned
}
