package main

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/callqa/callqa/internal/osfs"
)

// folderFiles is every file in dir with its bytes, hidden ones included
// (the folder lock's file aside, which stays by design).
func folderFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ".callqa.lock" {
			return err
		}
		b, err := os.ReadFile(path)
		out[strings.TrimPrefix(path, dir)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOutputFaultsExitFatal fails the first file-system call of each kind
// that callqa run makes on its output (create, open, write, sync, close,
// chmod, rename, link, remove) in turn, while it replaces an earlier run.
// Each fault that loses data exits 1, naming the call, the file and the
// cause, says that nothing was replaced, and leaves the earlier run byte for byte, with no hidden file
// beside it. The sink's own test (TestEveryFileSystemFault) fails every
// call, one at a time; this one checks what the user sees.
func TestOutputFaultsExitFatal(t *testing.T) {
	in := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "calls", "banned-phrase.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "c1.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	earlier := filepath.Join(t.TempDir(), "earlier")
	var out bytes.Buffer
	if code := run([]string{"run", in, "--out", earlier}, &out, &out); code != exitOK {
		t.Fatalf("the earlier run: exit %d\n%s", code, out.String())
	}
	before := folderFiles(t, earlier)
	copyRun := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "out")
		if err := os.CopyFS(dir, os.DirFS(earlier)); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, op := range []osfs.Op{osfs.OpCreate, osfs.OpOpen, osfs.OpWrite, osfs.OpSync, osfs.OpClose, osfs.OpChmod, osfs.OpRename, osfs.OpLink, osfs.OpRemove} {
		t.Run(string(op), func(t *testing.T) {
			dir := copyRun(t)
			var failed string
			restore := osfs.Inject(func(o osfs.Op, path string) error {
				if o == op && failed == "" {
					failed = path
					return syscall.EIO
				}
				return nil
			})
			var out bytes.Buffer
			code := run([]string{"run", in, "--out", dir, "--agent-channel", "right"}, &out, &out)
			restore()
			if failed == "" {
				t.Fatalf("the run made no %s call", op)
			}
			switch op {
			case osfs.OpLink, osfs.OpClose, osfs.OpRemove:
				// A link that fails moves the earlier file aside instead;
				// the first close is of a lock, the first removal tidies
				// up: none loses data.
				if code != exitOK {
					t.Errorf("%s %s failing: exit %d, want 0\n%s", op, failed, code, out.String())
				}
				return
			}
			if code != exitFatal {
				t.Errorf("%s %s failing: exit %d, want %d", op, failed, code, exitFatal)
			}
			if want := "callqa: error: "; !strings.Contains(out.String(), want) || !strings.Contains(out.String(), string(op)+" "+failed+": input/output error") || !strings.Contains(out.String(), "nothing was replaced") {
				t.Errorf("%s %s failing: the message does not say so:\n%s", op, failed, out.String())
			}
			if got := folderFiles(t, dir); !maps.Equal(got, before) {
				t.Errorf("%s %s failing: the folder holds %v, want the earlier run's %v", op, failed, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(before)))
			}
		})
	}
}
