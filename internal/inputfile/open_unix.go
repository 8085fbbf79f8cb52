//go:build unix

package inputfile

import (
	"os"
	"syscall"
)

// openNonblocking opens path with O_NONBLOCK, so that opening a FIFO with
// no writer returns at once (regular files ignore the flag).
func openNonblocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
