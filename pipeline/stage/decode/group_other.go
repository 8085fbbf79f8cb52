//go:build !unix

package decode

import "os/exec"

// ownGroup leaves cmd as it is: without process groups, the context's
// cancellation kills ffmpeg itself.
func ownGroup(cmd *exec.Cmd) {}

// killGroup has nothing to kill once cmd has ended.
func killGroup(cmd *exec.Cmd) {}
