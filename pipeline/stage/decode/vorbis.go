package decode

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/jfreymuth/oggvorbis"
)

// vorbisSource decodes Ogg Vorbis with jfreymuth/oggvorbis (pure Go, MIT).
type vorbisSource struct {
	s    *Stream
	f    File
	d    *oggvorbis.Reader
	done bool
}

func newVorbis(f File, s *Stream) (*vorbisSource, error) {
	d, err := oggvorbis.NewReader(bufio.NewReaderSize(f, blockBytes))
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, errors.New("corrupt Ogg Vorbis: the file ends before its first audio")
	}
	if err != nil {
		return nil, fmt.Errorf("corrupt Ogg Vorbis: %w", err)
	}
	if err := checkLayout(d.Channels(), d.SampleRate()); err != nil {
		return nil, err
	}
	s.Format = Format{Container: "Ogg", Codec: "vorbis", Channels: d.Channels(), SampleRate: d.SampleRate()}
	return &vorbisSource{s: s, f: f, d: d}, nil
}

func (v *vorbisSource) read(dst []float32) (int, error) {
	if v.done {
		return 0, io.EOF
	}
	ch := v.s.Format.Channels
	n, err := v.d.Read(dst)
	got := n / ch
	if err != nil {
		v.done = true
		if err != io.EOF {
			v.s.warn("damaged Ogg Vorbis after %.1f s (%v): decoded what came before", float64(v.s.decoded+int64(got))/float64(v.s.Format.SampleRate), err)
		}
		if got == 0 {
			return 0, io.EOF
		}
	}
	return got, nil
}

func (v *vorbisSource) close() error { return closeFile(v.f) }
