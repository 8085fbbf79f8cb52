// Package decode reads recordings as a stream of float samples, block by
// block, so memory does not grow with the length of a call. WAV, FLAC, MP3
// and Ogg Vorbis are decoded in Go; what no Go decoder reads (Opus, AAC,
// GSM or G.729 in WAV, MPEG-2.5 MP3) is decoded by ffmpeg through a pipe.
package decode

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/callqa/callqa/internal/inputfile"
)

// ErrNotWAV reports a file that is not a WAV file at all.
var ErrNotWAV = errors.New("not a WAV file")

// File is what a Stream reads from: an *os.File, or a *bytes.Reader in tests.
type File interface {
	io.ReadSeeker
	io.ReaderAt
}

// Mode says which decoder reads a recording.
type Mode int

// The modes of --decoder.
const (
	// Auto decodes in Go where callqa can, and through ffmpeg otherwise.
	Auto Mode = iota
	// Native decodes in Go only: other codecs are an error.
	Native
	// FFmpeg decodes every recording, WAV too, through ffmpeg.
	FFmpeg
)

var modeNames = [...]string{Auto: "auto", Native: "native", FFmpeg: "ffmpeg"}

func (m Mode) String() string { return modeNames[m] }

// ParseMode reads a --decoder value.
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), nil
		}
	}
	return Auto, fmt.Errorf("decoder must be auto, native or ffmpeg, not %q", s)
}

// Options say how recordings are decoded.
type Options struct {
	Mode Mode
	// Timeout is the most an ffmpeg decode may take before its processes
	// are killed and the call gets an error (0: no limit).
	Timeout time.Duration
}

// Decoder names, as in calls.parquet's decoder column.
const (
	decoderNative = "native"
	decoderFFmpeg = "ffmpeg"
)

// source is one decoder's stream of frames.
type source interface {
	// read decodes up to len(dst)/channels frames into dst and returns
	// their count, or 0 and io.EOF after the last.
	read(dst []float32) (int, error)
	close() error
}

// Stream reads the samples of one recording. Close it when done.
type Stream struct {
	Format Format
	// Frames is the number of whole frames the header declares: exact for
	// WAV, the sample count of FLAC, 0 where a container does not say.
	Frames int64
	// Warnings describe damage that was worked around (a truncated file,
	// an unfinished header); the samples present are still decoded.
	Warnings []string

	src     source
	decoded int64 // frames read so far
	ended   bool
	// most is the most frames the file's size can hold (0: no bound): a
	// damaged MP3 can make go-mp3 decode one frame forever.
	most int64
}

// Frames a byte of MP3 or Vorbis can hold at most, generously: 8 kbps
// MPEG-2 MP3 holds 16.
const mostFramesPerByte = 256

// blockBytes is about how much of a file is read at a time.
const blockBytes = 64 << 10

// Open opens the recording at path with the decoder its content and opt
// call for. Only a regular file is read: a FIFO named x.wav would block
// forever, a device never end.
func Open(path string, opt Options) (*Stream, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	k, head, err := identify(path, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	var native error
	if opt.Mode == Auto && slowerThanFFmpeg[k] && ffmpegInstalled() {
		f.Close()
		return openFFmpeg(path, k, head, opt, nil)
	}
	if opt.Mode != FFmpeg {
		s, err := openNative(f, st.Size(), k)
		if err == nil {
			return s, nil
		}
		var nf *needsFFmpeg
		if !errors.As(err, &nf) || opt.Mode == Native {
			f.Close()
			if nf != nil {
				return nil, fmt.Errorf("%w (--decoder native)", err)
			}
			return nil, err
		}
		native = err
	}
	f.Close()
	return openFFmpeg(path, k, head, opt, native)
}

// slowerThanFFmpeg lists the kinds whose Go decoder takes longer than
// ffmpeg (bench/decode.sh, an hour of stereo: go-mp3 12x, oggvorbis 1.5x):
// auto sends them to ffmpeg when it is installed, and decodes them in Go
// when it is not.
var slowerThanFFmpeg = map[kind]bool{kindMP3: true, kindVorbis: true}

// NewStream decodes the recording of size bytes in f with a Go decoder,
// by its content. Close closes f if it is an io.Closer.
func NewStream(f File, size int64) (*Stream, error) {
	k, _, err := identify("", f, size)
	if err != nil {
		return nil, err
	}
	return openNative(f, size, k)
}

// openNative starts the Go decoder of kind k on f.
func openNative(f File, size int64, k kind) (s *Stream, err error) {
	defer func() {
		// A decoder that panics on a damaged header fails this call alone
		// (go-mp3 indexes its tables with a corrupt frame's values).
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("corrupt %s: the decoder failed on it: %v", k, p)
		}
	}()
	s = &Stream{}
	switch k {
	case kindWAV:
		s.src, err = newWAV(f, size, s)
	case kindFLAC:
		s.src, err = newFLAC(f, size, s)
	case kindMP3:
		s.src, err = newMP3(f, s)
		s.most = mostFramesPerByte * size
	case kindVorbis:
		s.src, err = newVorbis(f, s)
		s.most = mostFramesPerByte * size
	default:
		err = &needsFFmpeg{k.String() + ": callqa decodes it through ffmpeg"}
	}
	if err != nil {
		return nil, err
	}
	s.Format.Decoder = decoderNative
	return s, nil
}

// needsFFmpeg is a recording no Go decoder reads: --decoder auto passes it
// to ffmpeg.
type needsFFmpeg struct{ msg string }

func (e *needsFFmpeg) Error() string { return e.msg }

// Read decodes up to len(dst)/Channels frames into dst, interleaved by
// channel and scaled to [-1, 1) (float files may exceed it). It returns the
// number of frames decoded and io.EOF after the last one.
func (s *Stream) Read(dst []float32) (n int, err error) {
	if s.ended {
		return 0, io.EOF
	}
	if len(dst) < s.Format.Channels {
		return 0, errors.New("decode: destination smaller than one frame")
	}
	defer func() {
		// A decoder that panics on damaged data fails this call alone.
		if p := recover(); p != nil {
			n, err = 0, fmt.Errorf("%s decoder failed on damaged data: %v", s.Format.Codec, p)
		}
	}()
	if s.most > 0 && s.decoded > s.most {
		s.ended = true
		s.warn("the %s decoder gave more audio than the file can hold (%.0f s): it is damaged; decoding stopped", s.Format.Codec, s.Duration())
		return 0, io.EOF
	}
	n, err = s.src.read(dst[:len(dst)-len(dst)%s.Format.Channels])
	s.decoded += int64(n)
	if errors.Is(err, io.EOF) {
		s.ended = true
	}
	return n, err
}

// warn records damage that was worked around.
func (s *Stream) warn(format string, args ...any) {
	s.Warnings = append(s.Warnings, fmt.Sprintf(format, args...))
}

// Duration is the length of the audio in seconds: what was decoded once the
// stream has ended, what the header declares before.
func (s *Stream) Duration() float64 {
	frames := s.Frames
	if s.ended {
		frames = s.decoded
	}
	return float64(frames) / float64(s.Format.SampleRate)
}

// Close ends the decoding and closes the file (and reaps ffmpeg).
func (s *Stream) Close() error {
	return s.src.close()
}

// closeFile closes f if it is an io.Closer.
func closeFile(f any) error {
	if c, ok := f.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
