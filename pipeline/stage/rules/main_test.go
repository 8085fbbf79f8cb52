package rules

import (
	"os"
	"testing"

	"github.com/callqa/callqa/internal/hugepages"
)

// TestMain gives jieba's builds in these tests huge pages, as callqa's own
// main does: they take half the time.
func TestMain(m *testing.M) {
	hugepages.Enable()
	os.Exit(m.Run())
}
