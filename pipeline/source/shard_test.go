package source

import (
	"fmt"
	"testing"
)

func TestParse(t *testing.T) {
	if s, err := ParseShard("2/4"); err != nil || s != (Shard{2, 4}) {
		t.Errorf("ParseShard(2/4) = %v, %v", s, err)
	}
	for _, bad := range []string{"4/4", "-1/4", "1", "a/b", "0/0", "1/2/3"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if s, ok, err := ShardFromEnv(env(map[string]string{"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "8"})); !ok || err != nil || s != (Shard{3, 8}) {
		t.Errorf("FromEnv = %v %v %v", s, ok, err)
	}
	if _, ok, _ := ShardFromEnv(env(nil)); ok {
		t.Error("FromEnv without variables is set")
	}
	if _, _, err := ShardFromEnv(env(map[string]string{"JOB_COMPLETION_INDEX": "8", "JOB_COMPLETIONS": "8"})); err == nil {
		t.Error("index 8 of 8 accepted")
	}
}

// TestOwnsPartitions: every id belongs to exactly one shard, the shards
// are near even, and the assignment is the same every time.
func TestOwnsPartitions(t *testing.T) {
	const n, ids = 4, 4000
	counts := make([]int, n)
	for k := range ids {
		id := fmt.Sprintf("20261121-%05d", k)
		owners := 0
		for i := range n {
			if (Shard{i, n}).Owns(id) {
				owners++
				counts[i]++
			}
		}
		if owners != 1 {
			t.Fatalf("%s has %d owners", id, owners)
		}
	}
	for i, c := range counts {
		if c < ids/n*9/10 || c > ids/n*11/10 {
			t.Errorf("shard %d has %d of %d calls", i, c, ids)
		}
	}
	// Pinned: the hash must never change, or a rerun would move calls
	// between shards and their part files.
	if !(Shard{0, 4}).Owns("20261121-0001") || !(Shard{1, 4}).Owns("20261121-0002") {
		t.Fatal("the shard of a call id changed")
	}
}
