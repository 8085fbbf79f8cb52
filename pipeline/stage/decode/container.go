package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// layout is where the format and the samples are, found by walking the
// chunks of a RIFF, RF64/BW64 or RIFX file.
type layout struct {
	container  string // "RIFF", "RF64", "BW64" or "RIFX"
	order      binary.ByteOrder
	fmtBody    []byte
	dataOffset int64
	dataSize   int64 // bytes of samples present in the file
	warnings   []string
}

// maxFmtSize bounds the fmt chunk we read: the largest real one (extensible)
// is 40 bytes.
const maxFmtSize = 4096

// sizeUnknown is the 32-bit size that RF64 files and streaming writers
// put where the real size does not fit or is not yet known.
const sizeUnknown = 0xFFFFFFFF

// scanChunks walks the chunk list and checks every declared size against
// the size of the file before anything is allocated from it: a corrupt size
// must never turn into a huge allocation, and a truncated recording must be
// decoded as far as its bytes go. Chunks may come in any order.
func scanChunks(r io.ReaderAt, fileSize int64) (layout, error) {
	var l layout
	if fileSize == 0 {
		return l, fmt.Errorf("%w: the file is empty", ErrNotWAV)
	}
	var hdr [12]byte
	if n, _ := r.ReadAt(hdr[:], 0); n < len(hdr) {
		return l, fmt.Errorf("%w: only %d bytes", ErrNotWAV, n)
	}
	l.container = string(hdr[:4])
	switch l.container {
	case "RIFF", "RF64", "BW64":
		l.order = binary.LittleEndian
	case "RIFX":
		l.order = binary.BigEndian
	default:
		// What it starts with is not quoted: a manifest can name any file.
		return l, fmt.Errorf("%w: it does not start with RIFF, RF64 or RIFX", ErrNotWAV)
	}
	if string(hdr[8:12]) != "WAVE" {
		return l, fmt.Errorf("%w: %s form %q, not \"WAVE\"", ErrNotWAV, l.container, hdr[8:12])
	}

	var ds64DataSize int64 = -1 // RF64: the real data size, from the ds64 chunk
	var haveData bool
	pos := int64(12)
	for pos+8 <= fileSize && (l.fmtBody == nil || !haveData) {
		var ch [8]byte
		if _, err := r.ReadAt(ch[:], pos); err != nil {
			return l, fmt.Errorf("read chunk header at byte %d: %w", pos, err)
		}
		id := string(ch[:4])
		size := int64(l.order.Uint32(ch[4:]))
		body := pos + 8
		remain := fileSize - body
		switch {
		case id == "data":
			haveData = true
			l.dataOffset = body
			if size == sizeUnknown && ds64DataSize >= 0 {
				size = ds64DataSize
			}
			switch {
			case size == 0 || size == sizeUnknown:
				l.warnings = append(l.warnings, fmt.Sprintf(
					"data chunk size is %d (unfinished or streamed recording): decoded the %d bytes to the end of the file", size, remain))
				size = remain
			case size > remain:
				l.warnings = append(l.warnings, fmt.Sprintf(
					"truncated recording: data chunk declares %d bytes but the file holds %d: decoded what is there", size, remain))
				size = remain
			}
			l.dataSize = size
		case size > remain:
			return l, fmt.Errorf("corrupt WAV: chunk %q at byte %d declares %d bytes but only %d remain", id, pos, size, remain)
		case id == "fmt ":
			if size < 16 || size > maxFmtSize {
				return l, fmt.Errorf("corrupt WAV: fmt chunk of %d bytes (16 to %d expected)", size, maxFmtSize)
			}
			l.fmtBody = make([]byte, size)
			if _, err := r.ReadAt(l.fmtBody, body); err != nil {
				return l, fmt.Errorf("read fmt chunk: %w", err)
			}
		case id == "ds64" && l.container != "RIFX":
			if size < 24 {
				return l, fmt.Errorf("corrupt WAV: ds64 chunk of %d bytes (at least 24 expected)", size)
			}
			var b [24]byte
			if _, err := r.ReadAt(b[:], body); err != nil {
				return l, fmt.Errorf("read ds64 chunk: %w", err)
			}
			ds64DataSize = int64(binary.LittleEndian.Uint64(b[8:16]) & (1<<62 - 1))
		}
		pos = body + size + size&1
	}
	if l.fmtBody == nil {
		return l, errors.New("corrupt WAV: no fmt chunk")
	}
	if !haveData {
		return l, errors.New("corrupt WAV: no data chunk")
	}
	return l, nil
}
