package transcript

import (
	"strings"
	"testing"

	"github.com/callqa/callqa/pipeline/timeline"
)

const valid = `{"call_id": "20261121-0001", "language": "zh",
 "segments": [
   {"speaker": "agent",    "start": 0.50, "end": 3.20, "text": "您好，工号1086，很高兴为您服务"},
   {"speaker": "Customer", "start": 3.60, "end": 6.10, "text": "我想查一下话费", "confidence": 0.93}]}`

var opts = Options{}

func TestParseCanonical(t *testing.T) {
	for _, in := range []string{valid, "\xEF\xBB\xBF" + valid} {
		tr, err := Parse([]byte(in), opts)
		if err != nil {
			t.Fatal(err)
		}
		if tr.CallID != "20261121-0001" || tr.Format != "canonical" || !tr.Timed || len(tr.Segments) != 2 || len(tr.Warnings) != 0 {
			t.Fatalf("got %+v", tr)
		}
		want := Segment{Speaker: Customer, Start: 3.6, End: 6.1, Text: "我想查一下话费"}
		if tr.Segments[1] != want {
			t.Errorf("segment 1 = %+v, want %+v", tr.Segments[1], want)
		}
	}
}

func TestParseRepairs(t *testing.T) {
	in := `{"segments": [
	  {"speaker": "customer", "start": 5, "end": 6, "text": "后面"},
	  {"speaker": "agent", "start": 1, "end": 2, "text": "前\u0000面"},
	  {"speaker": "agent", "start": 3, "end": 4, "text": "  "}]}`
	tr, err := Parse([]byte(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Segments) != 2 || tr.Segments[0].Text != "前面" || tr.Segments[1].Start != 5 {
		t.Errorf("segments %+v", tr.Segments)
	}
	w := strings.Join(tr.Warnings, "\n")
	for _, want := range []string{"segment 1: NUL", "segment 2: empty", "sorted"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	seg := func(s string) string { return `{"segments": [` + s + `]}` }
	tests := []struct{ in, errLike string }{
		{"", "empty transcript"},
		{"   \n", "empty transcript"},
		{"{\n  \"segments\": [\n    {\"speaker\": \"agent\",}\n]}", "line 3"},
		{`{"call_id": "x"}`, `unknown JSON shape`},
		{`{"segments": {"a": 1}}`, "$.segments: not an array"},
		{seg(`{"speaker": "agent", "start": 0, "end": 1, "text": "x"}, {"speaker": "bot", "start": 1, "end": 2, "text": "y"}`), `$.segments[1].speaker: "bot" is not "agent" or "customer"`},
		{seg(`{"speaker": "bot", "start": 0, "end": 1, "text": "x"}`), `$.segments[0].speaker: bot is not agent, customer or a speaker number`},
		{seg(`{"speaker": "agent", "start": -1, "end": 1, "text": "x"}`), "$.segments[0]: negative time"},
		{seg(`{"speaker": "agent", "start": 2, "end": 1, "text": "x"}`), "$.segments[0]: ends at 1 before it starts at 2"},
		{seg(`{"speaker": "agent", "end": 1, "text": "x"}`), "$.segments[0].start: missing"},
		{seg(`{"speaker": "agent", "start": 0, "end": 1}`), "$.segments[0].text: missing"},
		{seg(`{"speaker": "agent", "start": "0", "end": 1, "text": "x"}`), "$.segments[0].start: 0 is not a number"},
		{`{"Result": {"Sentences": [{"BeginTime": 0, "EndTime": 10, "Text": "x", "ChannelId": 2}]}}`, "$.Result.Sentences[0].ChannelId: speaker 2"},
		{`[{"key": "a", "text": "x"}]`, "$[0].sentence_info: no sentence_info"},
		{"你好\n坐席：您好", `line 1 has no speaker`},
		{"1\n00:00:01,000 --> 00:00:02,000\n坐席：您好\n\n2\n00:00:03,000 --> 00:00:04,000\n嗯\n", "line 6: cue has no speaker"},
		{"WEBVTT\n\n00:01.000 --> 00:02.000\n<v Bob>hi\n", `line 4: voice "Bob" is not a known role`},
		{"WEBVTT\n\n00:05.000 --> 00:02.000\n<v agent>hi\n", "line 3: ends at 2 before it starts at 5"},
		{"WEBVTT\n\nNOTE nothing here\n", "no cues"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in), opts)
		if err == nil || !strings.Contains(err.Error(), tt.errLike) {
			t.Errorf("Parse(%q):\n error %v\n want one containing %q", tt.in, err, tt.errLike)
		}
	}
}

func TestIntervalsMergeOverlaps(t *testing.T) {
	tr, err := Parse([]byte(`{"segments": [
	  {"speaker": "agent", "start": 0, "end": 2, "text": "a"},
	  {"speaker": "agent", "start": 1.5, "end": 3, "text": "b"},
	  {"speaker": "customer", "start": 4, "end": 5, "text": "c"}]}`), opts)
	if err != nil {
		t.Fatal(err)
	}
	got := tr.Intervals(Agent)
	if len(got) != 1 || got[0] != (timeline.Interval{Start: 0, End: 3}) {
		t.Errorf("agent intervals %v", got)
	}
}

func TestRolePrefixes(t *testing.T) {
	r := newRoles(Options{})
	for line, want := range map[string]string{
		"坐席：您好":        Agent,
		"座席: 您好":       Agent,
		"客服1086：您好":    Agent,
		"[坐席] 您好":      Agent,
		"【客户】喂":        Customer,
		"客戶：喂":         Customer,
		"Customer: hi": Customer,
		"AGENT:hello":  Agent,
		"客户说他要退款":      "",
		"坐席您好":         "",
	} {
		sp, _, ok := r.prefix(line)
		if sp != want || ok != (want != "") {
			t.Errorf("prefix(%q) = %q, %v; want %q", line, sp, ok, want)
		}
	}
	custom := newRoles(Options{AgentRoles: []string{"A"}, CustomerRoles: []string{"B"}})
	if sp, rest, _ := custom.prefix("b: 你好"); sp != Customer || rest != "你好" {
		t.Errorf("custom roles: %q %q", sp, rest)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte(`{"segments": [{"speaker": "agent", "start": 1e308, "end": 1e309, "text": "\u0000"}]}`))
	f.Add([]byte("坐席：您好\n客户：喂\n"))
	f.Add([]byte("1\n00:00:01,000 --> 00:00:02,000\n坐席：您好\n"))
	f.Add([]byte("WEBVTT\n\n00:01.000 --> 00:02.000\n<v agent>hi\n"))
	f.Add([]byte(`{"Result": {"Sentences": [{"BeginTime": 0, "EndTime": 10, "Text": "x", "ChannelId": 1}]}}`))
	f.Add([]byte(`[{"sentence_info": [{"start": 0, "end": 10, "text": "x", "spk": 0}]}]`))
	f.Add([]byte("\xff\xfe\x57\x5b\x2d\x5e\x1a\xff"))
	f.Add([]byte("{\"segments\": [{\"speaker\": \"agent\", \"start\": 0, \"end\": 1, \"text\": \"a\x00\\\x01b\n\"}]}\x00"))
	f.Add([]byte(`[{"BeginTime": 0, "EndTime": 10, "Text": "x", "ChannelId": 0, "SpeakerId": "1"}, {"BeginTime": 5, "EndTime": 9, "Text": "y", "ChannelId": 0, "SpeakerId": 2}]`))
	f.Add([]byte("\xab\xc8\xaa\x41\xa1\x47\xb1\x7a\xa6\x6e\n"))
	f.Add([]byte("1\n99999999:00:00,000 --> 99999999:00:01,000\n坐席：您好\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Parse(b, opts)
		if err != nil {
			return
		}
		for i, s := range tr.Segments {
			if s.End < s.Start || s.Start < 0 || s.End > MaxTime || strings.ContainsFunc(s.Text, isControl) || strings.TrimFunc(s.Text, blank) == "" {
				t.Fatalf("segment %d accepted as %+v", i, s)
			}
			if s.Speaker != Agent && s.Speaker != Customer && s.Speaker != Unknown {
				t.Fatalf("segment %d speaker %q", i, s.Speaker)
			}
			if tr.Timed && i > 0 && s.Start < tr.Segments[i-1].Start {
				t.Fatal("segments not sorted")
			}
		}
	})
}

// TestBadCueTimesAreErrors: a cue whose time line is malformed used to be
// skipped, text and all, with exit 0; now the transcript is refused, as
// JSON with the same fault is.
func TestBadCueTimesAreErrors(t *testing.T) {
	for _, line := range []string{
		"00:00:05,000 -> 00:00:06,000",
		"-00:00:01,000 --> 00:00:02,000",
		"0:0:5,0 --> 0:0:6,0",
		"00:00:0x,000 --> 00:00:06,000",
		"00:00:05,000 --> 00:00:0y,000",
	} {
		srt := "1\n00:00:01,000 --> 00:00:02,000\n坐席：您好\n\n2\n" + line + "\n客户：我要投诉\n"
		vtt := "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v 坐席>您好\n\n" + strings.ReplaceAll(line, ",", ".") + "\n<v 客户>我要投诉\n"
		for _, text := range []string{srt, vtt} {
			_, err := Parse([]byte(text), Options{})
			if err == nil || !strings.Contains(err.Error(), "bad cue time") || !strings.Contains(err.Error(), "line ") {
				t.Errorf("%q: %v, want a bad cue time error with its line", line, err)
			}
		}
	}
	// A cue's text may still hold an arrow.
	ok := "1\n00:00:01,000 --> 00:00:02,000\n坐席：第一步 -> 第二步\n"
	if tr, err := Parse([]byte(ok), Options{}); err != nil || len(tr.Segments) != 1 {
		t.Errorf("an arrow in a cue's text: %v", err)
	}
}

// TestErrorsQuoteNoContent: a manifest may name any file as a transcript;
// its error row must not carry the file's words (a password hash).
func TestErrorsQuoteNoContent(t *testing.T) {
	secret := "root:$y$j9T$abcdefghijkl$secrethashvalue:19000:0:99999:7:::\n"
	_, err := Parse([]byte(secret), Options{})
	if err == nil || strings.Contains(err.Error(), "root") || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v quotes the file", err)
	}
}

// TestLongSegmentsAreSplit: a segment longer than MaxSegmentRunes becomes
// pieces of at most that many characters, cut after a sentence end where
// one is near the limit and where the limit falls where none is, which
// together are the text, the speaker and the time span it was, with a
// warning. The segments around it are untouched.
func TestLongSegmentsAreSplit(t *testing.T) {
	sentence := strings.Repeat("您", 3499) + "。" // 3,500 characters
	for _, c := range []struct {
		name   string
		text   string
		pieces []int // characters per piece
	}{
		{"sentences", strings.Repeat(sentence, 3), []int{3500, 3500, 3500}},
		{"no pause", strings.Repeat("您", 9000), []int{4000, 4000, 1000}},
		{"a pause too early", strings.Repeat("您", 100) + "。" + strings.Repeat("您", 4500), []int{4000, 601}},
		{"exactly the limit", strings.Repeat("您", MaxSegmentRunes), []int{MaxSegmentRunes}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := `{"segments": [
			  {"speaker": "customer", "start": 1, "end": 2, "text": "我要投诉"},
			  {"speaker": "agent", "start": 10, "end": 19, "text": "` + c.text + `"},
			  {"speaker": "customer", "start": 20, "end": 21, "text": "好的"}]}`
			tr, err := Parse([]byte(in), opts)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(tr.Segments); n != len(c.pieces)+2 || tr.Segments[0].Text != "我要投诉" || tr.Segments[n-1].Text != "好的" {
				t.Fatalf("%d segments, want %d: first %q, last %q", n, len(c.pieces)+2, tr.Segments[0].Text, tr.Segments[n-1].Text)
			}
			pieces := tr.Segments[1 : len(tr.Segments)-1]
			var text strings.Builder
			end := 10.0
			for i, p := range pieces {
				if got := len([]rune(p.Text)); got != c.pieces[i] {
					t.Errorf("piece %d: %d characters, want %d", i, got, c.pieces[i])
				}
				if p.Speaker != Agent || p.Start != end || p.End <= p.Start {
					t.Errorf("piece %d: %s %.3f–%.3f, want the agent from %.3f", i, p.Speaker, p.Start, p.End, end)
				}
				end = p.End
				text.WriteString(p.Text)
			}
			if end != 19 || text.String() != c.text {
				t.Errorf("the pieces end at %.3f and hold %d characters; want 19 and the %d of the segment", end, len([]rune(text.String())), len([]rune(c.text)))
			}
			split := strings.Contains(strings.Join(tr.Warnings, "\n"), "segment 1: ")
			if split != (len(c.pieces) > 1) {
				t.Errorf("warnings %q", tr.Warnings)
			}
		})
	}
}
