//go:build unix

package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callqa/callqa/pipeline/source"
)

// TestHungFFmpegFailsOneCall: an ffmpeg that never finishes is killed at
// the call timeout; that call gets an error row, the batch goes on, and no
// process is left.
func TestHungFFmpegFailsOneCall(t *testing.T) {
	dir := t.TempDir()
	pids := filepath.Join(dir, "pids")
	for name, body := range map[string]string{
		"ffprobe": `echo '{"streams":[{"codec_name":"opus","sample_rate":"8000","channels":2}]}'`,
		"ffmpeg":  "sleep 300 & echo $! >> \"$PIDS\"; wait",
	} {
		script := "#!/bin/sh\necho $$ >> \"$PIDS\"\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PIDS", pids)
	t.Setenv("PATH", dir+":/usr/bin:/bin")
	opus := filepath.Join(dir, "hung.opus")
	if err := os.WriteFile(opus, []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13OpusHead\x01\x02\x38\x01\x40\x1f\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t)
	e.cfg.CallTimeout = 2 * time.Second
	e.audio.Decode.Timeout = time.Second
	calls := []source.Call{
		{ID: "hung", AudioPath: opus},
		{ID: "clean", AudioPath: filepath.Join("..", "testdata", "calls", "clean.wav")},
	}
	var mu sync.Mutex
	got := map[string]Call{}
	err := e.Run(context.Background(), calls, 2, func(c Call) error {
		mu.Lock()
		defer mu.Unlock()
		got[c.Source.ID] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := got["hung"]; c.Err == nil || !strings.Contains(c.Err.Error(), "ffmpeg did not finish within 1s and was killed") {
		t.Errorf("the hung call: %v", c.Err)
	}
	if c := got["clean"]; c.Err != nil || c.Recording == nil {
		t.Errorf("the clean call: %v", c.Err)
	}
	b, _ := os.ReadFile(pids)
	for _, id := range strings.Fields(string(b)) {
		for range 200 {
			stat, err := os.ReadFile("/proc/" + id + "/stat")
			if err != nil || strings.Fields(string(stat))[2] == "Z" {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if stat, err := os.ReadFile("/proc/" + id + "/stat"); err == nil && strings.Fields(string(stat))[2] != "Z" {
			t.Errorf("process %s still runs: %s", id, stat)
		}
	}
}
