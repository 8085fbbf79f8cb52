package decode

import (
	"encoding/binary"
	"fmt"
)

// Format tags from the WAVE fmt chunk.
const (
	tagPCM        = 0x0001
	tagADPCM      = 0x0002
	tagFloat      = 0x0003
	tagALaw       = 0x0006
	tagMuLaw      = 0x0007
	tagIMAADPCM   = 0x0011
	tagGSM610     = 0x0031
	tagMPEG       = 0x0050
	tagMP3        = 0x0055
	tagExtensible = 0xFFFE
)

// tagNames names the tags users meet, for messages.
var tagNames = map[uint16]string{
	tagPCM:        "PCM",
	tagADPCM:      "Microsoft ADPCM",
	tagFloat:      "IEEE float",
	tagALaw:       "G.711 A-law",
	tagMuLaw:      "G.711 mu-law",
	tagIMAADPCM:   "IMA ADPCM",
	tagGSM610:     "GSM 6.10",
	tagMPEG:       "MPEG",
	tagMP3:        "MPEG layer 3 (MP3)",
	tagExtensible: "WAVE_FORMAT_EXTENSIBLE",
}

// tagName describes a format tag as "0x0011 (IMA ADPCM)".
func tagName(tag uint16) string {
	if n, ok := tagNames[tag]; ok {
		return fmt.Sprintf("0x%04X (%s)", tag, n)
	}
	return fmt.Sprintf("0x%04X", tag)
}

// Encoding is how samples are stored.
type Encoding int

// The encodings callqa decodes.
const (
	PCM   Encoding = iota + 1 // signed integers (unsigned for 8 bits)
	Float                     // IEEE float, 32 or 64 bits
	MuLaw                     // G.711 mu-law, 8 bits
	ALaw                      // G.711 A-law, 8 bits
)

func (e Encoding) String() string {
	return [...]string{"?", "PCM", "float", "mu-law", "A-law"}[max(0, min(int(e), 4))]
}

// Format is what a WAV file says about its samples.
type Format struct {
	Container string // RIFF, RF64, BW64 or RIFX
	Tag       uint16 // the fmt chunk's tag (0xFFFE for extensible)
	// SubFormat is the extensible sub-format's tag, 0 otherwise.
	SubFormat     uint16
	Encoding      Encoding
	Channels      int
	SampleRate    int // Hz
	BitsPerSample int // container size of a sample
	ValidBits     int // meaningful bits (extensible), else BitsPerSample
	BlockAlign    int // bytes per frame (one sample of every channel)
	BigEndian     bool
	// Codec is ffmpeg's name of the codec: pcm_s16le, pcm_mulaw, flac, mp3,
	// vorbis, opus, aac, gsm_ms, ...
	Codec string
	// Decoder is "native" (callqa's Go decoders) or "ffmpeg".
	Decoder string
}

// String describes the format for messages: "RIFF PCM 16-bit stereo 8000
// Hz" for WAV, "MP3 mp3 mono 8000 Hz" for the others.
func (f Format) String() string {
	ch := map[int]string{1: "mono", 2: "stereo"}[f.Channels]
	if ch == "" {
		ch = fmt.Sprintf("%d channels", f.Channels)
	}
	if f.Encoding == 0 {
		bits := ""
		if f.BitsPerSample > 0 {
			bits = fmt.Sprintf(" %d-bit", f.BitsPerSample)
		}
		return fmt.Sprintf("%s %s%s %s %d Hz", f.Container, f.Codec, bits, ch, f.SampleRate)
	}
	return fmt.Sprintf("%s %s %d-bit %s %d Hz", f.Container, f.Encoding, f.BitsPerSample, ch, f.SampleRate)
}

// Limits of what callqa accepts.
const (
	minSampleRate = 8000
	maxSampleRate = 48000
	maxChannels   = 2
)

// parseFmt reads a fmt chunk body in the file's byte order, with the
// extensible fields when present.
func parseFmt(b []byte, order binary.ByteOrder) Format {
	f := Format{
		Tag:           order.Uint16(b[0:]),
		Channels:      int(order.Uint16(b[2:])),
		SampleRate:    int(order.Uint32(b[4:])),
		BlockAlign:    int(order.Uint16(b[12:])),
		BitsPerSample: int(order.Uint16(b[14:])),
		BigEndian:     order == binary.BigEndian,
	}
	f.ValidBits = f.BitsPerSample
	if f.Tag == tagExtensible && len(b) >= 40 && order.Uint16(b[16:]) >= 22 {
		if v := int(order.Uint16(b[18:])); v > 0 {
			f.ValidBits = v
		}
		f.SubFormat = order.Uint16(b[24:]) // the first two bytes of the GUID
	}
	return f
}

// readFormat reads the format of a file whose chunks were scanned. The fmt
// chunk is parsed once, here, for all three containers: go-audio/wav knows
// neither RF64 nor RIFX, drops the extensible fields and the block align,
// and would read the header a second time. (A test checks that it agrees on
// every RIFF file it can read.)
func readFormat(l layout) (Format, error) {
	format := parseFmt(l.fmtBody, l.order)
	format.Container = l.container
	return format, resolve(&format)
}

// resolve sets the encoding from the tag and checks that callqa can decode
// the format, naming what was found when it cannot.
func resolve(f *Format) error {
	tag := f.Tag
	if tag == tagExtensible {
		if f.SubFormat == 0 {
			return fmt.Errorf("unsupported WAV format %s without a sub-format", tagName(tag))
		}
		tag = f.SubFormat
	}
	bits := f.BitsPerSample
	switch {
	case tag == tagPCM && (bits == 8 || bits == 16 || bits == 24 || bits == 32):
		f.Encoding = PCM
	case tag == tagFloat && (bits == 32 || bits == 64):
		f.Encoding = Float
	case tag == tagMuLaw && bits == 8:
		f.Encoding = MuLaw
	case tag == tagALaw && bits == 8:
		f.Encoding = ALaw
	case tag == tagPCM || tag == tagFloat || tag == tagMuLaw || tag == tagALaw:
		return fmt.Errorf("unsupported WAV format %s with %d bits per sample", tagName(tag), bits)
	default:
		what := tagName(tag)
		if f.Tag == tagExtensible {
			what = fmt.Sprintf("%s with sub-format %s", tagName(f.Tag), tagName(tag))
		}
		return &needsFFmpeg{fmt.Sprintf("WAV format %s: callqa decodes PCM, IEEE float, G.711 mu-law and A-law itself, and other codecs through ffmpeg", what)}
	}
	if f.ValidBits > bits {
		return fmt.Errorf("corrupt WAV: %d valid bits in a %d-bit sample", f.ValidBits, bits)
	}
	if err := checkLayout(f.Channels, f.SampleRate); err != nil {
		return err
	}
	if need := f.Channels * bits / 8; f.BlockAlign < need {
		if f.BlockAlign != 0 {
			return fmt.Errorf("corrupt WAV: block align %d for %d channels of %d bits", f.BlockAlign, f.Channels, bits)
		}
		f.BlockAlign = need // some writers leave it 0
	}
	return nil
}

// checkLayout checks the channels and the sample rate a native decoder
// found. A rate out of range is resampled by ffmpeg.
func checkLayout(channels, rate int) error {
	if channels < 1 || channels > maxChannels {
		return fmt.Errorf("unsupported channel count %d: callqa reads mono or stereo (agent and customer)", channels)
	}
	if rate < minSampleRate || rate > maxSampleRate {
		return &needsFFmpeg{fmt.Sprintf("sample rate %d Hz: callqa reads %d to %d Hz itself, and resamples other rates through ffmpeg", rate, minSampleRate, maxSampleRate)}
	}
	return nil
}
