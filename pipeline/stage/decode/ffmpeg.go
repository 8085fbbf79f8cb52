package decode

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ffmpegSource reads the 32-bit float samples ffmpeg decodes into a pipe:
// no temporary file, memory flat in the length of the call. ffmpeg and
// anything it starts run in their own process group, which is killed at
// the timeout or at Close, and always reaped.
type ffmpegSource struct {
	s       *Stream
	cmd     *exec.Cmd
	out     io.ReadCloser
	stderr  *headBuffer
	ctx     context.Context
	cancel  context.CancelFunc
	timeout time.Duration
	raw     []byte
	have    int // bytes of a partial frame at the start of raw
	done    bool
	err     error // how ffmpeg ended, once done

	warnedFloats bool
}

// probeInfo is what ffprobe says of the first audio stream.
type probeInfo struct {
	Streams []struct {
		CodecName  string `json:"codec_name"`
		SampleRate string `json:"sample_rate"`
		Channels   int    `json:"channels"`
	} `json:"streams"`
}

// ffmpegInstalled reports whether ffmpeg and ffprobe are on PATH.
func ffmpegInstalled() bool {
	_, err1 := exec.LookPath("ffmpeg")
	_, err2 := exec.LookPath("ffprobe")
	return err1 == nil && err2 == nil
}

// openFFmpeg decodes path, of kind k and starting with head, through
// ffmpeg; native is why the Go decoders did not (nil with --decoder ffmpeg).
func openFFmpeg(path string, k kind, head []byte, opt Options, native error) (*Stream, error) {
	if !ffmpegInstalled() {
		if native != nil {
			return nil, fmt.Errorf("%w, and ffmpeg is not installed (not on PATH)", native)
		}
		return nil, errors.New("--decoder ffmpeg, but ffmpeg is not installed (ffmpeg and ffprobe are not on PATH)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// file: keeps a name from being read as a protocol or an option, the
	// whitelist keeps a container from opening anything else, and -f
	// names the container that identify found.
	input := []string{"-protocol_whitelist", "file", "-f", kinds[k].demuxer, "-i", "file:" + abs}

	// Cancelling kills the processes: at the timeout, or at Close.
	ctx, cancel := context.WithCancel(context.Background())
	if opt.Timeout > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), opt.Timeout)
	}
	info, err := probe(ctx, input, opt.Timeout)
	if err != nil {
		cancel()
		return nil, err
	}
	st := info.Streams[0]
	rate, _ := strconv.Atoi(st.SampleRate)
	if err := checkLayout(st.Channels, max(minSampleRate, min(rate, maxSampleRate))); err != nil {
		cancel()
		return nil, err
	}
	outRate := max(minSampleRate, min(rate, maxSampleRate)) // others are resampled
	if r := opusInputRate(head); k == kindOpus && r >= minSampleRate && r < outRate {
		// Opus always decodes at 48 kHz; its header keeps the rate it was
		// recorded at, which holds all there is (8 kHz for a phone line).
		outRate, rate = r, r
	}
	args := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error"}, input...)
	args = append(args, "-map", "0:a:0", "-vn", "-c:a", "pcm_f32le", "-f", "f32le",
		"-ac", strconv.Itoa(st.Channels), "-ar", strconv.Itoa(outRate), "pipe:1")
	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	ownGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	stderr := &headBuffer{limit: 4096}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start ffmpeg: %w", err)
	}
	s := &Stream{Format: Format{
		Container: kinds[k].name, Codec: st.CodecName, Decoder: decoderFFmpeg,
		Channels: st.Channels, SampleRate: outRate,
	}}
	s.src = &ffmpegSource{
		s: s, cmd: cmd, out: out, stderr: stderr, ctx: ctx, cancel: cancel, timeout: opt.Timeout,
		raw: make([]byte, blockBytes-blockBytes%(4*st.Channels)),
	}
	if rate != outRate {
		s.warn("resampled from %d Hz to %d Hz by ffmpeg", rate, outRate)
	}
	return s, nil
}

// probe runs ffprobe on the input: the codec, rate and channels of its
// first audio stream.
func probe(ctx context.Context, input []string, timeout time.Duration) (probeInfo, error) {
	var info probeInfo
	args := append([]string{"-v", "error", "-select_streams", "a:0",
		"-show_entries", "stream=codec_name,sample_rate,channels", "-of", "json"}, input...)
	cmd := exec.CommandContext(ctx, "ffprobe", args...)
	ownGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	stdout, stderr := &headBuffer{limit: 1 << 20}, &headBuffer{limit: 4096}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	killGroup(cmd)
	switch {
	case ctx.Err() != nil:
		return info, fmt.Errorf("ffprobe did not finish within %v and was killed", timeout)
	case err != nil:
		return info, fmt.Errorf("ffprobe cannot read the recording (%v): %s", err, stderr.firstLine())
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		return info, fmt.Errorf("ffprobe: unreadable answer: %w", err)
	}
	if len(info.Streams) == 0 {
		return info, errors.New("ffprobe finds no audio stream in the recording")
	}
	return info, nil
}

func (p *ffmpegSource) read(dst []float32) (int, error) {
	if p.done {
		return 0, p.end()
	}
	ch := p.s.Format.Channels
	fb := 4 * ch
	want := min(len(dst)/ch*fb, len(p.raw))
	n, err := io.ReadAtLeast(p.out, p.raw[p.have:want], fb-p.have)
	n += p.have
	frames := n / fb
	for i := range frames * ch {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(p.raw[4*i:]))
	}
	p.have = copy(p.raw, p.raw[frames*fb:n])
	p.warnedFloats = sanitize(dst[:frames*ch], p.s, p.warnedFloats)
	if err != nil {
		p.finish()
		if frames == 0 || p.err != nil {
			return 0, p.end()
		}
	}
	return frames, nil
}

// end is what read returns after the last frame: how ffmpeg ended.
func (p *ffmpegSource) end() error {
	if p.err != nil {
		return p.err
	}
	return io.EOF
}

// finish reaps ffmpeg and says how it ended.
func (p *ffmpegSource) finish() {
	if p.done {
		return
	}
	p.done = true
	err := p.cmd.Wait()
	killGroup(p.cmd) // anything ffmpeg left behind
	timedOut := p.ctx.Err() == context.DeadlineExceeded
	p.cancel()
	switch {
	case timedOut:
		p.err = fmt.Errorf("ffmpeg did not finish within %v and was killed", p.timeout)
	case err != nil:
		p.err = fmt.Errorf("ffmpeg failed (%v): %s", err, p.stderr.firstLine())
	case p.stderr.Len() > 0:
		p.s.warn("ffmpeg: %s", p.stderr.firstLine())
	}
}

// close stops ffmpeg if it is still decoding, and reaps it.
func (p *ffmpegSource) close() error {
	if !p.done {
		p.cancel()
		p.finish()
	}
	return nil
}

// headBuffer keeps the first limit bytes written to it and drops the rest,
// so that a process flooding its stderr neither blocks nor fills memory.
type headBuffer struct {
	bytes.Buffer
	limit int
}

func (b *headBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// firstLine is the first line written, for a message.
func (b *headBuffer) firstLine() string {
	line, _, _ := strings.Cut(strings.TrimSpace(b.String()), "\n")
	if line == "" {
		return "no message"
	}
	return line
}

// opusInputRate is the input sample rate an Ogg Opus file's header
// (OpusHead, in its first bytes b) records, or 0.
func opusInputRate(b []byte) int {
	if len(b) < 27 || oggKind(b) != kindOpus {
		return 0
	}
	p := b[27+int(b[26]):]
	if len(p) < 16 {
		return 0
	}
	return int(binary.LittleEndian.Uint32(p[12:16]))
}
