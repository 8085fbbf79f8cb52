// Package osfs is the file-system calls callqa makes to write its output:
// Parquet parts, run manifests, their locks and backups, pages and
// reports. They all go through here so that a test can make any one of
// them fail (Inject), as a full disk, an I/O error or a file system
// remounted read-only would, and check that no run is lost. Without a
// fault each function is its os namesake.
package osfs

import (
	"io/fs"
	"os"
	"sync/atomic"
)

// Op names a kind of call, as Inject sees it.
type Op string

// The calls that go through here.
const (
	OpCreate Op = "create" // CreateTemp, OpenFile, MkdirTemp, MkdirAll
	OpOpen   Op = "open"   // Open, ReadDir
	OpWrite  Op = "write"  // File.Write, File.WriteString, File.Truncate
	OpSync   Op = "sync"   // File.Sync
	OpClose  Op = "close"  // File.Close
	OpChmod  Op = "chmod"
	OpRename Op = "rename"
	OpLink   Op = "link"
	OpRemove Op = "remove" // Remove, RemoveAll
)

// Fault decides whether a call fails: nil lets it run, an error is what
// it returns instead.
type Fault func(op Op, path string) error

var fault atomic.Pointer[Fault]

// Inject makes every call ask f first, until restore is called. It is for
// tests; they must not run in parallel with other writers of the process.
func Inject(f Fault) (restore func()) {
	fault.Store(&f)
	return func() { fault.Store(nil) }
}

// check is the injected fault's answer for a call, as the *fs.PathError
// the os call would return.
func check(op Op, path string) error {
	f := fault.Load()
	if f == nil {
		return nil
	}
	if err := (*f)(op, path); err != nil {
		return &fs.PathError{Op: string(op), Path: path, Err: err}
	}
	return nil
}

// File is an open file whose writes, syncs and close go through here.
type File struct{ f *os.File }

// Name is the file's path.
func (f *File) Name() string { return f.f.Name() }

// Fd is the file's descriptor (for flock).
func (f *File) Fd() uintptr { return f.f.Fd() }

func (f *File) Write(p []byte) (int, error) {
	if err := check(OpWrite, f.f.Name()); err != nil {
		return 0, err
	}
	return f.f.Write(p)
}

// WriteString writes s.
func (f *File) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

// Truncate changes the file's size.
func (f *File) Truncate(size int64) error {
	if err := check(OpWrite, f.f.Name()); err != nil {
		return err
	}
	return f.f.Truncate(size)
}

// Sync commits the file to stable storage.
func (f *File) Sync() error {
	if err := check(OpSync, f.f.Name()); err != nil {
		return err
	}
	return f.f.Sync()
}

// Close closes the file. An injected failure still closes it, as a
// failing close(2) does.
func (f *File) Close() error {
	err := check(OpClose, f.f.Name())
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// CreateTemp is os.CreateTemp.
func CreateTemp(dir, pattern string) (*File, error) {
	if err := check(OpCreate, dir); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &File{f}, nil
}

// OpenFile is os.OpenFile.
func OpenFile(name string, flag int, perm os.FileMode) (*File, error) {
	if err := check(OpCreate, name); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &File{f}, nil
}

// Open is os.Open.
func Open(name string) (*File, error) {
	if err := check(OpOpen, name); err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return &File{f}, nil
}

// ReadDir is os.ReadDir.
func ReadDir(name string) ([]os.DirEntry, error) {
	if err := check(OpOpen, name); err != nil {
		return nil, err
	}
	return os.ReadDir(name)
}

// MkdirAll is os.MkdirAll.
func MkdirAll(path string, perm os.FileMode) error {
	if err := check(OpCreate, path); err != nil {
		return err
	}
	return os.MkdirAll(path, perm)
}

// MkdirTemp is os.MkdirTemp.
func MkdirTemp(dir, pattern string) (string, error) {
	if err := check(OpCreate, dir); err != nil {
		return "", err
	}
	return os.MkdirTemp(dir, pattern)
}

// Chmod is os.Chmod.
func Chmod(name string, mode os.FileMode) error {
	if err := check(OpChmod, name); err != nil {
		return err
	}
	return os.Chmod(name, mode)
}

// Rename is os.Rename.
func Rename(from, to string) error {
	if err := check(OpRename, from); err != nil {
		return err
	}
	return os.Rename(from, to)
}

// Link is os.Link.
func Link(from, to string) error {
	if err := check(OpLink, from); err != nil {
		return err
	}
	return os.Link(from, to)
}

// Remove is os.Remove.
func Remove(name string) error {
	if err := check(OpRemove, name); err != nil {
		return err
	}
	return os.Remove(name)
}

// RemoveAll is os.RemoveAll.
func RemoveAll(path string) error {
	if err := check(OpRemove, path); err != nil {
		return err
	}
	return os.RemoveAll(path)
}
