package decode

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// kind is what a recording holds, told by its first bytes.
type kind int

const (
	kindUnknown kind = iota
	kindWAV
	kindFLAC
	kindMP3
	kindVorbis   // Ogg Vorbis
	kindOpus     // Ogg Opus
	kindOggOther // Ogg with another codec (FLAC, Speex)
	kindMP4      // MP4 or M4A (AAC, ALAC)
)

// kinds names each kind for messages and gives ffmpeg's demuxer for it:
// ffmpeg is told the container, so that a file never makes it guess (a
// playlist or a concat script is not a recording).
var kinds = [...]struct{ name, demuxer string }{
	kindUnknown:  {"unknown", ""},
	kindWAV:      {"WAV", "wav"},
	kindFLAC:     {"FLAC", "flac"},
	kindMP3:      {"MP3", "mp3"},
	kindVorbis:   {"Ogg Vorbis", "ogg"},
	kindOpus:     {"Ogg Opus", "ogg"},
	kindOggOther: {"Ogg", "ogg"},
	kindMP4:      {"MP4/M4A", "mov"},
}

func (k kind) String() string { return kinds[k].name }

// extKinds is what each extension of a recording may hold.
var extKinds = map[string][]kind{
	".wav":  {kindWAV},
	".mp3":  {kindMP3},
	".flac": {kindFLAC},
	".ogg":  {kindVorbis, kindOpus, kindOggOther},
	".opus": {kindOpus},
	".m4a":  {kindMP4},
}

// headBytes is how much of a file identify reads.
const headBytes = 512

// identify tells what the file holds by its first bytes, which it returns,
// and checks that its extension agrees: a FLAC file named x.mp3 is a clear
// error, not a decoder's confusion.
func identify(path string, f File, size int64) (kind, []byte, error) {
	if size == 0 {
		return kindUnknown, nil, errors.New("the file is empty")
	}
	head := make([]byte, min(size, headBytes))
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	k := sniff(head)
	ext := strings.ToLower(filepath.Ext(path))
	want, named := extKinds[ext]
	switch {
	case k == kindUnknown && (!named || ext == ".wav"):
		// The WAV reader says best what is wrong with the first bytes.
		return kindWAV, head, nil
	case k == kindUnknown:
		return k, nil, fmt.Errorf("the file is not %s audio: its first bytes are no %s header", want[0], want[0])
	case named && !slices.Contains(want, k):
		return k, nil, fmt.Errorf("the file holds %s audio, not %s: is its extension wrong?", k, strings.TrimPrefix(ext, "."))
	}
	return k, head, nil
}

// sniff tells the kind from a file's first bytes.
func sniff(b []byte) kind {
	switch {
	case len(b) >= 12 && slices.Contains([]string{"RIFF", "RF64", "BW64", "RIFX"}, string(b[:4])) && string(b[8:12]) == "WAVE":
		return kindWAV
	case bytes.HasPrefix(b, []byte("fLaC")):
		return kindFLAC
	case bytes.HasPrefix(b, []byte("OggS")):
		return oggKind(b)
	case len(b) >= 8 && string(b[4:8]) == "ftyp":
		return kindMP4
	case bytes.HasPrefix(b, []byte("ID3")):
		return kindMP3
	case len(b) >= 4:
		if _, ok := parseMP3Header(b); ok {
			return kindMP3
		}
	}
	return kindUnknown
}

// oggKind reads the codec from the first packet of an Ogg stream.
func oggKind(b []byte) kind {
	if len(b) < 27 {
		return kindOggOther
	}
	p := b[min(len(b), 27+int(b[26])):]
	switch {
	case bytes.HasPrefix(p, []byte("\x01vorbis")):
		return kindVorbis
	case bytes.HasPrefix(p, []byte("OpusHead")):
		return kindOpus
	}
	return kindOggOther
}

// Knows reports whether ext (".mp3") names a kind of recording.
func Knows(ext string) bool {
	_, ok := extKinds[strings.ToLower(ext)]
	return ok
}
