package segment

import (
	"testing"

	"github.com/callqa/callqa/internal/hugepages"
)

// TestMain gives jieba's builds huge pages, as callqa's main does.
func TestMain(m *testing.M) { hugepages.TestMain(m) }
