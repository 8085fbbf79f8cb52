package osfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// An injected fault is returned as the os call's *fs.PathError, the call
// is not made, and after restore every call runs again.
func TestInject(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	f, err := OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	var seen []Op
	restore := Inject(func(op Op, p string) error {
		seen = append(seen, op)
		if op == OpWrite || op == OpRename {
			return syscall.ENOSPC
		}
		return nil
	})
	_, werr := f.WriteString("lost")
	rerr := Rename(path, path+".moved")
	serr := f.Sync()
	restore()
	var pe *fs.PathError
	if !errors.As(werr, &pe) || pe.Op != "write" || pe.Path != path || !errors.Is(werr, syscall.ENOSPC) {
		t.Errorf("write: %v", werr)
	}
	if !errors.Is(rerr, syscall.ENOSPC) || serr != nil {
		t.Errorf("rename: %v; sync: %v", rerr, serr)
	}
	if len(seen) != 3 || seen[0] != OpWrite || seen[1] != OpRename || seen[2] != OpSync {
		t.Errorf("the fault saw %v", seen)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("the failed write or rename was made: %v, %v", fi, err)
	}
	if _, err := f.WriteString("kept"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Rename(path, path+".moved"); err != nil {
		t.Errorf("after restore: %v", err)
	}
}
