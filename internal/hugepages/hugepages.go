// Package hugepages lets glibc's malloc back jieba's dictionary with
// transparent huge pages.
//
// Building jieba's dictionary makes some 150 MB of small C++ allocations,
// most of a short run's time. With 4 KiB pages every one of them is a page
// fault and a TLB miss; when malloc asks for huge pages (the glibc tunable
// glibc.malloc.hugetlb=1, glibc 2.35 and later) the build takes half the
// time and a third of the faults. glibc reads its tunables only when a
// process starts, so Enable re-executes the process once with them set.
package hugepages

import (
	"os"
	"runtime"
	"syscall"
)

// Tunables asks malloc for transparent huge pages and to grow its heap in
// 256 MiB steps. A glibc that does not know them ignores them.
const Tunables = "glibc.malloc.hugetlb=1:glibc.malloc.top_pad=268435456"

// envVar is glibc's variable. When it is set at all, even empty, Enable
// leaves the process alone: that is how a user opts out or chooses other
// tunables.
const envVar = "GLIBC_TUNABLES"

// Enable re-executes the running program with Tunables set, unless
// GLIBC_TUNABLES is already set or the system is not Linux. Call it first
// thing in main (or TestMain), before any other goroutine or file is
// opened. On success it does not return; if the exec fails the program
// simply goes on with the default malloc.
func Enable() {
	if runtime.GOOS != "linux" {
		return
	}
	if _, set := os.LookupEnv(envVar); set {
		return
	}
	env := append(os.Environ(), envVar+"="+Tunables)
	// /proc/self/exe is this very file, even if it has been moved or
	// replaced on disk since the program started.
	_ = syscall.Exec("/proc/self/exe", os.Args, env)
}

// TestMain is the TestMain of a test package that builds jieba: Enable,
// then the tests.
func TestMain(m interface{ Run() int }) {
	Enable()
	os.Exit(m.Run())
}
