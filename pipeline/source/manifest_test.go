package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeManifest(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadManifest(t *testing.T) {
	csvBody := "\xEF\xBB\xBFcall_id,audio,transcript,agent_id,team,started_at,agent_channel,extra\n" +
		"c1,day/c1.wav,day/c1.json,1086,北京一组,2026-11-21T09:30:15+08:00,right,x\n" +
		"c2,,/abs/c2.txt,2046,,2026-11-21 10:00:00,,y\n" +
		"c3,c3.wav,,,,yesterday,middle,z\n"
	jsonl := `{"call_id": "c1", "audio": "day/c1.wav", "transcript": "day/c1.json", "agent_id": "1086", "team": "北京一组", "started_at": "2026-11-21T09:30:15+08:00", "agent_channel": "right", "extra": 1}

{"call_id": "c2", "transcript": "/abs/c2.txt", "agent_id": "2046", "started_at": "2026-11-21 10:00:00"}
{"call_id": "c3", "audio": "c3.wav", "started_at": "yesterday", "agent_channel": "middle"}
`
	for name, body := range map[string]string{"m.csv": csvBody, "m.jsonl": jsonl} {
		t.Run(name, func(t *testing.T) {
			path := writeManifest(t, name, body)
			calls, err := ReadManifest(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(calls) != 3 {
				t.Fatalf("calls %+v", calls)
			}
			c1, c2, c3 := calls[0], calls[1], calls[2]
			dir := filepath.Dir(path)
			want := time.Date(2026, 11, 21, 1, 30, 15, 0, time.UTC)
			if c1.AudioPath != filepath.Join(dir, "day", "c1.wav") || c1.AgentID != "1086" || c1.Team != "北京一组" ||
				c1.StartedAt == nil || !c1.StartedAt.Equal(want) || c1.AgentChannel != Right || c1.Err != nil {
				t.Errorf("c1 %+v", c1)
			}
			if c2.AudioPath != "" || c2.TranscriptPath != "/abs/c2.txt" || c2.StartedAt.Hour() != 10 || c2.Err != nil {
				t.Errorf("c2 %+v", c2)
			}
			if c3.Err == nil || !strings.Contains(c3.Err.Error(), `agent_channel "middle"`) || !strings.Contains(c3.Err.Error(), name+":") {
				t.Errorf("c3 error %v", c3.Err)
			}
			// A bad started_at is a warning and a null, not a failed call.
			if c3.StartedAt != nil || len(c3.Warnings) != 1 || !strings.Contains(c3.Warnings[0], name+":4") && !strings.Contains(c3.Warnings[0], name+":5") ||
				!strings.Contains(c3.Warnings[0], `started_at "yesterday" is not a time`) || strings.Contains(c3.Err.Error(), "started_at") {
				t.Errorf("c3 warnings %q, error %v", c3.Warnings, c3.Err)
			}
		})
	}
}

func TestReadManifestErrors(t *testing.T) {
	for body, errLike := range map[string]string{
		"audio,transcript\na.wav,\n":        "no call_id column",
		"call_id,audio\nc1,a.wav,extra\n":   "line 2: 3 fields, the header has 2",
		"call_id,audio\n,a.wav\n":           ":2: call_id is empty",
		"{\"call_id\": \"a\"}\n{broken\n":   "line 2:",
		"call_id,audio\n":                   "no calls",
		"call_id,audio\n\"unterminated,x\n": "line 2",
	} {
		_, err := ReadManifest(writeManifest(t, "m.txt", body))
		if err == nil || !strings.Contains(err.Error(), errLike) {
			t.Errorf("%q: error %v, want one containing %q", body, err, errLike)
		}
	}
}

func TestMarkDuplicates(t *testing.T) {
	calls := []Call{{ID: "b", AudioPath: "x/b.wav"}, {ID: "a", AudioPath: "a.wav"}, {ID: "b", TranscriptPath: "y/b.json"}}
	MarkDuplicates(calls)
	if calls[0].ID != "a" || calls[1].Err != nil || calls[2].Err == nil || !strings.Contains(calls[2].Err.Error(), "x/b.wav") {
		t.Errorf("calls %+v", calls)
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte("call_id,audio,transcript,started_at,agent_channel\nc1,a.wav,a.json,2026-11-21T09:30:15Z,left\n"))
	f.Add([]byte(`{"call_id": "c1", "audio": "a.wav", "started_at": "x"}` + "\n"))
	f.Add([]byte("call_id\n\"a\"\"b\"\n"))
	f.Add([]byte("call_id,transcript,started_at\nc1,a.json,2026-13-45 99:00\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		calls, err := parseManifest("/m/f.csv", b)
		if err != nil {
			return
		}
		for _, c := range calls {
			if c.ID == "" {
				t.Fatalf("call without id: %+v", c)
			}
			if c.Err == nil && c.AudioPath == "" && c.TranscriptPath == "" {
				t.Fatalf("call without files and without error: %+v", c)
			}
			if len(c.Warnings) > 0 && c.StartedAt != nil {
				t.Fatalf("a started_at with a warning: %+v", c)
			}
		}
	})
}
