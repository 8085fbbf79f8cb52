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
	Want    Want
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
				Hits: []string{"opening.greeting"}, Penalties: []float64{10},
				GreetingOK: false, ClosingOK: true, Score: 90, Passed: true,
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
			Want: Want{DeadAirCount: 1, GreetingOK: true, ClosingOK: true, Score: 100, Passed: true},
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
				GreetingOK: true, ClosingOK: true, Score: 100, Passed: true,
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
				// The missing closing is reported at the start of the window searched.
				Hits: []string{"closing.farewell", "banned.abuse"}, Penalties: []float64{5, 100},
				GreetingOK: true, ClosingOK: false, Score: 0, Passed: false,
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

// WAV renders the sample as 16-bit PCM.
func (s Sample) WAV() []byte {
	frames := int(math.Round(s.DurationS * float64(s.SampleRate)))
	samples := make([]float64, frames*s.Channels)
	h := fnv.New64a()
	h.Write([]byte(s.Name))
	rng := rand.New(rand.NewPCG(h.Sum64(), 1))
	for i := range samples {
		samples[i] = (rng.Float64()*2 - 1) * noiseAmp
	}
	for _, t := range s.Turns {
		ch := 0
		if t.Speaker == "customer" && s.Channels == 2 {
			ch = 1
		}
		voice(samples, s.Channels, ch, s.SampleRate, t)
	}
	return pcm16(samples, s.Channels, s.SampleRate)
}

// Levels of the synthetic signals.
const (
	noiseAmp = 0.0005 // white noise, about -71 dBFS
	agentAmp = 0.25
	custAmp  = 0.3
)

// voice adds a speech-like burst: a voiced tone with harmonics and a
// gliding pitch, its loudness pulsing at a syllable rate of 4 Hz.
func voice(dst []float64, channels, ch, rate int, t Turn) {
	f0, amp := 210.0, agentAmp
	if t.Speaker == "customer" {
		f0, amp = 130.0, custAmp
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
		v := math.Sin(phase) + 0.5*math.Sin(2*phase) + 0.33*math.Sin(3*phase) + 0.25*math.Sin(4*phase)
		dst[n*channels+ch] += amp * env * v / 2.1
	}
}

// pcm16 writes a canonical 44-byte-header PCM WAV file.
func pcm16(samples []float64, channels, rate int) []byte {
	data := len(samples) * 2
	b := make([]byte, 44+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(b[32:], uint16(channels*2))
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	for i, v := range samples {
		q := math.Round(max(-1, min(1, v)) * 32767)
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(int16(q)))
	}
	return b
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
	}
	for name, data := range Broken {
		files[filepath.Join("broken", name)] = data
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
