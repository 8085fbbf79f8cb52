package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func touch(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(root, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	touch(t, root,
		"a.wav", "a.json", // audio and transcript
		"b.WAV",       // audio only, extension in capitals
		"day2/c.json", // transcript only, in a subfolder
		"day2/a.wav",  // the same id again: a duplicate
		"notes.md", ".hidden/d.wav", "._e.wav",
	)
	calls, err := Find([]string{root, filepath.Join(root, "a.wav")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range calls {
		s := c.ID + ":" + filepath.Base(c.AudioPath) + "," + filepath.Base(c.TranscriptPath)
		if c.Err != nil {
			s += ":dup"
		}
		got = append(got, s)
	}
	want := "a:a.wav,a.json a:a.wav,.:dup b:b.WAV,. c:.,c.json"
	if strings.Join(got, " ") != want {
		t.Errorf("calls\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if calls[1].AudioPath != filepath.Join(root, "day2", "a.wav") || !strings.Contains(calls[1].Err.Error(), filepath.Join(root, "a.wav")) {
		t.Errorf("duplicate %+v", calls[1])
	}
}

func TestTwoFilesOfOneCall(t *testing.T) {
	root := t.TempDir()
	touch(t, root, "y.wav", "y.Wav")
	calls, err := Find([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].Err == nil || !strings.Contains(calls[0].Err.Error(), "same call") {
		t.Errorf("calls %+v", calls)
	}
}

func TestFindErrors(t *testing.T) {
	root := t.TempDir()
	touch(t, root, "x.md")
	for _, tt := range []struct {
		inputs  []string
		errLike string
	}{
		{[]string{filepath.Join(root, "missing")}, "no such file"},
		{[]string{filepath.Join(root, "x.md")}, "not a recording"},
	} {
		if _, err := Find(tt.inputs); err == nil || !strings.Contains(err.Error(), tt.errLike) {
			t.Errorf("Find(%v): %v, want an error containing %q", tt.inputs, err, tt.errLike)
		}
	}
}
