//go:build unix

package source

import (
	"io/fs"
	"syscall"
)

// fileID identifies a file or folder whatever path reached it: its device
// and inode.
func fileID(path string, st fs.FileInfo) any {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return [2]uint64{uint64(sys.Dev), uint64(sys.Ino)}
	}
	return path
}
