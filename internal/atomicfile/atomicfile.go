// Package atomicfile writes files that readers see whole or not at all:
// every writer of callqa (Parquet parts, HTML pages, JUnit reports) writes
// aside in the target's folder, syncs the file, renames it into place and
// syncs the folder, so that neither a crash nor a reader ever sees half a
// file.
package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/callqa/callqa/internal/osfs"
)

// File is a file being written aside. Nothing appears under its name until
// Commit; Abort leaves nothing, a crash at most a hidden ".NAME.tmp-PID-*"
// file, which the next Create of the same name removes once process PID
// is gone (a report killed while it wrote left its page behind for good).
type File struct {
	*osfs.File
	path     string
	finished bool // synced and closed
	done     bool // in place, or aborted
}

// tmpInfix separates a temporary file's target name from its random tail.
const tmpInfix = ".tmp-"

// Create starts writing the file at path. Its folder must exist.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	removeDead(dir, base)
	f, err := osfs.CreateTemp(filepath.Dir(path), "."+base+tmpInfix+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// dead holds, by folder, the temporary files of writers that were gone
// when this process first wrote there, by target name: the folder is read
// once (a report writes thousands of pages into one), and each Create
// removes those of its own name.
var dead sync.Map // folder → *deadFiles

type deadFiles struct {
	mu       sync.Mutex
	byTarget map[string][]string
}

// removeDead removes the temporary files for base in dir whose writer is
// no longer running.
func removeDead(dir, base string) {
	if dir == "" {
		dir = "."
	}
	dir = filepath.Clean(dir)
	v, ok := dead.Load(dir)
	if !ok {
		found := &deadFiles{byTarget: map[string][]string{}}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			target, ok := Target(e.Name())
			if !ok {
				continue
			}
			pidText, _, ok := strings.Cut(strings.TrimPrefix(e.Name(), "."+target+tmpInfix), "-")
			if pid, err := strconv.Atoi(pidText); ok && err == nil && pid > 0 && !processAlive(pid) {
				found.byTarget[target] = append(found.byTarget[target], e.Name())
			}
		}
		v, _ = dead.LoadOrStore(dir, found)
	}
	d := v.(*deadFiles)
	d.mu.Lock()
	names := d.byTarget[base]
	delete(d.byTarget, base)
	d.mu.Unlock()
	for _, name := range names {
		osfs.Remove(filepath.Join(dir, name))
	}
}

// Commit syncs the file, renames it into place (readable by all, as
// os.Create would make it) and syncs the folder. On error the file is
// removed.
func (f *File) Commit() error {
	err := f.Finish()
	if err == nil {
		err = f.Place()
	}
	if err != nil {
		f.Abort()
		return err
	}
	return SyncDir(filepath.Dir(f.path))
}

// Finish syncs and closes the file, readable by all, but leaves it aside:
// for a caller that puts several files in place together (the parts of a
// run, pipeline/sink) with Place, and syncs their folder once. Abort still
// removes it.
func (f *File) Finish() error {
	if f.done || f.finished {
		return errors.New("atomicfile: " + f.path + " already finished, committed or aborted")
	}
	f.finished = true
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return err
	}
	return osfs.Chmod(f.Name(), 0o644)
}

// Place renames a finished file into place, without syncing its folder.
// Abort does nothing after it.
func (f *File) Place() error {
	if f.done || !f.finished {
		return errors.New("atomicfile: " + f.path + " not finished, or already committed or aborted")
	}
	if err := osfs.Rename(f.Name(), f.path); err != nil {
		return err
	}
	f.done = true
	return nil
}

// Path is where the file goes on Commit.
func (f *File) Path() string { return f.path }

// Abort removes the unfinished file. It does nothing after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	if !f.finished {
		f.Close()
	}
	osfs.Remove(f.Name())
}

// Write writes the file at path with write, atomically.
func Write(path string, write func(io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}

// Target is the name of the file a temporary file named name (a base name)
// was being written for, if it is one: what a clean-up needs to tell whose
// it is.
func Target(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, ".")
	i := strings.LastIndex(rest, tmpInfix)
	if !ok || i <= 0 {
		return "", false
	}
	return rest[:i], true
}

// SyncDir makes a rename in dir durable.
func SyncDir(dir string) error {
	d, err := osfs.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
