package decode

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"
)

// mp3Header is what callqa needs of an MPEG audio frame header: go-mp3
// always gives stereo, so the channel count comes from here.
type mp3Header struct {
	version  string // "1", "2" or "2.5"
	layer    int
	rate     int
	channels int
}

var mp3Rates = [3]int{44100, 48000, 32000}

// parseMP3Header reads the 4-byte frame header at the start of b.
func parseMP3Header(b []byte) (mp3Header, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return mp3Header{}, false
	}
	ver, layer, bitrate, rate := b[1]>>3&3, b[1]>>1&3, b[2]>>4, b[2]>>2&3
	if ver == 1 || layer == 0 || bitrate == 15 || rate == 3 || b[3]&3 == 2 {
		return mp3Header{}, false
	}
	h := mp3Header{layer: 4 - int(layer), rate: mp3Rates[rate], channels: 2}
	switch ver {
	case 3:
		h.version = "1"
	case 2:
		h.version, h.rate = "2", h.rate/2
	default:
		h.version, h.rate = "2.5", h.rate/4
	}
	if b[3]>>6 == 3 {
		h.channels = 1
	}
	return h, true
}

// maxMP3Search is how far past its tags the first frame of an MP3 file may
// start.
const maxMP3Search = 64 << 10

// firstMP3Header finds the first frame header after an ID3v2 tag.
func firstMP3Header(f File) (mp3Header, error) {
	var start int64
	var id3 [10]byte
	if n, _ := f.ReadAt(id3[:], 0); n == 10 && string(id3[:3]) == "ID3" {
		size := int64(id3[6]&0x7F)<<21 | int64(id3[7]&0x7F)<<14 | int64(id3[8]&0x7F)<<7 | int64(id3[9]&0x7F)
		start = 10 + size
		if id3[5]&0x10 != 0 {
			start += 10 // a footer
		}
	}
	buf := make([]byte, maxMP3Search)
	n, _ := f.ReadAt(buf, start)
	for i := 0; i+4 <= n; i++ {
		if h, ok := parseMP3Header(buf[i:n]); ok {
			return h, nil
		}
	}
	return mp3Header{}, fmt.Errorf("corrupt MP3: no frame header in the %d bytes after byte %d", n, start)
}

// mp3Source decodes MP3 with go-mp3 (pure Go, Apache 2.0): MPEG-1 and
// MPEG-2 layer III.
type mp3Source struct {
	s    *Stream
	f    File
	d    *mp3.Decoder
	raw  []byte
	done bool
}

func newMP3(f File, s *Stream) (*mp3Source, error) {
	h, err := firstMP3Header(f)
	if err != nil {
		return nil, err
	}
	switch {
	case h.layer != 3:
		return nil, &needsFFmpeg{fmt.Sprintf("MPEG-%s layer %d audio: callqa decodes layer III (MP3) itself, and other layers through ffmpeg", h.version, h.layer)}
	case h.version == "2.5":
		return nil, &needsFFmpeg{fmt.Sprintf("MPEG-2.5 MP3 at %d Hz: callqa decodes MPEG-1 and MPEG-2 MP3 itself, and MPEG-2.5 (8 to 12 kHz) through ffmpeg", h.rate)}
	}
	if err := checkLayout(h.channels, h.rate); err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	// A bufio.Reader is no io.Seeker, so go-mp3 decodes as it reads
	// instead of first indexing every frame of the file.
	d, err := mp3.NewDecoder(bufio.NewReaderSize(f, blockBytes))
	if err != nil {
		return nil, fmt.Errorf("corrupt MP3: %w", err)
	}
	s.Format = Format{Container: "MP3", Codec: "mp3", Channels: h.channels, SampleRate: d.SampleRate()}
	if d.SampleRate() != h.rate {
		return nil, fmt.Errorf("corrupt MP3: the first frames disagree on the sample rate (%d and %d Hz)", h.rate, d.SampleRate())
	}
	return &mp3Source{s: s, f: f, d: d, raw: make([]byte, blockBytes)}, nil
}

// read takes go-mp3's 16-bit stereo and keeps one channel of a mono file.
func (m *mp3Source) read(dst []float32) (int, error) {
	if m.done {
		return 0, io.EOF
	}
	ch := m.s.Format.Channels
	frames := min(len(dst)/ch, len(m.raw)/4)
	n, err := io.ReadFull(m.d, m.raw[:4*frames])
	m.done = err != nil
	got := n / 4
	if ch == 1 {
		for i := range got {
			dst[i] = float32(int16(binary.LittleEndian.Uint16(m.raw[4*i:]))) * scale16
		}
	} else {
		pcm16LE(dst[:2*got], m.raw[:4*got])
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		if m.s.decoded+int64(got) == 0 {
			return 0, fmt.Errorf("corrupt MP3: %w", err)
		}
		m.s.warn("damaged MP3 after %.1f s (%v): decoded what came before", float64(m.s.decoded+int64(got))/float64(m.s.Format.SampleRate), err)
		err = io.EOF
	}
	if got == 0 && err != nil {
		return 0, io.EOF
	}
	return got, nil
}

func (m *mp3Source) close() error { return closeFile(m.f) }
