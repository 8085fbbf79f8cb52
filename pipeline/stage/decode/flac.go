package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// flacSource decodes FLAC (xiph.org/flac/format.html) frame by frame from
// a window of the file. It is callqa's own: mewkiz/flac, the pure-Go
// decoder, reads its bits through an io.Reader a byte at a time and took
// three times ffmpeg's time on an hour of stereo; this reads them from a
// byte slice 64 bits at a time.
type flacSource struct {
	s     *Stream
	f     File
	size  int64 // bytes in the file
	scale float32

	buf    []byte // the file from offset base on, and 8 zero bytes
	base   int64
	n      int // bytes of buf that hold the file
	off    int // where the next frame starts in buf
	eof    bool
	block  [][]int32 // the frame being handed out, per channel
	pos    int       // frames of block handed out
	parsed int64     // samples of the frames decoded
	done   bool
}

// flacWindow is how much of the file is in memory: more than the largest
// frame (65535 samples of 2 channels of 33 bits is 540 KB).
const flacWindow = 1 << 20

func newFLAC(f File, size int64, s *Stream) (*flacSource, error) {
	fl := &flacSource{s: s, f: f, size: size, buf: make([]byte, flacWindow+8)}
	if err := fl.fill(0); err != nil {
		return nil, err
	}
	pos := 4 // after "fLaC"
	if fl.n < pos || string(fl.buf[:4]) != "fLaC" {
		return nil, errors.New("corrupt FLAC: no fLaC marker")
	}
	var info []byte
	for last := false; !last; {
		if fl.n < pos+4 {
			return nil, errors.New("corrupt FLAC: the file ends inside its header")
		}
		h := fl.buf[pos : pos+4]
		kind := h[0] & 0x7F
		last = h[0]&0x80 != 0
		length := int64(h[1])<<16 | int64(h[2])<<8 | int64(h[3])
		start := fl.base + int64(pos) + 4
		if start+length > size {
			return nil, fmt.Errorf("corrupt FLAC: metadata block %d declares %d bytes but only %d remain", kind, length, size-start)
		}
		if kind == 0 {
			if length < 34 || info != nil || fl.n < pos+4+34 {
				return nil, errors.New("corrupt FLAC: a bad STREAMINFO block")
			}
			info = append([]byte{}, fl.buf[pos+4:pos+4+34]...)
		} else if info == nil {
			return nil, errors.New("corrupt FLAC: STREAMINFO is not the first block")
		}
		// Skip the block (a picture may be megabytes) without reading it.
		if err := fl.fill(start + length); err != nil {
			return nil, err
		}
		pos = 0
	}
	if info == nil {
		return nil, errors.New("corrupt FLAC: no STREAMINFO block")
	}
	rate := int(binary.BigEndian.Uint32(info[10:]) >> 12)
	channels := int(info[12]>>1&7) + 1
	bps := int(binary.BigEndian.Uint16(info[12:])>>4&31) + 1
	total := int64(binary.BigEndian.Uint64(info[10:]) & (1<<36 - 1))
	if err := checkLayout(channels, rate); err != nil {
		return nil, err
	}
	if bps < 4 {
		return nil, fmt.Errorf("corrupt FLAC: %d bits per sample", bps)
	}
	s.Format = Format{Container: "FLAC", Codec: "flac", Channels: channels, SampleRate: rate, BitsPerSample: bps, ValidBits: bps}
	s.Frames = total
	fl.scale = 1 / float32(uint64(1)<<(bps-1))
	return fl, nil
}

// fill moves the window to start at file offset off and fills it.
func (fl *flacSource) fill(off int64) error {
	if off >= fl.base && off <= fl.base+int64(fl.n) {
		k := int(off - fl.base)
		fl.n = copy(fl.buf, fl.buf[k:fl.n])
	} else {
		fl.n = 0
	}
	fl.base, fl.off = off, 0
	for fl.n < flacWindow && fl.base+int64(fl.n) < fl.size {
		k, err := fl.f.ReadAt(fl.buf[fl.n:flacWindow], fl.base+int64(fl.n))
		fl.n += k
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if k == 0 {
			break // the file shrank
		}
	}
	clear(fl.buf[fl.n:])
	fl.eof = fl.base+int64(fl.n) >= fl.size || fl.n < flacWindow
	return nil
}

func (fl *flacSource) read(dst []float32) (int, error) {
	ch := fl.s.Format.Channels
	want, got := len(dst)/ch, 0
	for got < want && !fl.done {
		if fl.block == nil || fl.pos == len(fl.block[0]) {
			if !fl.next() {
				break
			}
		}
		n := min(want-got, len(fl.block[0])-fl.pos)
		for c, samples := range fl.block {
			for i, v := range samples[fl.pos : fl.pos+n] {
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

// next decodes the next frame; at the end, or at damage, it says why and
// returns false.
func (fl *flacSource) next() bool {
	if !fl.eof && fl.n-fl.off < flacWindow/2 {
		if err := fl.fill(fl.base + int64(fl.off)); err != nil {
			return fl.stop(err)
		}
	}
	if fl.n == fl.off {
		return fl.stop(io.EOF)
	}
	d := flacFrame{r: bitReader{buf: fl.buf[fl.off : fl.n+8], end: uint(fl.n-fl.off) * 8}, info: fl.s.Format, block: fl.block}
	used, err := d.decode()
	if err != nil {
		return fl.stop(err)
	}
	fl.block, fl.pos = d.block, 0
	fl.parsed += int64(len(d.block[0]))
	fl.off += used
	return true
}

// stop ends the stream at err: the end of the file, a cut, or damage.
func (fl *flacSource) stop(err error) bool {
	fl.done = true
	switch {
	case fl.s.Frames > 0 && fl.parsed >= fl.s.Frames:
		// Every sample declared is decoded: what follows (an ID3v1 tag)
		// is not audio.
	case errors.Is(err, io.EOF) && fl.s.Frames == 0:
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		fl.s.warn("truncated recording: FLAC declares %d samples but holds %d: decoded what is there", fl.s.Frames, fl.parsed)
	default:
		fl.s.warn("damaged FLAC after %.1f s (%v): decoded what came before", float64(fl.parsed)/float64(fl.s.Format.SampleRate), err)
	}
	return false
}

func (fl *flacSource) close() error { return closeFile(fl.f) }

// errFLACCut is a frame that runs past the bytes there are.
var errFLACCut = io.ErrUnexpectedEOF

// bitReader reads big-endian bits from buf, which ends in 8 zero bytes of
// slack past end so that every read may load 64 bits; past end it reads
// zeros and over says so.
type bitReader struct {
	buf      []byte
	pos, end uint // in bits
}

func (r *bitReader) over() bool { return r.pos > r.end }

// read returns the next n bits (n <= 56).
func (r *bitReader) read(n uint) uint64 {
	if n == 0 {
		return 0
	}
	i := r.pos >> 3
	if i+8 > uint(len(r.buf)) {
		r.pos = r.end + 1
		return 0
	}
	v := binary.BigEndian.Uint64(r.buf[i:]) << (r.pos & 7)
	r.pos += n
	return v >> (64 - n)
}

// signed reads n bits (n <= 33) as two's complement.
func (r *bitReader) signed(n uint) int64 {
	if n == 0 {
		return 0
	}
	if n > 56 {
		r.pos = r.end + 1
		return 0
	}
	return int64(r.read(n)<<(64-n)) >> (64 - n)
}

// unary counts zero bits up to the next one bit, which it consumes.
func (r *bitReader) unary() uint {
	count := uint(0)
	for {
		i := r.pos >> 3
		if i+8 > uint(len(r.buf)) || r.pos > r.end {
			r.pos = r.end + 1
			return count
		}
		v := binary.BigEndian.Uint64(r.buf[i:]) << (r.pos & 7)
		avail := 64 - r.pos&7
		if z := uint(bits.LeadingZeros64(v)); z < avail {
			r.pos += z + 1
			return count + z
		}
		r.pos += avail
		count += avail
	}
}

// rice reads a Rice code of parameter k: a unary quotient, then k bits.
// Most fit in one 64-bit load.
func (r *bitReader) rice(k uint) uint32 {
	i := r.pos >> 3
	if i+8 <= uint(len(r.buf)) {
		v := binary.BigEndian.Uint64(r.buf[i:]) << (r.pos & 7)
		z := uint(bits.LeadingZeros64(v))
		if z+1+k <= 64-r.pos&7 && z < 64 {
			r.pos += z + 1 + k
			low := uint32(0)
			if k > 0 {
				low = uint32(v << (z + 1) >> (64 - k))
			}
			return uint32(z)<<k | low
		}
	}
	return uint32(r.unary())<<k | uint32(r.read(k))
}

func (r *bitReader) align() { r.pos = (r.pos + 7) &^ 7 }

// flacFrame decodes one frame.
type flacFrame struct {
	r     bitReader
	info  Format
	block [][]int32 // reused between frames
}

var flacBlockSizes = [16]int{0, 192, 576, 1152, 2304, 4608, 0, 0, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768}
var flacDepths = [8]int{0, 8, 12, 0, 16, 20, 24, 32}

// decode reads the frame at the start of the reader and returns the bytes
// it took.
func (d *flacFrame) decode() (int, error) {
	r := &d.r
	if r.read(14) != 0x3FFE {
		return 0, errors.New("no frame sync where a frame should start")
	}
	r.read(2) // reserved, blocking strategy
	sizeCode, rateCode := r.read(4), r.read(4)
	assign, depthCode := int(r.read(4)), r.read(3)
	r.read(1)
	// The frame or sample number, UTF-8 coded: only its length matters.
	if first := r.read(8); first >= 0x80 {
		n := bits.LeadingZeros8(^uint8(first))
		if n < 2 || n > 7 {
			return 0, errors.New("a bad frame number")
		}
		r.read(uint(8 * (n - 1)))
	}
	size := flacBlockSizes[sizeCode]
	switch sizeCode {
	case 6:
		size = int(r.read(8)) + 1
	case 7:
		size = int(r.read(16)) + 1
	}
	switch rateCode {
	case 12:
		r.read(8)
	case 13, 14:
		r.read(16)
	case 15:
		return 0, errors.New("a bad sample rate code")
	}
	headerEnd := r.pos / 8
	if crc8(r.buf[:headerEnd]) != uint8(r.read(8)) {
		if r.over() {
			return 0, errFLACCut
		}
		return 0, errors.New("frame header CRC mismatch")
	}
	depth := d.info.BitsPerSample
	if depthCode != 0 {
		depth = flacDepths[depthCode]
	}
	channels := assign + 1
	if assign >= 8 {
		channels = 2
	}
	switch {
	case size == 0 || assign > 10 || depth == 0:
		return 0, errors.New("a reserved code in the frame header")
	case channels != d.info.Channels:
		return 0, fmt.Errorf("a frame of %d channels in a %d-channel stream", channels, d.info.Channels)
	case depth != d.info.BitsPerSample:
		return 0, fmt.Errorf("a frame of %d bits in a %d-bit stream", depth, d.info.BitsPerSample)
	}
	if len(d.block) != channels {
		d.block = make([][]int32, channels)
	}
	for c := range d.block {
		if cap(d.block[c]) < size {
			d.block[c] = make([]int32, size)
		}
		d.block[c] = d.block[c][:size]
		bps := uint(depth)
		if assign == 8 && c == 1 || assign == 9 && c == 0 || assign == 10 && c == 1 {
			bps++ // the side channel
		}
		if err := d.subframe(d.block[c], bps); err != nil {
			return 0, err
		}
		if r.over() {
			return 0, errFLACCut
		}
	}
	r.align()
	end := r.pos / 8
	want := uint16(r.read(16))
	if r.over() {
		return 0, errFLACCut
	}
	if crc16(r.buf[:end]) != want {
		return 0, errors.New("frame CRC mismatch")
	}
	decorrelate(d.block, assign)
	return int(r.pos / 8), nil
}

// decorrelate undoes a stereo frame's channel coding.
func decorrelate(b [][]int32, assign int) {
	switch assign {
	case 8: // left, side
		for i, side := range b[1] {
			b[1][i] = b[0][i] - side
		}
	case 9: // side, right
		for i, side := range b[0] {
			b[0][i] = side + b[1][i]
		}
	case 10: // mid, side
		for i, side := range b[1] {
			mid := b[0][i]<<1 | side&1
			b[0][i], b[1][i] = (mid+side)>>1, (mid-side)>>1
		}
	}
}

// subframe decodes one channel of the frame into out.
func (d *flacFrame) subframe(out []int32, bps uint) error {
	r := &d.r
	if r.read(1) != 0 {
		return errors.New("a subframe's padding bit is set")
	}
	kind := r.read(6)
	wasted := uint(0)
	if r.read(1) == 1 {
		wasted = r.unary() + 1
		if wasted >= bps {
			return errors.New("a subframe wastes all its bits")
		}
		bps -= wasted
	}
	switch {
	case kind == 0:
		v := int32(r.signed(bps))
		for i := range out {
			out[i] = v
		}
	case kind == 1:
		for i := range out {
			out[i] = int32(r.signed(bps))
		}
	case kind >= 8 && kind <= 12:
		order := int(kind - 8)
		if err := d.warmUp(out, order, bps); err != nil {
			return err
		}
		if err := d.residual(out, order); err != nil {
			return err
		}
		fixed(out, order)
	case kind >= 32:
		order := int(kind-32) + 1
		if err := d.warmUp(out, order, bps); err != nil {
			return err
		}
		precision := uint(r.read(4)) + 1
		if precision == 16 {
			return errors.New("a bad LPC precision")
		}
		shift := r.signed(5)
		if shift < 0 {
			return errors.New("a negative LPC shift")
		}
		var coefs [32]int64
		for j := range order {
			coefs[j] = r.signed(precision)
		}
		if err := d.residual(out, order); err != nil {
			return err
		}
		lpc(out, coefs[:order], uint(shift))
	default:
		return fmt.Errorf("a reserved subframe type %d", kind)
	}
	if wasted > 0 {
		for i := range out {
			out[i] <<= wasted
		}
	}
	return nil
}

func (d *flacFrame) warmUp(out []int32, order int, bps uint) error {
	if order > len(out) {
		return errors.New("a predictor longer than its block")
	}
	for i := range order {
		out[i] = int32(d.r.signed(bps))
	}
	return nil
}

// residual reads the Rice-coded residual into out[order:].
func (d *flacFrame) residual(out []int32, order int) error {
	r := &d.r
	method := r.read(2)
	if method > 1 {
		return errors.New("a reserved residual coding")
	}
	paramBits, escape := uint(4), uint64(15)
	if method == 1 {
		paramBits, escape = 5, 31
	}
	partitions := 1 << r.read(4)
	per := len(out) / partitions
	if per*partitions != len(out) || per < order {
		return errors.New("a bad residual partition order")
	}
	i := order
	for p := range partitions {
		end := (p + 1) * per
		k := r.read(paramBits)
		if k == escape {
			n := uint(r.read(5))
			for ; i < end; i++ {
				out[i] = int32(r.signed(n))
			}
			continue
		}
		// The hot loop: one 64-bit load per sample, kept in locals (Go
		// shifts of 64 give 0, so k = 0 needs no branch).
		buf, pos, kk := r.buf, r.pos, uint(k)
		last := uint(len(buf)) - 8
		for ; i < end; i++ {
			if bi := pos >> 3; bi <= last {
				v := binary.BigEndian.Uint64(buf[bi:]) << (pos & 7)
				z := uint(bits.LeadingZeros64(v))
				if z+1+kk <= 64-pos&7 {
					u := uint32(z)<<kk | uint32(v<<(z+1)>>(64-kk))
					pos += z + 1 + kk
					out[i] = int32(u>>1) ^ -int32(u&1)
					continue
				}
			}
			r.pos = pos
			u := r.rice(kk)
			pos = r.pos
			out[i] = int32(u>>1) ^ -int32(u&1)
		}
		r.pos = pos
		if r.over() {
			return errFLACCut
		}
	}
	return nil
}

// fixed adds the fixed predictor of the given order to the residual.
func fixed(s []int32, order int) {
	switch order {
	case 1:
		for i := 1; i < len(s); i++ {
			s[i] += s[i-1]
		}
	case 2:
		for i := 2; i < len(s); i++ {
			s[i] += 2*s[i-1] - s[i-2]
		}
	case 3:
		for i := 3; i < len(s); i++ {
			s[i] += 3*s[i-1] - 3*s[i-2] + s[i-3]
		}
	case 4:
		for i := 4; i < len(s); i++ {
			s[i] += 4*s[i-1] - 6*s[i-2] + 4*s[i-3] - s[i-4]
		}
	}
}

// lpc adds the linear prediction to the residual. Up to order 12 (what
// encoders use for speech) the coefficients are padded with zeros to 8 or
// 12, which predicts the same, and the sum is unrolled.
func lpc(s []int32, coefs []int64, shift uint) {
	order := len(coefs)
	var c [12]int64
	copy(c[:], coefs)
	width := 8
	if order > 8 {
		width = 12
	}
	if order > 12 || len(s) <= width {
		lpcFrom(s, coefs, shift, order)
		return
	}
	lpcFrom(s[:width], coefs, shift, order) // too early for the padded sum
	// The history lives in variables, not in s: each sample waits only for
	// the multiplications, not for the store of the one before.
	c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11 := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]
	at := func(k int) int64 {
		if k < 0 {
			return 0
		}
		return int64(s[k])
	}
	w := width
	h0, h1, h2, h3, h4, h5 := at(w-1), at(w-2), at(w-3), at(w-4), at(w-5), at(w-6)
	h6, h7, h8, h9, h10, h11 := at(w-7), at(w-8), at(w-9), at(w-10), at(w-11), at(w-12)
	for i := w; i < len(s); i++ {
		sum := c0*h0 + c1*h1 + c2*h2 + c3*h3 + c4*h4 + c5*h5 + c6*h6 + c7*h7
		if w == 12 {
			sum += c8*h8 + c9*h9 + c10*h10 + c11*h11
		}
		v := s[i] + int32(sum>>shift)
		s[i] = v
		h11, h10, h9, h8, h7, h6, h5, h4, h3, h2, h1, h0 = h10, h9, h8, h7, h6, h5, h4, h3, h2, h1, h0, int64(v)
	}
}

// lpcFrom is the plain prediction of s[from:].
func lpcFrom(s []int32, coefs []int64, shift uint, from int) {
	for i := from; i < len(s); i++ {
		var sum int64
		for j, c := range coefs {
			sum += c * int64(s[i-1-j])
		}
		s[i] += int32(sum >> shift)
	}
}

var crc8Table, crc16Table = func() (t8 [256]uint8, t16 [256]uint16) {
	for i := range 256 {
		c8, c16 := uint8(i), uint16(i)<<8
		for range 8 {
			c8 = c8<<1 ^ 0x07*(c8>>7)
			c16 = c16<<1 ^ 0x8005*(c16>>15)
		}
		t8[i], t16[i] = c8, c16
	}
	return
}()

func crc8(b []byte) uint8 {
	var c uint8
	for _, v := range b {
		c = crc8Table[c^v]
	}
	return c
}

func crc16(b []byte) uint16 {
	var c uint16
	for _, v := range b {
		c = c<<8 ^ crc16Table[uint8(c>>8)^v]
	}
	return c
}
