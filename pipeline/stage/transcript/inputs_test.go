package transcript

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// A raw NUL (or other control byte) inside a JSON string is not JSON, but
// exports hold them: it is removed, with a warning naming the line.
func TestRawControlsInJSON(t *testing.T) {
	in := "{\"segments\": [\n" +
		"  {\"speaker\": \"agent\", \"start\": 0, \"end\": 1, \"text\": \"您\x00好\"},\n" +
		"  {\"speaker\": \"customer\", \"start\": 1, \"end\": 2, \"text\": \"第一行\n第二行\x01\"}]}\x00\n"
	tr, err := Parse([]byte(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Segments) != 2 || tr.Segments[0].Text != "您好" || tr.Segments[1].Text != "第一行 第二行" {
		t.Errorf("segments %+v", tr.Segments)
	}
	w := strings.Join(tr.Warnings, "\n")
	for _, want := range []string{"line 2: 4 raw control characters", "segment 0: NUL or other control characters removed", "segment 1: NUL"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
	// A syntax error after a repair still names the file's line.
	_, err = Parse([]byte("{\"segments\": [\n{\"text\": \"a\x00b\"},\n{,}]}"), opts)
	if err == nil || !strings.Contains(err.Error(), "line 3,") {
		t.Errorf("error %v", err)
	}
}

// An empty transcript is a warning on the call, never a silent pass; one
// of nothing but control characters is refused like an empty file.
func TestEmptyTranscripts(t *testing.T) {
	for _, in := range []string{
		`{"segments": []}`,
		`{"segments": [{"speaker": "agent", "start": 0, "end": 1, "text": "\u0001\u0002 \u200b"}]}`,
		`[{"sentence_info": []}]`,
	} {
		tr, err := Parse([]byte(in), opts)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if len(tr.Segments) != 0 || !strings.Contains(strings.Join(tr.Warnings, "\n"), "no utterances: the transcript is empty") {
			t.Errorf("%s: segments %+v, warnings %q", in, tr.Segments, tr.Warnings)
		}
	}
	if _, err := Parse([]byte("\x00\x01\x02\n\x00"), opts); err == nil || !strings.Contains(err.Error(), "empty transcript") {
		t.Errorf("control characters only: %v", err)
	}
}

// Times beyond 24 hours are refused, naming where.
func TestAbsurdTimes(t *testing.T) {
	for in, errLike := range map[string]string{
		`{"segments": [{"speaker": "agent", "start": 0, "end": 1, "text": "a"}, {"speaker": "agent", "start": 1e12, "end": 1e12, "text": "b"}]}`: "$.segments[1]: time 1e+12 s is beyond 24 hours",
		"1\n00:00:01,000 --> 00:00:02,000\n坐席：您好\n\n2\n99999999:00:00,000 --> 99999999:00:01,000\n客户：喂\n":                                        "line 6: time 3.59999996401e+11 s is beyond 24 hours",
		`{"Result": {"Sentences": [{"BeginTime": 0, "EndTime": 86400001, "Text": "x", "ChannelId": 0}]}}`:                                        "$.Result.Sentences[0]: time 86400.001 s is beyond 24 hours",
	} {
		if _, err := Parse([]byte(in), opts); err == nil || !strings.Contains(err.Error(), errLike) {
			t.Errorf("Parse(%.40q): %v, want %q", in, err, errLike)
		}
	}
	if _, err := Parse([]byte(`{"segments": [{"speaker": "agent", "start": 86399, "end": 86400, "text": "a"}]}`), opts); err != nil {
		t.Errorf("24 h exactly: %v", err)
	}
}

// Alibaba Cloud's Sentences, stored bare; one channel with several
// SpeakerIds (mono with diarization) takes the speakers from SpeakerId.
func TestBareSentences(t *testing.T) {
	diarized := `[{"BeginTime": 500, "EndTime": 2000, "Text": "您好", "ChannelId": 0, "SpeakerId": "2", "SpeechRate": 180, "EmotionValue": 5.5},
	 {"BeginTime": 2500, "EndTime": 4000, "Text": "我要退款", "ChannelId": 0, "SpeakerId": "1"},
	 {"BeginTime": 4500, "EndTime": 5000, "Text": "好的", "ChannelId": 0, "SpeakerId": "2"}]`
	tr, err := Parse([]byte(diarized), opts)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, s := range tr.Segments {
		got += s.Speaker + ":" + s.Text + " "
	}
	if tr.Format != "alibaba" || got != "agent:您好 customer:我要退款 agent:好的 " || tr.Segments[1].Start != 2.5 {
		t.Errorf("format %s, segments %s", tr.Format, got)
	}
	if w := strings.Join(tr.Warnings, "\n"); !strings.Contains(w, `SpeakerId names 2 speakers: speakers taken from SpeakerId, "2" (the first to speak) as speaker 0`) {
		t.Errorf("warnings %q", w)
	}
	// Right agent channel: the first to speak is the customer.
	tr, err = Parse([]byte(diarized), Options{AgentChannel: 1})
	if err != nil || tr.Segments[0].Speaker != Customer {
		t.Errorf("agent on 1: %+v, %v", tr, err)
	}
	// Two channels: the channels are the speakers, whatever SpeakerId says.
	stereo := `[{"BeginTime": 0, "EndTime": 1000, "Text": "您好", "ChannelId": 0, "SpeakerId": "1"},
	 {"BeginTime": 1000, "EndTime": 2000, "Text": "喂", "ChannelId": 1, "SpeakerId": "1"}]`
	tr, err = Parse([]byte(stereo), opts)
	if err != nil || tr.Segments[1].Speaker != Customer || len(tr.Warnings) != 0 {
		t.Errorf("stereo: %+v, %v", tr, err)
	}
	// Three diarized speakers cannot be mapped to two parties.
	three := `[{"BeginTime": 0, "EndTime": 1, "Text": "a", "ChannelId": 0, "SpeakerId": "1"},
	 {"BeginTime": 1, "EndTime": 2, "Text": "b", "ChannelId": 0, "SpeakerId": "2"},
	 {"BeginTime": 2, "EndTime": 3, "Text": "c", "ChannelId": 0, "SpeakerId": "3"}]`
	if _, err := Parse([]byte(three), opts); err == nil || !strings.Contains(err.Error(), "$.Sentences[2].SpeakerId") {
		t.Errorf("three speakers: %v", err)
	}
}

// Big5 (Taiwan, Hong Kong) is told from GBK by which reading gives common
// characters rather than garble.
func TestBig5(t *testing.T) {
	traditional := "客服：您好，請問有什麼可以幫您？\n客戶：我的帳單費用不對，要退款。\n客服：好的，請稍等，我幫您查一下。\n"
	big5, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(traditional))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Parse(big5, opts)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Encoding != "big5" || len(tr.Segments) != 3 || tr.Segments[1].Text != "我的帳單費用不對，要退款。" || len(tr.Warnings) != 0 {
		t.Errorf("encoding %s, segments %+v, warnings %q", tr.Encoding, tr.Segments, tr.Warnings)
	}
	simplified := "坐席：您好，请问有什么可以帮您？\n客户：我的账单费用不对，要退款。\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(simplified))
	if err != nil {
		t.Fatal(err)
	}
	if tr, err := Parse(gbk, opts); err != nil || tr.Encoding != "gb18030" || tr.Segments[0].Text != "您好，请问有什么可以帮您？" {
		t.Errorf("GBK: %+v, %v", tr, err)
	}
}

// A speaker overlapping themself, and one segment far from the others,
// are warned about.
func TestTimeWarnings(t *testing.T) {
	in := `{"segments": [
	  {"speaker": "agent", "start": 0, "end": 5, "text": "a"},
	  {"speaker": "agent", "start": 4, "end": 6, "text": "b"},
	  {"speaker": "customer", "start": 5, "end": 8, "text": "d"},
	  {"speaker": "agent", "start": 5.95, "end": 7, "text": "c"},
	  {"speaker": "customer", "start": 5000, "end": 5002, "text": "e"}]}`
	tr, err := Parse([]byte(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"1 segments of the agent overlap the same speaker's earlier speech (the first: 4.0–6.0 s, while their speech lasts until 5.0 s): talk time counts the overlap once",
		"nobody speaks for 4992 s before the segment at 5000.0 s, longer than all the rest of the call (10 s): check its times",
	}
	if strings.Join(tr.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings\n got %q\nwant %q", tr.Warnings, want)
	}
	// A ten-minute hold in a half-hour call is not far beyond the call.
	hold := `{"segments": [
	  {"speaker": "agent", "start": 0, "end": 600, "text": "a"},
	  {"speaker": "customer", "start": 1200, "end": 1800, "text": "b"}]}`
	if tr, err := Parse([]byte(hold), opts); err != nil || len(tr.Warnings) != 0 {
		t.Errorf("hold: %q, %v", tr.Warnings, err)
	}
}
