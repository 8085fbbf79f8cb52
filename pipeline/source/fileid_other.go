//go:build !unix

package source

import (
	"io/fs"
	"path/filepath"
)

// fileID identifies a file or folder whatever path reached it: its path
// with every link resolved.
func fileID(path string, _ fs.FileInfo) any {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		if abs, err := filepath.Abs(real); err == nil {
			return abs
		}
	}
	return path
}
