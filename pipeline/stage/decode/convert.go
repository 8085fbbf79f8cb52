package decode

import (
	"encoding/binary"
	"math"

	"github.com/zaf/g711"
)

// G.711 lookup tables, built once from the reference codec.
var muLawTable, aLawTable [256]float32

func init() {
	for i := range 256 {
		muLawTable[i] = float32(g711.DecodeUlawFrame(uint8(i))) / 32768
		aLawTable[i] = float32(g711.DecodeAlawFrame(uint8(i))) / 32768
	}
}

// converter returns the function that turns the raw bytes of whole frames
// into interleaved float samples. Each is one tight loop: decoding runs at
// memory speed.
func converter(f Format) func(dst []float32, src []byte) {
	stride := f.BitsPerSample / 8
	if f.BlockAlign != f.Channels*stride {
		// Padded frames: decode sample by sample at their offsets.
		inner := converter(Format{Encoding: f.Encoding, BitsPerSample: f.BitsPerSample, Channels: 1, BlockAlign: stride, BigEndian: f.BigEndian})
		return func(dst []float32, src []byte) {
			for i := range dst {
				frame, ch := i/f.Channels, i%f.Channels
				off := frame*f.BlockAlign + ch*stride
				inner(dst[i:i+1], src[off:off+stride])
			}
		}
	}
	var order binary.ByteOrder = binary.LittleEndian
	if f.BigEndian {
		order = binary.BigEndian
	}
	switch f.Encoding {
	case MuLaw:
		return func(dst []float32, src []byte) { lookup(dst, src, &muLawTable) }
	case ALaw:
		return func(dst []float32, src []byte) { lookup(dst, src, &aLawTable) }
	case Float:
		if f.BitsPerSample == 64 {
			return func(dst []float32, src []byte) {
				for i := range dst {
					dst[i] = float32(math.Float64frombits(order.Uint64(src[8*i:])))
				}
			}
		}
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = math.Float32frombits(order.Uint32(src[4*i:]))
			}
		}
	}
	switch f.BitsPerSample {
	case 8:
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(int(src[i])-128) * scale8 // 8-bit PCM is unsigned
			}
		}
	case 16:
		if f.BigEndian {
			return func(dst []float32, src []byte) {
				for i := range dst {
					dst[i] = float32(int16(binary.BigEndian.Uint16(src[2*i:]))) * scale16
				}
			}
		}
		return pcm16LE
	case 24:
		return func(dst []float32, src []byte) {
			for i := range dst {
				b := src[3*i : 3*i+3]
				var v int32
				if f.BigEndian {
					v = int32(b[0])<<24 | int32(b[1])<<16 | int32(b[2])<<8
				} else {
					v = int32(b[2])<<24 | int32(b[1])<<16 | int32(b[0])<<8
				}
				dst[i] = float32(v>>8) * scale24
			}
		}
	default: // 32
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(float64(int32(order.Uint32(src[4*i:]))) * scale32)
			}
		}
	}
}

// Scales from integer samples to [-1, 1). They are powers of two, so
// multiplying by them is exact, and much faster than dividing.
const (
	scale8  = 1.0 / (1 << 7)
	scale16 = 1.0 / (1 << 15)
	scale24 = 1.0 / (1 << 23)
	scale32 = 1.0 / (1 << 31)
)

// pcm16LE is the common case (telephony WAV), so it takes four samples
// per 64-bit load.
func pcm16LE(dst []float32, src []byte) {
	src = src[:2*len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		v := binary.LittleEndian.Uint64(src[2*i:])
		d := dst[i : i+4 : i+4]
		d[0] = float32(int16(v)) * scale16
		d[1] = float32(int16(v>>16)) * scale16
		d[2] = float32(int16(v>>32)) * scale16
		d[3] = float32(int16(v>>48)) * scale16
	}
	for ; i < len(dst); i++ {
		dst[i] = float32(int16(binary.LittleEndian.Uint16(src[2*i:]))) * scale16
	}
}

func lookup(dst []float32, src []byte, table *[256]float32) {
	src = src[:len(dst)]
	for i, b := range src {
		dst[i] = table[b]
	}
}
