//go:build unix

package decode

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeFFmpeg puts scripts named ffmpeg and ffprobe first on PATH. Each
// appends its process id, and those of what it starts, to the file $PIDS,
// so that a test can check that none is left running.
func fakeFFmpeg(t *testing.T, ffprobe, ffmpeg string) (pids string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"ffprobe": ffprobe, "ffmpeg": ffmpeg} {
		script := "#!/bin/sh\necho $$ >> \"$PIDS\"\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pids = filepath.Join(dir, "pids")
	t.Setenv("PIDS", pids)
	t.Setenv("PATH", dir+":/usr/bin:/bin")
	return pids
}

const probeOK = `echo '{"streams":[{"codec_name":"opus","sample_rate":"8000","channels":2}]}'`

// checkReaped fails the test if a process the fakes started still runs
// (a zombie left to init counts as ended).
func checkReaped(t *testing.T, pids string) {
	t.Helper()
	b, err := os.ReadFile(pids)
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Fields(string(b))
	if len(ids) == 0 {
		t.Fatal("the fakes recorded no process")
	}
	running := func(id string) string {
		stat, err := os.ReadFile("/proc/" + id + "/stat")
		if err != nil {
			return "" // gone
		}
		if f := strings.Fields(string(stat)); len(f) > 2 && f[2] != "Z" {
			return f[1]
		}
		return ""
	}
	for _, id := range ids {
		// A process killed a moment ago may take that moment to end.
		for range 200 {
			if running(id) == "" {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if name := running(id); name != "" {
			t.Errorf("process %s %s still runs", id, name)
		}
	}
}

func TestFFmpegFaults(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	opus := filepath.Join("testdata", "tones.opus")
	for _, tt := range []struct {
		name, ffprobe, ffmpeg string
		errLike               string
	}{
		{"ffmpeg hangs", probeOK, "sleep 300 & echo $! >> \"$PIDS\"; wait", "ffmpeg did not finish within 1s and was killed"},
		{"ffmpeg floods stderr", probeOK, "exec yes 'flood flood flood flood flood flood' >&2", "ffmpeg did not finish within 1s and was killed"},
		{"ffmpeg floods stdout", probeOK, "exec cat /dev/zero", "ffmpeg did not finish within 1s and was killed"},
		{"ffmpeg fails", probeOK, "echo 'Invalid data found when processing input' >&2; exit 1", "ffmpeg failed (exit status 1): Invalid data found when processing input"},
		{"ffmpeg dies", probeOK, "kill -9 $$", "ffmpeg failed (signal: killed)"},
		{"ffprobe hangs", "exec sleep 300", "exit 0", "ffprobe did not finish within 1s and was killed"},
		{"ffprobe fails", "echo 'moov atom not found' >&2; exit 1", "exit 0", "ffprobe cannot read the recording (exit status 1): moov atom not found"},
		{"ffprobe finds no audio", `echo '{"streams":[]}'`, "exit 0", "no audio stream"},
		{"ffprobe answers nonsense", "yes | head -c 100000", "exit 0", "ffprobe: unreadable answer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pids := fakeFFmpeg(t, tt.ffprobe, tt.ffmpeg)
			_, err := decodeFile(opus, Options{Timeout: time.Second})
			if err == nil || !strings.Contains(err.Error(), tt.errLike) {
				t.Errorf("error %v, want one like %q", err, tt.errLike)
			}
			checkReaped(t, pids)
		})
	}
}

// TestFFmpegStoppedEarly: a stream closed before its end (a call that
// failed in another stage) kills and reaps ffmpeg and what it started.
func TestFFmpegStoppedEarly(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	pids := fakeFFmpeg(t, probeOK, "sleep 300 & echo $! >> \"$PIDS\"; exec cat /dev/zero")
	s, err := Open(filepath.Join("testdata", "tones.opus"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 1024)
	if n, err := s.Read(buf); n == 0 || err != nil {
		t.Fatalf("read %d frames, %v", n, err)
	}
	s.Close()
	checkReaped(t, pids)
	if _, err := s.Read(buf); !errors.Is(err, io.EOF) && err == nil {
		t.Errorf("a read after Close: %v", err)
	}
}

// TestFFmpegInputIsData: a file name is never an ffmpeg option or protocol.
func TestFFmpegInputIsData(t *testing.T) {
	dir := t.TempDir()
	pids := fakeFFmpeg(t, `printf '%s\n' "$@" > "$PIDS.args"; `+probeOK, `printf '%s\n' "$@" >> "$PIDS.args"`)
	name := filepath.Join(dir, "-i concat:x.opus")
	if err := os.WriteFile(name, fixture(t, "tones.opus"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeFile(name, Options{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pids + ".args")
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i, a := range args {
		if strings.Contains(a, "concat:") && a != "file:"+name {
			t.Errorf("argument %d is %q: the name is not behind file:", i, a)
		}
		if a == "-i" && (i+1 >= len(args) || !strings.HasPrefix(args[i+1], "file:/")) {
			t.Errorf("-i is followed by %q", args[min(i+1, len(args)-1)])
		}
	}
	if !strings.Contains(string(b), "-protocol_whitelist\nfile\n-f\nogg\n") {
		t.Errorf("ffmpeg is not confined to the file and its container:\n%s", b)
	}
}
