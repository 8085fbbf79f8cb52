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
)

// File is a file being written aside. Nothing appears under its name until
// Commit; Abort leaves nothing, a crash at most a hidden ".NAME.tmp-PID-*"
// file, which the next Create of the same name removes once process PID
// is gone (a report killed while it wrote left its page behind for good).
type File struct {
	*os.File
	path string
	done bool
}

// tmpInfix separates a temporary file's target name from its random tail.
const tmpInfix = ".tmp-"

// Create starts writing the file at path. Its folder must exist.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	removeDead(dir, base)
	f, err := os.CreateTemp(filepath.Dir(path), "."+base+tmpInfix+strconv.Itoa(os.Getpid())+"-*")
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
		os.Remove(filepath.Join(dir, name))
	}
}

// Commit syncs the file, renames it into place (readable by all, as
// os.Create would make it) and syncs the folder. On error the file is
// removed.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: " + f.path + " already committed or aborted")
	}
	f.done = true
	err := f.finish()
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return SyncDir(filepath.Dir(f.path))
}

// Finish syncs and closes the file, readable by all, but leaves it aside:
// for a caller that renames several files into place together (the parts
// of a run, pipeline/sink), from Name to Path. Abort still removes it.
func (f *File) Finish() error {
	if f.done {
		return errors.New("atomicfile: " + f.path + " already committed or aborted")
	}
	return f.finish()
}

func (f *File) finish() error {
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return err
	}
	return os.Chmod(f.Name(), 0o644)
}

// Path is where the file goes on Commit.
func (f *File) Path() string { return f.path }

// Abort removes the unfinished file. It does nothing after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
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
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
