package samplegen

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"

	"github.com/liuzl/gocc"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// FormatSample is the call whose transcript is written in every format.
const FormatSample = "banned-phrase"

// Formats renders one sample's transcript in every format and encoding
// callqa reads, by file name under testdata/formats. The same call read
// from each must give the same rule results.
func Formats(s Sample) map[string][]byte {
	channel := func(t Turn) int {
		if t.Speaker == "agent" {
			return 0
		}
		return 1
	}
	ms := func(v float64) int { return int(math.Round(v * 1000)) }
	out := map[string][]byte{}
	out["canonical.json"] = s.TranscriptJSON()

	// UTF-16 LE with a byte-order mark.
	u16 := utf16.Encode([]rune(string(s.TranscriptJSON())))
	b := []byte{0xFF, 0xFE}
	for _, c := range u16 {
		b = append(b, byte(c), byte(c>>8))
	}
	out["canonical-utf16le.json"] = b

	type whisperSeg struct {
		ID      int     `json:"id"`
		Start   float64 `json:"start"`
		End     float64 `json:"end"`
		Text    string  `json:"text"`
		Speaker string  `json:"speaker"`
	}
	whisper := struct {
		Text     string       `json:"text"`
		Segments []whisperSeg `json:"segments"`
		Language string       `json:"language"`
	}{Language: "zh"}
	for i, t := range s.Turns {
		whisper.Segments = append(whisper.Segments, whisperSeg{i, t.Start, t.End, t.Text, fmt.Sprintf("SPEAKER_%02d", channel(t))})
		whisper.Text += t.Text
	}
	out["whisperx.json"] = mustJSON(whisper)

	type sentence struct {
		EndTime         int    `json:"EndTime"`
		SilenceDuration int    `json:"SilenceDuration"`
		BeginTime       int    `json:"BeginTime"`
		Text            string `json:"Text"`
		ChannelID       int    `json:"ChannelId"`
		SpeechRate      int    `json:"SpeechRate"`
		EmotionValue    float64
	}
	var sentences []sentence
	for _, t := range s.Turns {
		sentences = append(sentences, sentence{ms(t.End), 0, ms(t.Start), t.Text, channel(t), 200, 6.5})
	}
	out["alibaba.json"] = mustJSON(map[string]any{
		"TaskId": "0123456789abcdef", "StatusCode": 21050000, "StatusText": "SUCCESS",
		"Result": map[string]any{"Sentences": sentences},
	})

	type info struct {
		Text  string `json:"text"`
		Start int    `json:"start"`
		End   int    `json:"end"`
		Spk   int    `json:"spk"`
	}
	var infos []info
	for _, t := range s.Turns {
		infos = append(infos, info{t.Text, ms(t.Start), ms(t.End), channel(t)})
	}
	out["funasr.json"] = mustJSON([]map[string]any{{"key": s.Name, "text": "", "sentence_info": infos}})

	role := func(t Turn) string {
		if t.Speaker == "agent" {
			return "坐席"
		}
		return "客户"
	}
	var plain, srt, vtt strings.Builder
	vtt.WriteString("WEBVTT\n\n")
	for i, t := range s.Turns {
		fmt.Fprintf(&plain, "%s：%s\n", role(t), t.Text)
		fmt.Fprintf(&srt, "%d\n%s --> %s\n%s：%s\n\n", i+1, clock(t.Start, ","), clock(t.End, ","), role(t), t.Text)
		fmt.Fprintf(&vtt, "%s --> %s\n<v %s>%s\n\n", clock(t.Start, "."), clock(t.End, "."), role(t), t.Text)
	}
	out["plain.txt"] = []byte(plain.String())
	out["subtitles.srt"] = []byte(srt.String())
	out["subtitles.vtt"] = []byte(vtt.String())
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(plain.String())
	if err != nil {
		panic(err)
	}
	out["plain-gbk.txt"] = []byte(gbk)
	s2t, err := gocc.New("s2t")
	if err != nil {
		panic(err)
	}
	trad, err := s2t.Convert(strings.NewReplacer("坐席", "客服", "客户", "客戶").Replace(plain.String()))
	if err != nil {
		panic(err)
	}
	out["plain-traditional.txt"] = []byte(trad)
	return out
}

func clock(s float64, sep string) string {
	ms := int(math.Round(s * 1000))
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// Corpus returns about size bytes of call-center utterances, one per line,
// drawn in a fixed pseudo-random order from the sample calls: the text the
// segmentation benchmark runs on, in Go and in Python alike.
func Corpus(size int) string {
	var utterances []string
	for _, s := range Calls() {
		for _, t := range s.Turns {
			utterances = append(utterances, t.Text)
		}
	}
	for _, t := range Conversation() {
		utterances = append(utterances, t.Text)
	}
	var b strings.Builder
	x := uint64(1)
	for b.Len() < size {
		x = x*6364136223846793005 + 1442695040888963407
		first := utterances[(x>>33)%uint64(len(utterances))]
		second := utterances[(x>>13)%uint64(len(utterances))]
		b.WriteString(first + second + "\n")
	}
	return b.String()
}
