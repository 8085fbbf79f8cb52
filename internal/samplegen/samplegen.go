// Package samplegen makes the sample calls in testdata: stereo (or mono)
// WAV recordings with speech-like bursts at known times and the matching
// transcripts, so that every expected metric is known by construction.
package samplegen

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/zaf/g711"
)

// Turn is one utterance: who speaks, when (seconds), and what.
// Its JSON form is a canonical transcript segment.
type Turn struct {
	Speaker string  `json:"speaker"` // "agent" or "customer"
	Start   float64 `json:"start"`
	End     float64 `json:"end"`
	Text    string  `json:"text"`
}

// Want is what callqa must report for a sample, written down by hand from
// the turns (the talk and silence seconds are computed from the turns by the
// tests themselves).
type Want struct {
	DeadAirCount            int
	OvertalkCount           int
	InterruptionsByAgent    int
	InterruptionsByCustomer int
	Hits                    []string // rule ids, in time order
	Penalties               []float64
	GreetingOK, ClosingOK   bool
	Score                   float64
	Passed                  bool
}

// Sample is one generated call.
type Sample struct {
	Name       string
	DurationS  float64
	SampleRate int
	Channels   int // 2: agent left, customer right; 1: both mixed
	Turns      []Turn
	// NoAudio: the call has a transcript only.
	NoAudio bool
	Audio   Audio
	Want    Want
}

// Audio describes how a recording is rendered. The zero value is a clean
// 16-bit PCM recording with faint white noise (about -71 dBFS).
type Audio struct {
	// Encoding: "pcm16" (default), "pcm8", "pcm24", "float32", "mulaw", "alaw".
	Encoding string
	// SNRDB, if set, is the ratio of each party's speech power to the white
	// noise on its channel, in dB.
	SNRDB float64
	// HumDBFS, if set, adds 50 Hz mains hum (with a third harmonic) at this
	// level to every channel.
	HumDBFS float64
	// AgentGainDB changes the agent's loudness (-20: a quiet agent).
	AgentGainDB float64
	// DC adds a constant offset to every sample (full-scale units).
	DC float64
	// CustomerGain multiplies the customer's voice (3: driven into clipping).
	CustomerGain float64
}

// Calls are the well-formed sample calls (testdata/calls).
func Calls() []Sample {
	return []Sample{
		{
			Name: "clean", DurationS: 32, SampleRate: 8000, Channels: 2,
			Turns: []Turn{
				{"agent", 0.5, 4.0, "您好，工号1086，很高兴为您服务，请问有什么可以帮您？"},
				{"customer", 4.6, 8.0, "我想查一下这个月的话费。"},
				{"agent", 8.6, 12.5, "好的，请您稍等，我帮您查询一下。"},
				{"agent", 14.0, 18.0, "感谢您的耐心等待，您本月话费是八十六元。"},
				{"customer", 18.6, 21.0, "好的，谢谢。"},
				{"agent", 21.6, 25.5, "请问还有其他可以帮您的吗？"},
				{"customer", 26.0, 27.5, "没有了。"},
				{"agent", 28.0, 31.0, "感谢您的来电，再见！"},
			},
			Want: Want{GreetingOK: true, ClosingOK: true, Score: 100, Passed: true},
		},
		{
			// The clean call again as a G.711 mu-law recording on a noisy
			// line (20 dB SNR) with a quiet agent, as telephony systems store them.
			Name: "mulaw-noisy", DurationS: 32, SampleRate: 8000, Channels: 2,
			Audio: Audio{Encoding: "mulaw", SNRDB: 20, AgentGainDB: -12},
			Turns: []Turn{
				{"agent", 0.5, 4.0, "您好，工号2046，请问有什么可以帮您？"},
				{"customer", 4.6, 8.0, "我想查一下这个月的流量。"},
				{"agent", 8.6, 12.5, "好的，请您稍等，我帮您查询一下。"},
				{"agent", 14.0, 18.0, "感谢您的耐心等待，您本月还剩五个G。"},
				{"customer", 18.6, 21.0, "好的，谢谢。"},
				{"agent", 21.6, 25.5, "请问还有其他可以帮您的吗？"},
				{"customer", 26.0, 27.5, "没有了。"},
				{"agent", 28.0, 31.0, "感谢您的来电，再见！"},
			},
			Want: Want{GreetingOK: true, ClosingOK: true, Score: 100, Passed: true},
		},
		{
			Name: "banned-phrase", DurationS: 36, SampleRate: 8000, Channels: 2,
			Turns: []Turn{
				{"agent", 0.5, 3.5, "您好，很高兴为您服务。"},
				{"customer", 4.0, 9.0, "我的宽带又断了，你们烦不烦啊，这都第三次了！"},
				{"agent", 9.6, 14.0, "这事我管不了，你自己去营业厅问吧。"},
				{"customer", 14.6, 17.0, "你们就这样服务？"},
				{"agent", 17.6, 22.0, "我刚才不是说了吗？我也帮不了你。"},
				{"customer", 22.6, 25.0, "算了。"},
				{"agent", 25.6, 29.0, "感谢您的来电，再见。"},
			},
			Want: Want{
				Hits:       []string{"banned.shirking", "banned.shirking", "banned.talking-down", "banned.shirking"},
				Penalties:  []float64{10, 10, 10, 0},
				GreetingOK: true, ClosingOK: true, Score: 70, Passed: false,
			},
		},
		{
			Name: "no-greeting", DurationS: 24, SampleRate: 8000, Channels: 2,
			Turns: []Turn{
				{"agent", 0.5, 2.5, "喂，什么事？"},
				{"customer", 3.0, 7.0, "我想改一下套餐。"},
				{"agent", 7.6, 12.0, "好的，已经帮您改好了，下个月生效。"},
				{"customer", 12.5, 14.0, "好的。"},
				{"agent", 14.6, 18.5, "请问还有其他可以帮您的吗？再见。"},
			},
			Want: Want{
				// "喂，什么事？" is no greeting, and the similarity stage
				// hears its curtness as impatience.
				Hits:       []string{"opening.greeting", "opening.offer-help", "similar.impatience"},
				Penalties:  []float64{10, 3, 3},
				GreetingOK: false, ClosingOK: true, Score: 84, Passed: true,
			},
		},
		{
			Name: "dead-air", DurationS: 34, SampleRate: 8000, Channels: 2,
			Turns: []Turn{
				{"agent", 0.5, 4.0, "您好，工号2231，请问有什么可以帮您？"},
				{"customer", 4.5, 8.0, "我的账单好像多扣了钱。"},
				{"agent", 8.5, 10.0, "我看一下。"},
				{"agent", 18.0, 22.5, "查到了，这笔费用已经给您退回了。"},
				{"customer", 23.0, 25.0, "好，谢谢。"},
				{"agent", 25.5, 30.0, "感谢您的来电，再见。"},
			},
			Want: Want{
				DeadAirCount: 1, Hits: []string{"audio.dead-air"}, Penalties: []float64{2},
				GreetingOK: true, ClosingOK: true, Score: 98, Passed: true,
			},
		},
		{
			Name: "overtalk", DurationS: 34, SampleRate: 8000, Channels: 2,
			Turns: []Turn{
				{"agent", 0.5, 4.0, "您好，很高兴为您服务。"},
				{"customer", 5.0, 10.0, "我上个月就说了要退订这个业务，结果还在扣钱。"},
				{"agent", 8.5, 12.0, "这个业务是您自己开通的。"},
				{"agent", 14.0, 19.0, "我帮您看一下退订记录，请您稍等。"},
				{"customer", 15.0, 15.3, "嗯"},
				{"customer", 17.0, 21.0, "不用看了，直接给我退掉！"},
				{"agent", 22.0, 26.0, "好的，已经为您退订了。"},
				{"agent", 27.0, 31.0, "感谢您的来电，再见。"},
			},
			Want: Want{
				OvertalkCount: 2, InterruptionsByAgent: 1, InterruptionsByCustomer: 1,
				// The agent cut in at 8.5 s, then asked the customer to wait
				// and never thanked them. "这个业务是您自己开通的" answers
				// the complaint by blaming the customer.
				Hits:       []string{"audio.agent-interruption", "similar.blaming", "hold.thanks-after-wait"},
				Penalties:  []float64{2, 3, 2},
				GreetingOK: true, ClosingOK: true, Score: 93, Passed: true,
			},
		},
		{
			Name: "mono-16k", DurationS: 20, SampleRate: 16000, Channels: 1,
			Turns: []Turn{
				{"agent", 0.5, 3.5, "您好，请问有什么可以帮您？"},
				{"customer", 4.0, 7.0, "我想报修。"},
				{"agent", 7.5, 12.0, "好的，已经为您登记了，师傅明天上门。"},
				{"customer", 12.5, 14.0, "谢谢。"},
				{"agent", 14.5, 18.0, "不客气，再见。"},
			},
			Want: Want{GreetingOK: true, ClosingOK: true, Score: 100, Passed: true},
		},
		{
			Name: "text-only", DurationS: 20, NoAudio: true,
			Turns: []Turn{
				{"agent", 0.5, 3.0, "您好。"},
				{"customer", 3.5, 8.0, "你们这服务太差了。"},
				{"agent", 8.5, 11.0, "你有病吧。"},
				{"customer", 11.5, 13.0, "你说什么？"},
				{"agent", 13.5, 15.0, "挂了。"},
			},
			Want: Want{
				// Missing phrases are reported at the start of the window
				// searched; the complaint went unanswered; the abuse is fatal.
				Hits:       []string{"opening.offer-help", "closing.farewell", "empathy.after-complaint", "banned.abuse"},
				Penalties:  []float64{3, 5, 5, 100},
				GreetingOK: false, ClosingOK: false, Score: 0, Passed: false,
			},
		},
	}
}

// Broken are inputs that must give an error row each (testdata/broken).
var Broken = map[string][]byte{
	// Text saved with a .wav name.
	"not-a-wav.wav": []byte("this is not audio\n"),
	// A RIFF header whose fmt chunk claims more bytes than the file has.
	"corrupt-fmt.wav": append([]byte("RIFF\x24\x00\x00\x00WAVEfmt \xff\xff\xff\x7f"), make([]byte, 16)...),
	// A transcript that is not JSON.
	"bad-json.json": []byte(`{"call_id": "bad-json", "segments": [ {"speaker": "agent", "start": 0.5,`),
}

// WAV renders the sample as a WAV file.
func (s Sample) WAV() []byte {
	frames := int(math.Round(s.DurationS * float64(s.SampleRate)))
	a := s.Audio
	voices := make([]float64, frames*s.Channels)
	for _, t := range s.Turns {
		ch := 0
		if t.Speaker == "customer" && s.Channels == 2 {
			ch = 1
		}
		gain := 1.0
		if t.Speaker == "agent" && a.AgentGainDB != 0 {
			gain = math.Pow(10, a.AgentGainDB/20)
		}
		if t.Speaker == "customer" && a.CustomerGain != 0 {
			gain = a.CustomerGain
		}
		voice(voices, s.Channels, ch, s.SampleRate, t, gain)
	}

	h := fnv.New64a()
	h.Write([]byte(s.Name))
	rng := rand.New(rand.NewPCG(h.Sum64(), 1))
	noise := make([]float64, s.Channels)
	for ch := range noise {
		noise[ch] = noiseAmp
		if a.SNRDB != 0 {
			// Uniform noise of amplitude A has power A²/3.
			noise[ch] = math.Sqrt(3*speechPower(voices, s.Channels, ch)) / math.Pow(10, a.SNRDB/20)
		}
	}
	hum := 0.0
	if a.HumDBFS != 0 {
		hum = math.Sqrt2 * math.Pow(10, a.HumDBFS/20) // peak of a sine at that RMS
	}
	samples := voices
	for i := range samples {
		ch := i % s.Channels
		at := float64(i/s.Channels) / float64(s.SampleRate)
		samples[i] += (rng.Float64()*2-1)*noise[ch] + a.DC +
			hum*(math.Sin(2*math.Pi*50*at)+0.3*math.Sin(2*math.Pi*150*at))
	}
	return EncodeWAV(samples, s.Channels, s.SampleRate, a.Encoding)
}

// speechPower is the mean power of channel ch where it is not silent.
func speechPower(x []float64, channels, ch int) float64 {
	var sum float64
	n := 0
	for i := ch; i < len(x); i += channels {
		if x[i] != 0 {
			sum += x[i] * x[i]
			n++
		}
	}
	if n == 0 {
		return noiseAmp * noiseAmp
	}
	return sum / float64(n)
}

// Levels of the synthetic signals.
const (
	noiseAmp = 0.0005 // white noise, about -71 dBFS
	agentAmp = 0.25
	custAmp  = 0.3
)

// voice adds a speech-like burst as a telephone line carries it: a voiced
// sound whose harmonics fill the 300-3400 Hz band with a -6 dB/octave slope,
// its pitch gliding and its loudness pulsing at a syllable rate of 4 Hz.
func voice(dst []float64, channels, ch, rate int, t Turn, gain float64) {
	f0, amp := 210.0, agentAmp
	if t.Speaker == "customer" {
		f0, amp = 130.0, custAmp
	}
	amp *= gain
	harmonics := int(3400 / (f0 * 1.05))
	lowest := int(math.Ceil(300 / (f0 * 0.95)))
	norm := 0.0
	for k := lowest; k <= harmonics; k++ {
		norm += 1 / float64(k)
	}
	const ramp = 0.015
	first := int(math.Round(t.Start * float64(rate)))
	last := int(math.Round(t.End * float64(rate)))
	phase := 0.0
	for n := first; n < last && n*channels+ch < len(dst); n++ {
		x := float64(n-first) / float64(rate)
		env := 0.6 + 0.4*math.Sin(2*math.Pi*4*x)
		if edge := min(x, t.End-t.Start-x); edge < ramp {
			env *= 0.5 - 0.5*math.Cos(math.Pi*edge/ramp)
		}
		phase += 2 * math.Pi * f0 * (1 + 0.05*math.Sin(2*math.Pi*0.7*x)) / float64(rate)
		// sin(k·phase) for every k by the Chebyshev recurrence.
		c2 := 2 * math.Cos(phase)
		prev, cur := 0.0, math.Sin(phase)
		v := 0.0
		for k := 1; k <= harmonics; k++ {
			if k >= lowest {
				v += cur / float64(k)
			}
			prev, cur = cur, c2*cur-prev
		}
		dst[n*channels+ch] += amp * env * v / norm * 1.6
	}
}

// EncodeWAV writes interleaved samples in [-1, 1] as a canonical RIFF WAV
// file in the given encoding ("pcm16", "pcm8", "mulaw", ...).
func EncodeWAV(samples []float64, channels, rate int, encoding string) []byte {
	tag, bits := uint16(1), 16
	switch encoding {
	case "pcm8":
		bits = 8
	case "pcm24":
		bits = 24
	case "float32":
		tag, bits = 3, 32
	case "mulaw":
		tag, bits = 7, 8
	case "alaw":
		tag, bits = 6, 8
	}
	width := bits / 8
	data := len(samples) * width
	b := make([]byte, 44+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], tag)
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*channels*width))
	binary.LittleEndian.PutUint16(b[32:], uint16(channels*width))
	binary.LittleEndian.PutUint16(b[34:], uint16(bits))
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	out := b[44:]
	for i, v := range samples {
		v = max(-1, min(1, v))
		q16 := int16(math.Round(v * 32767))
		switch encoding {
		case "pcm8":
			out[i] = uint8(int(math.Round(v*127)) + 128)
		case "pcm24":
			q := int32(math.Round(v * 8388607))
			out[3*i], out[3*i+1], out[3*i+2] = byte(q), byte(q>>8), byte(q>>16)
		case "float32":
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(float32(v)))
		case "mulaw":
			out[i] = g711.EncodeUlawFrame(q16)
		case "alaw":
			out[i] = g711.EncodeAlawFrame(q16)
		default:
			binary.LittleEndian.PutUint16(out[2*i:], uint16(q16))
		}
	}
	return b
}

// ExpectYAML renders what the call must give, for callqa lexicon test.
func (s Sample) ExpectYAML() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# What callqa lexicon test expects of %s (made by internal/samplegen).\n", s.Name)
	b.WriteString("hits:")
	if len(s.Want.Hits) == 0 {
		b.WriteString(" []")
	}
	b.WriteString("\n")
	for _, h := range s.Want.Hits {
		fmt.Fprintf(&b, "  - rule: %s\n", h)
	}
	fmt.Fprintf(&b, "score: %g\npassed: %v\n", s.Want.Score, s.Want.Passed)
	return []byte(b.String())
}

// TranscriptJSON renders the turns as a canonical transcript.
func (s Sample) TranscriptJSON() []byte {
	doc := struct {
		CallID   string `json:"call_id"`
		Segments []Turn `json:"segments"`
	}{CallID: s.Name, Segments: s.Turns}
	out, _ := json.MarshalIndent(doc, "", "  ")
	return append(out, '\n')
}

// Files returns every sample file by its path under testdata.
func Files() map[string][]byte {
	files := map[string][]byte{}
	for _, s := range Calls() {
		if !s.NoAudio {
			files[filepath.Join("calls", s.Name+".wav")] = s.WAV()
		}
		files[filepath.Join("calls", s.Name+".json")] = s.TranscriptJSON()
		files[filepath.Join("calls", s.Name+".expect.yaml")] = s.ExpectYAML()
	}
	for name, data := range Broken {
		files[filepath.Join("broken", name)] = data
	}
	for _, s := range Calls() {
		if s.Name == FormatSample {
			for name, data := range Formats(s) {
				files[filepath.Join("formats", name)] = data
			}
		}
	}
	return files
}

// WriteAll writes every sample file under dir.
func WriteAll(dir string) error {
	for name, data := range Files() {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("write sample: %w", err)
		}
	}
	return nil
}

// Conversation is a 60 s exchange that exercises every audio metric: turn
// changes with short gaps, one overtalk started by each party, a
// backchannel, and an 8 s dead air. Each turn is at least 0.5 s from the
// speaker's previous one, so that no pause is bridged.
func Conversation() []Turn {
	return []Turn{
		{"agent", 0.5, 4.0, "您好，请问有什么可以帮您？"},
		{"customer", 4.6, 10.0, "我上个月就说了要退订这个业务，结果还在扣钱。"},
		{"agent", 8.5, 12.0, "这个业务我帮您查一下。"}, // agent cuts in: 1.5 s overtalk
		{"agent", 12.8, 14.0, "请稍等。"},
		{"agent", 22.0, 27.0, "查到了，退订没有成功，我现在帮您重新办理。"}, // 8 s dead air before
		{"customer", 24.0, 24.3, "嗯"},                  // backchannel
		{"customer", 25.0, 30.0, "那多扣的钱怎么办？"},          // customer cuts in: 2 s overtalk
		{"agent", 30.7, 36.0, "多扣的费用会在三个工作日内退回。"},
		{"customer", 36.8, 39.0, "好的。"},
		{"agent", 39.6, 44.0, "请问还有其他可以帮您的吗？"},
		{"customer", 44.5, 46.0, "没有了。"},
		{"agent", 47.0, 50.0, "感谢您的来电，再见。"},
	}
}

// LongCall repeats Conversation for durationS seconds: a long recording
// for benchmarks.
func LongCall(name string, durationS float64) Sample {
	s := Sample{Name: name, DurationS: durationS, SampleRate: 8000, Channels: 2}
	for off := 0.0; off+60 <= durationS; off += 60 {
		for _, t := range Conversation() {
			t.Start, t.End = t.Start+off, t.End+off
			s.Turns = append(s.Turns, t)
		}
	}
	return s
}
