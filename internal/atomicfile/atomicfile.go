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
)

// File is a file being written aside. Nothing appears under its name until
// Commit; Abort (or a crash) leaves at most a hidden ".NAME.tmp-*" file.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing the file at path. Its folder must exist.
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Commit syncs the file, renames it into place (readable by all, as
// os.Create would make it) and syncs the folder. On error the file is
// removed.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: " + f.path + " already committed or aborted")
	}
	f.done = true
	err := errors.Join(f.Sync(), f.Close())
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return syncDir(filepath.Dir(f.path))
}

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

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
