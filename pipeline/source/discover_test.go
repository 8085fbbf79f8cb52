package source

import (
	"fmt"
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

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlink: %v", err)
	}
}

// Links to calls and to folders are followed; a loop ends; a file reached
// by two paths counts once, at the first path in walk order; what is not
// a call is named.
func TestDiscoverFollowsLinks(t *testing.T) {
	root, elsewhere := t.TempDir(), t.TempDir()
	touch(t, elsewhere, "far.wav", "far.json", "deep/deeper.wav")
	touch(t, root, "calls/own.wav", "calls/stray.aac", "calls/README")
	symlink(t, filepath.Join(elsewhere, "far.wav"), filepath.Join(root, "calls", "linked.wav"))
	symlink(t, elsewhere, filepath.Join(root, "calls", "more"))                        // a folder elsewhere
	symlink(t, filepath.Join(root, "calls"), filepath.Join(root, "calls", "loop"))     // a loop
	symlink(t, filepath.Join(root, "calls"), filepath.Join(root, "alias"))             // the same folder again
	symlink(t, filepath.Join(root, "gone.wav"), filepath.Join(root, "calls", "x.wav")) // broken
	top := filepath.Join(t.TempDir(), "input")
	symlink(t, root, top) // the input itself is a link

	f, err := Discover([]string{top})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range f.Calls {
		rel := func(p string) string { r, _ := filepath.Rel(top, p); return r }
		s := c.ID + ":" + rel(c.AudioPath) + "," + rel(c.TranscriptPath)
		if c.Err != nil {
			s += ":" + c.Err.Error()
		}
		got = append(got, s)
	}
	// Each file counts at its own name: linked.wav is far.wav, found by
	// its own name through the link to its folder; alias and loop lead
	// to calls/ again.
	want := []string{
		"deeper:calls/more/deep/deeper.wav,",
		"far:calls/more/far.wav,calls/more/far.json",
		"own:calls/own.wav,",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var skipped []string
	for _, s := range f.Skipped {
		rel, _ := filepath.Rel(top, s.Path)
		skipped = append(skipped, rel+": "+s.Reason)
	}
	wantSkipped := []string{
		"calls/README: not a call (no extension)",
		"calls/stray.aac: not a call (.aac)",
		"calls/x.wav: broken link: no such file or directory",
	}
	if strings.Join(skipped, "\n") != strings.Join(wantSkipped, "\n") {
		t.Errorf("skipped\n got %s\nwant %s", strings.Join(skipped, "\n"), strings.Join(wantSkipped, "\n"))
	}
	// A link to a file outside the inputs is a call by the link's name.
	other := t.TempDir()
	symlink(t, filepath.Join(elsewhere, "far.wav"), filepath.Join(other, "linked.wav"))
	g, err := Discover([]string{other})
	if err != nil || len(g.Calls) != 1 || g.Calls[0].ID != "linked" || g.Calls[0].AudioPath != filepath.Join(other, "linked.wav") {
		t.Errorf("calls %+v, %v", g.Calls, err)
	}
}

func TestDiscoverUnreadableFolder(t *testing.T) {
	root := t.TempDir()
	touch(t, root, "ok.wav", "locked/hidden.wav")
	locked := filepath.Join(root, "locked")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(locked, 0o755) })
	if _, err := os.ReadDir(locked); err == nil {
		t.Skip("running as root: permissions are not enforced")
	}
	f, err := Discover([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Calls) != 1 || len(f.Skipped) != 1 || f.Skipped[0].Path != locked || !strings.Contains(f.Skipped[0].Reason, "folder cannot be read: permission denied") {
		t.Errorf("found %+v", f)
	}
}

// Two names of one file in a folder (hard links, as dedup tools and
// backups make them) are two calls, each with its own id; naming the same
// file again as an input still counts it once.
func TestDiscoverHardLinksAreCalls(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "clean.wav", "other.json")
	if err := os.Link(filepath.Join(dir, "clean.wav"), filepath.Join(dir, "other.wav")); err != nil {
		t.Skip("no hard links here:", err)
	}
	f, err := Discover([]string{dir, filepath.Join(dir, "other.wav")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range f.Calls {
		got = append(got, c.ID+":"+filepath.Base(c.AudioPath)+","+filepath.Base(c.TranscriptPath))
	}
	if want := "clean:clean.wav,.|other:other.wav,other.json"; strings.Join(got, "|") != want || len(f.Skipped) != 0 {
		t.Errorf("calls %q, skipped %v; want %q", got, f.Skipped, want)
	}
}

// TestLinksToASharedFile: two calls whose transcripts link to one file
// (outside the inputs) each get it; it used to count once, and the
// second call silently had none. A link to a device stays a call, whose
// row says why it cannot be read.
func TestLinksToASharedFile(t *testing.T) {
	root, elsewhere := t.TempDir(), t.TempDir()
	touch(t, elsewhere, "shared.json")
	touch(t, root, "a.wav", "b.wav")
	symlink(t, filepath.Join(elsewhere, "shared.json"), filepath.Join(root, "a.json"))
	symlink(t, filepath.Join(elsewhere, "shared.json"), filepath.Join(root, "b.json"))
	symlink(t, "/dev/zero", filepath.Join(root, "zerot.json"))
	f, err := Discover([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range f.Calls {
		got = append(got, fmt.Sprintf("%s:%s,%s", c.ID, filepath.Base(c.AudioPath), filepath.Base(c.TranscriptPath)))
	}
	want := "a:a.wav,a.json b:b.wav,b.json zerot:.,zerot.json"
	if strings.Join(got, " ") != want {
		t.Errorf("calls %q, want %q (skipped %v)", strings.Join(got, " "), want, f.Skipped)
	}
}
