package decode

import (
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
)

// flacSource decodes FLAC with mewkiz/flac (pure Go, Unlicense), frame by
// frame.
type flacSource struct {
	s     *Stream
	f     File
	d     *flac.Stream
	scale float32
	// cur is the decoded frame being handed out, from sample pos on.
	cur    *frame.Frame
	pos    int
	parsed int64 // samples of the frames parsed
	done   bool
}

func newFLAC(f File, s *Stream) (*flacSource, error) {
	d, err := flac.New(f)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, errors.New("corrupt FLAC: the file ends inside its header")
	}
	if err != nil {
		return nil, fmt.Errorf("corrupt FLAC: %w", err)
	}
	info := d.Info
	if err := checkLayout(int(info.NChannels), int(info.SampleRate)); err != nil {
		return nil, err
	}
	if info.BitsPerSample < 4 || info.BitsPerSample > 32 {
		return nil, fmt.Errorf("corrupt FLAC: %d bits per sample", info.BitsPerSample)
	}
	s.Format = Format{
		Container: "FLAC", Codec: "flac", Channels: int(info.NChannels), SampleRate: int(info.SampleRate),
		BitsPerSample: int(info.BitsPerSample), ValidBits: int(info.BitsPerSample),
	}
	s.Frames = int64(min(info.NSamples, 1<<62))
	return &flacSource{s: s, f: f, d: d, scale: 1 / float32(uint64(1)<<(info.BitsPerSample-1))}, nil
}

func (fl *flacSource) read(dst []float32) (int, error) {
	ch := fl.s.Format.Channels
	want := len(dst) / ch
	got := 0
	for got < want && !fl.done {
		if fl.cur == nil || fl.pos == int(fl.cur.BlockSize) {
			if !fl.next() {
				break
			}
		}
		n := min(want-got, int(fl.cur.BlockSize)-fl.pos)
		for c, sub := range fl.cur.Subframes {
			for i, v := range sub.Samples[fl.pos : fl.pos+n] {
				dst[(got+i)*ch+c] = float32(v) * fl.scale
			}
		}
		fl.pos += n
		got += n
	}
	if got == 0 {
		return 0, io.EOF
	}
	return got, nil
}

// next decodes the next frame; at the end or at damage it says why and
// returns false.
func (fl *flacSource) next() bool {
	fr, err := fl.d.ParseNext()
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		fl.done = true
		if fl.s.Frames > 0 && fl.parsed < fl.s.Frames {
			fl.s.warn("truncated recording: FLAC declares %d samples but holds %d: decoded what is there", fl.s.Frames, fl.parsed)
		}
		return false
	case err == nil && len(fr.Subframes) != fl.s.Format.Channels:
		err = fmt.Errorf("a frame of %d channels in a %d-channel stream", len(fr.Subframes), fl.s.Format.Channels)
	case err == nil && int(fr.BlockSize) > len(fr.Subframes[0].Samples):
		err = fmt.Errorf("a frame of %d samples holds %d", fr.BlockSize, len(fr.Subframes[0].Samples))
	}
	if err != nil {
		fl.done = true
		fl.s.warn("damaged FLAC after %.1f s (%v): decoded what came before", float64(fl.parsed)/float64(fl.s.Format.SampleRate), err)
		return false
	}
	fl.cur, fl.pos = fr, 0
	fl.parsed += int64(fr.BlockSize)
	return true
}

func (fl *flacSource) close() error { return closeFile(fl.f) }
