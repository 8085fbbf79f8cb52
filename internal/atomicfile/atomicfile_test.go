package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "page.html")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	seen := ""
	err := Write(path, func(w io.Writer) error {
		// While writing, readers still see the old file whole.
		b, _ := os.ReadFile(path)
		seen = string(b)
		_, err := io.WriteString(w, "new")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != "old" {
		t.Errorf("during the write the file read %q, want the old contents", seen)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "new" {
		t.Fatalf("after the write: %q, %v", b, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	onlyFiles(t, dir, "page.html")
}

func TestWriteFailureLeavesTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.xml")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("file is %q after a failed write, want the old contents", b)
	}
	onlyFiles(t, dir, "report.xml")
}

func TestAbortAndCommitOnce(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "calls.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	f.Abort()
	onlyFiles(t, dir)
	if err := f.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	g, err := Create(filepath.Join(dir, "hits.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Commit(); err != nil {
		t.Fatal(err)
	}
	g.Abort() // no-op after Commit
	onlyFiles(t, dir, "hits.parquet")
}

func TestCreateInMissingFolder(t *testing.T) {
	if _, err := Create(filepath.Join(t.TempDir(), "no", "such", "x")); err == nil {
		t.Error("Create in a missing folder succeeded")
	}
}

// onlyFiles checks that dir holds exactly the named files (no temporaries).
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("folder holds %v, want %v", got, names)
	}
	for i := range got {
		if got[i] != names[i] {
			t.Fatalf("folder holds %v, want %v", got, names)
		}
	}
}

// Finish leaves a complete file aside, under its temporary name, for a
// caller that renames several together; Abort still removes it.
func TestFinish(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "a.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "data")
	if err := f.Finish(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(f.Name()); err != nil || string(b) != "data" {
		t.Errorf("after Finish: %q, %v", b, err)
	}
	if target, ok := Target(filepath.Base(f.Name())); !ok || target != "a.parquet" || f.Path() != filepath.Join(dir, "a.parquet") {
		t.Errorf("Target(%s) = %q, %v", f.Name(), target, ok)
	}
	f.Abort()
	onlyFiles(t, dir)
}

func TestTarget(t *testing.T) {
	for name, want := range map[string]string{
		".calls.parquet.tmp-123": "calls.parquet", ".a.tmp-b.tmp-1": "a.tmp-b", "calls.parquet": "", ".tmp-1": "", ".x.tmp": "",
	} {
		if got, _ := Target(name); got != want {
			t.Errorf("Target(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestCreateRemovesTheDeadsFiles: what a killed writer left aside for the
// same name goes when the next writer starts; a live writer's file stays.
func TestCreateRemovesTheDeadsFiles(t *testing.T) {
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no true(1) to get a dead process id")
	}
	deadLeft := filepath.Join(dir, fmt.Sprintf(".report.html.tmp-%d-1", dead.Process.Pid))
	liveLeft := filepath.Join(dir, fmt.Sprintf(".report.html.tmp-%d-2", os.Getpid()))
	other := filepath.Join(dir, fmt.Sprintf(".other.html.tmp-%d-3", dead.Process.Pid))
	for _, p := range []string{deadLeft, liveLeft, other} {
		if err := os.WriteFile(p, []byte("half a page"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(filepath.Join(dir, "report.html"), func(w io.Writer) error { _, err := io.WriteString(w, "<p>"); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(deadLeft); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dead writer's file is still there: %v", err)
	}
	for _, p := range []string{liveLeft, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s went: %v", filepath.Base(p), err)
		}
	}
}
