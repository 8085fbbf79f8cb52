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

func TestParseCanonical(t *testing.T) {
	for _, in := range []string{valid, "\xEF\xBB\xBF" + valid} {
		tr, err := Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if tr.CallID != "20261121-0001" || len(tr.Segments) != 2 || len(tr.Warnings) != 0 {
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
	tr, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Segments) != 2 || tr.Segments[0].Text != "前面" || tr.Segments[1].Start != 5 {
		t.Errorf("segments %+v", tr.Segments)
	}
	w := strings.Join(tr.Warnings, "\n")
	for _, want := range []string{"segments[1].text: NUL", "segments[2].text: empty", "sorted"} {
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
		{"\xff\xfe{", "not valid UTF-8"},
		{"{\n  \"segments\": [\n    {\"speaker\": \"agent\",}\n]}", "line 3"},
		{`{"call_id": "x"}`, `no "segments"`},
		{`{"segments": {"a": 1}}`, "invalid transcript JSON"},
		{seg(`{"speaker": "bot", "start": 0, "end": 1, "text": "x"}`), `segments[0].speaker: "bot"`},
		{seg(`{"start": 0, "end": 1, "text": "x"}`), "segments[0].speaker: missing"},
		{seg(`{"speaker": "agent", "start": -1, "end": 1, "text": "x"}`), "negative time"},
		{seg(`{"speaker": "agent", "start": 2, "end": 1, "text": "x"}`), "segments[0].end: ends at 1 before"},
		{seg(`{"speaker": "agent", "end": 1, "text": "x"}`), "start and end times are required"},
		{seg(`{"speaker": "agent", "start": 0, "end": 1}`), "segments[0].text: missing"},
		{seg(`{"speaker": "agent", "start": "0", "end": 1, "text": "x"}`), "invalid transcript JSON"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.errLike) {
			t.Errorf("Parse(%q): error %v, want one containing %q", tt.in, err, tt.errLike)
		}
	}
}

func TestIntervalsMergeOverlaps(t *testing.T) {
	tr, err := Parse([]byte(`{"segments": [
	  {"speaker": "agent", "start": 0, "end": 2, "text": "a"},
	  {"speaker": "agent", "start": 1.5, "end": 3, "text": "b"},
	  {"speaker": "customer", "start": 4, "end": 5, "text": "c"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := tr.Intervals(Agent)
	if len(got) != 1 || got[0] != (timeline.Interval{Start: 0, End: 3}) {
		t.Errorf("agent intervals %v", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte(`{"segments": [{"speaker": "agent", "start": 1e308, "end": 1e309, "text": "\u0000"}]}`))
	f.Add([]byte(`{"segments": null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Parse(b)
		if err != nil {
			return
		}
		for i, s := range tr.Segments {
			if s.End < s.Start || s.Start < 0 || strings.ContainsRune(s.Text, 0) {
				t.Fatalf("segment %d accepted as %+v", i, s)
			}
			if i > 0 && s.Start < tr.Segments[i-1].Start {
				t.Fatal("segments not sorted")
			}
		}
	})
}
