package hugepages

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestHelperProcess is not a test: run as a child by TestEnable, it calls
// Enable and prints the tunables it then runs with.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("HUGEPAGES_HELPER") != "1" {
		t.Skip("run by TestEnable")
	}
	Enable()
	tunables, set := os.LookupEnv(envVar)
	fmt.Printf("set=%t %s\n", set, tunables)
	os.Exit(0)
}

func TestEnable(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Enable acts on Linux only")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envVar+"=") {
			base = append(base, kv)
		}
	}
	for _, tc := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"unset: re-executed with the tunables", nil, "set=true " + Tunables},
		{"empty: left alone, the way to opt out", []string{envVar + "="}, "set=true"},
		{"the user's own: kept", []string{envVar + "=glibc.malloc.arena_max=2"}, "set=true glibc.malloc.arena_max=2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(exe, "-test.run=^TestHelperProcess$")
			cmd.Env = append(append(append([]string{}, base...), "HUGEPAGES_HELPER=1"), tc.extra...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != tc.want {
				t.Errorf("the process ran with %q, want %q", got, tc.want)
			}
		})
	}
}
