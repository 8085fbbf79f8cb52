//go:build !unix

package inputfile

import (
	"errors"
	"io/fs"
	"os"
)

// openNonblocking checks that path is a regular file before opening it:
// without O_NONBLOCK that is the best there is.
func openNonblocking(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: path, Err: errors.New(NotRegular(st.Mode()))}
	}
	return os.Open(path)
}
