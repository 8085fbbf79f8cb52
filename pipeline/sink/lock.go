//go:build unix

package sink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/callqa/callqa/internal/osfs"
)

// The locks of a run's folder are flock(2) locks, which the kernel drops
// when the process dies however it dies (kill -9 too), so a lock never goes
// stale.
//
//   - The folder lock, .callqa.lock, is held only briefly: while a run
//     starts (takes its part's lock, checks what else runs there, removes
//     what dead runs left) and while it commits. Every part lock is taken
//     and given up under it, so what a run sees while holding it cannot
//     change under it.
//   - A part's lock, .run.lock or .run-<i>-of-<n>.lock, is held for the
//     whole run of that part. The shards of one run hold theirs side by
//     side; a second run of the same part, or of another shard count, is
//     refused.
const folderLock = ".callqa.lock"

// errHeld is a lock that another process holds.
var errHeld = errors.New("held by another process")

// tryLock takes an exclusive lock on the file at path (created if
// missing), without waiting: errHeld when another process holds it.
func tryLock(path string) (*osfs.File, error) {
	f, err := osfs.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errHeld
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// lockPollInterval is how often a run waiting for the folder lock tries
// again: polling, rather than a blocking flock, keeps the wait
// interruptible.
const lockPollInterval = 20 * time.Millisecond

// lockFolder takes the folder lock of dir, waiting while another run starts
// or commits there (a second or so), until ctx is cancelled.
func lockFolder(ctx context.Context, dir string) (*osfs.File, error) {
	path := filepath.Join(dir, folderLock)
	for {
		f, err := tryLock(path)
		if !errors.Is(err, errHeld) {
			return f, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(lockPollInterval):
		}
	}
}

// unlock gives up a lock (closing the file drops it).
func unlock(f *osfs.File) {
	if f != nil {
		f.Close()
	}
}

// holder says who holds the part lock at path, from what the holder wrote
// into it ("pid 4242 on host a, since ..."), for the message that refuses a
// second run.
func holder(path string) string {
	b, err := os.ReadFile(path)
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, string(b))
	if err != nil || s == "" || len(s) > 300 {
		return "another process"
	}
	return s
}

// describeHolder is what a part lock's file says about its holder: who,
// and which run (so that a shard of another run is refused).
func describeHolder(p Part, runID string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("pid %d on host %s, shard %s of run %s, since %s", os.Getpid(), host, p, runID, time.Now().UTC().Format(time.RFC3339))
}

// holderRun is the run id a part lock's holder wrote, "" when unknown.
func holderRun(path string) string {
	_, after, ok := strings.Cut(holder(path), " of run ")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(after, ",")
	return id
}
