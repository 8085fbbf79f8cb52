package source

// Sharding splits a night's calls across machines: each call belongs to
// exactly one of n shards, by a stable hash of its id, so shards need no
// coordination and their union is a single run, row for row.

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is shard Index of Count (0-based). The zero value is no sharding.
type Shard struct {
	Index, Count int
}

// noShard is a run that is not split.
var noShard = Shard{Index: 0, Count: 1}

// ParseShard reads "i/n" (0 <= i < n).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 0/4", s)
	}
	return check(i, n)
}

func check(i, n int) (Shard, error) {
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %d/%d: want 0 <= i < n", i, n)
	}
	return Shard{Index: i, Count: n}, nil
}

// ShardFromEnv reads a Kubernetes Indexed Job's JOB_COMPLETION_INDEX and
// JOB_COMPLETIONS; ok is false when they are not set.
func ShardFromEnv(getenv func(string) string) (s Shard, ok bool, err error) {
	idx, total := getenv("JOB_COMPLETION_INDEX"), getenv("JOB_COMPLETIONS")
	if idx == "" && total == "" {
		return noShard, false, nil
	}
	i, err1 := strconv.Atoi(idx)
	n, err2 := strconv.Atoi(total)
	if err1 != nil || err2 != nil {
		return Shard{}, true, fmt.Errorf("JOB_COMPLETION_INDEX=%q JOB_COMPLETIONS=%q: want two numbers", idx, total)
	}
	s, err = check(i, n)
	return s, true, err
}

// Owns reports whether the call id belongs to this shard (FNV-1a 64 of the
// id, modulo the count: stable across runs, machines and versions).
func (s Shard) Owns(callID string) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(callID))
	return h.Sum64()%uint64(s.Count) == uint64(s.Index)
}

// Sharded reports whether the run is split.
func (s Shard) Sharded() bool { return s.Count > 1 }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }
