package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// layout is where the samples are, found by walking the RIFF chunks.
type layout struct {
	dataOffset int64
	dataSize   int64 // bytes of samples present in the file
	warnings   []string
}

// scanChunks walks the chunk list and checks every declared size against
// the size of the file before anything is allocated from it: a corrupt size
// must never turn into a huge allocation, and a truncated recording must be
// decoded as far as its bytes go.
func scanChunks(r io.ReaderAt, fileSize int64) (layout, error) {
	var l layout
	if fileSize == 0 {
		return l, fmt.Errorf("%w: the file is empty", ErrNotWAV)
	}
	var hdr [12]byte
	if n, _ := r.ReadAt(hdr[:], 0); n < len(hdr) {
		return l, fmt.Errorf("%w: only %d bytes", ErrNotWAV, n)
	}
	switch string(hdr[:4]) {
	case "RIFF":
	case "RF64", "RIFX":
		return l, fmt.Errorf("unsupported WAV container %q", hdr[:4])
	default:
		return l, fmt.Errorf("%w: starts with %q, not \"RIFF\"", ErrNotWAV, hdr[:4])
	}
	if string(hdr[8:12]) != "WAVE" {
		return l, fmt.Errorf("%w: RIFF form %q, not \"WAVE\"", ErrNotWAV, hdr[8:12])
	}

	var haveFmt, haveData bool
	pos := int64(12)
	for pos+8 <= fileSize && !(haveFmt && haveData) {
		var ch [8]byte
		if _, err := r.ReadAt(ch[:], pos); err != nil {
			return l, fmt.Errorf("read chunk header at byte %d: %w", pos, err)
		}
		id := string(ch[:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		body := pos + 8
		remain := fileSize - body
		if id == "data" {
			haveData = true
			l.dataOffset = body
			switch {
			case size == 0 || size == 0xFFFFFFFF:
				l.warnings = append(l.warnings, fmt.Sprintf(
					"data chunk size is %d (unfinished or streamed recording): decoded the %d bytes to the end of the file", size, remain))
				size = remain
			case size > remain:
				l.warnings = append(l.warnings, fmt.Sprintf(
					"truncated recording: data chunk declares %d bytes but the file holds %d: decoded what is there", size, remain))
				size = remain
			}
			l.dataSize = size
		} else {
			if size > remain {
				return l, fmt.Errorf("corrupt WAV: chunk %q at byte %d declares %d bytes but only %d remain", id, pos, size, remain)
			}
			if id == "fmt " {
				if size < 16 {
					return l, fmt.Errorf("corrupt WAV: fmt chunk of %d bytes (at least 16 expected)", size)
				}
				haveFmt = true
			}
		}
		pos = body + size + size&1
	}
	if !haveFmt {
		return l, errors.New("corrupt WAV: no fmt chunk")
	}
	if !haveData {
		return l, errors.New("corrupt WAV: no data chunk")
	}
	return l, nil
}
