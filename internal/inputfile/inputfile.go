// Package inputfile opens the files callqa reads (recordings, transcripts,
// manifests) safely: only regular files, opened without blocking, and read
// with a cap on their size, so that a FIFO or a device named as an input
// neither hangs a run nor exhausts its memory.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Open opens an input file for reading, refusing anything but a regular
// file: a FIFO named x.wav would block the call (and the run's SIGINT)
// forever, and /dev/zero never ends. The file is opened without blocking
// and checked after opening, so a file swapped between a check and the
// open is still caught.
func Open(path string) (*os.File, error) {
	f, err := openNonblocking(path)
	if err != nil {
		// A socket cannot be opened at all (ENXIO, "no such device or
		// address"): say what it is, as for a FIFO or a device.
		if st, serr := os.Stat(path); serr == nil && !st.Mode().IsRegular() && !st.IsDir() {
			return nil, &fs.PathError{Op: "open", Path: path, Err: errors.New(NotRegular(st.Mode()))}
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: errors.New(NotRegular(st.Mode()))}
	}
	return f, nil
}

// Read reads the regular file at path whole, but stops at limit bytes:
// a file that holds more is an error naming it and the cap, found while
// reading rather than after.
func Read(path string, limit int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %s, the most callqa reads", size(limit))}
	}
	return data, nil
}

// NotRegular says what a file that is not a regular file is.
func NotRegular(m fs.FileMode) string {
	kind := "not a regular file"
	switch {
	case m.IsDir():
		return "a folder, not a file"
	case m&fs.ModeNamedPipe != 0:
		kind += " (a named pipe)"
	case m&fs.ModeSocket != 0:
		kind += " (a socket)"
	case m&fs.ModeCharDevice != 0:
		kind += " (a character device)"
	case m&fs.ModeDevice != 0:
		kind += " (a device)"
	}
	return kind
}

// size prints a byte count in MB when it is whole MB.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
