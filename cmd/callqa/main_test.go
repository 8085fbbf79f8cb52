package main

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// binary is callqa built once for every test that runs it as a process
// (the scripts, the relocated binary) as make build builds it: pure Go
// (CGO_ENABLED=0), without the race detector even under make race.
var binary string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "callqa-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "callqa")
		build := exec.Command("go", "build", "-o", binary, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}())
}

// TestScripts runs the command-line scripts in testdata/script, the failure
// cases included. $SAMPLES is the repository's testdata folder.
func TestScripts(t *testing.T) {
	samples, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("SAMPLES", samples+"/../../testdata")
			env.Setenv("PATH", filepath.Dir(binary)+string(os.PathListSeparator)+env.Getenv("PATH"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sameparquet": sameParquet,
			"duckdb":      duckQuery,
			"waitfile":    waitFileCmd,
			"copies":      copiesCmd,
			"exits":       exitsCmd,
		},
	})
}

// sameParquet DIR_A DIR_B: the calls*, hits*, intervals* and utterances*.parquet files of
// the two folders hold the same rows (as multisets), read with DuckDB.
func sameParquet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sameparquet DIR_A DIR_B")
	}
	db, err := sql.Open("duckdb", "")
	ts.Check(err)
	defer db.Close()
	same := true
	for _, table := range []string{"calls", "hits", "intervals", "utterances"} {
		a := filepath.Join(ts.MkAbs(args[0]), table+"*.parquet")
		b := filepath.Join(ts.MkAbs(args[1]), table+"*.parquet")
		var rowsA, rowsB, onlyA, onlyB int
		q := `SELECT (SELECT count(*) FROM read_parquet($1)), (SELECT count(*) FROM read_parquet($2)),
			(SELECT count(*) FROM (SELECT * FROM read_parquet($1) EXCEPT ALL SELECT * FROM read_parquet($2))),
			(SELECT count(*) FROM (SELECT * FROM read_parquet($2) EXCEPT ALL SELECT * FROM read_parquet($1)))`
		ts.Check(db.QueryRow(q, a, b).Scan(&rowsA, &rowsB, &onlyA, &onlyB))
		ts.Logf("%s: %d rows and %d rows; %d only in %s, %d only in %s", table, rowsA, rowsB, onlyA, args[0], onlyB, args[1])
		if rowsA == 0 && table == "calls" || rowsA != rowsB || onlyA != 0 || onlyB != 0 {
			same = false
		}
	}
	if same == neg {
		ts.Fatalf("sameparquet %s %s: same = %v", args[0], args[1], same)
	}
}

// duckQuery SQL: runs a query with DuckDB in the script's folder and writes
// each row, values separated by "|", to the script's stdout buffer.
func duckQuery(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: duckdb 'SQL'")
	}
	db, err := sql.Open("duckdb", "")
	ts.Check(err)
	defer db.Close()
	_, err = db.Exec("SET file_search_path = '" + ts.Getenv("WORK") + "'")
	ts.Check(err)
	rows, err := db.Query(args[0])
	ts.Check(err)
	defer rows.Close()
	cols, err := rows.Columns()
	ts.Check(err)
	var out strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		ts.Check(rows.Scan(ptrs...))
		for i, v := range vals {
			if i > 0 {
				out.WriteString("|")
			}
			fmt.Fprint(&out, v)
		}
		out.WriteString("\n")
	}
	ts.Check(rows.Err())
	ts.Stdout().Write([]byte(out.String()))
}

// waitFileCmd GLOB: wait until a file matching GLOB exists (at most a
// minute): the readiness signal of a background command, e.g. a run's
// hidden output parts, which appear once it has started processing.
func waitFileCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: waitfile GLOB")
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if found, _ := filepath.Glob(ts.MkAbs(args[0])); len(found) > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("waitfile %s: nothing after a minute", args[0])
}

// copiesCmd N SRC DIR: N copies of SRC in DIR, named c0000.EXT and on.
func copiesCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 || neg {
		ts.Fatalf("usage: copies N SRC DIR")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	dir := ts.MkAbs(args[2])
	ts.Check(os.MkdirAll(dir, 0o755))
	for i := range n {
		ts.Check(os.WriteFile(filepath.Join(dir, fmt.Sprintf("c%04d%s", i, filepath.Ext(args[1]))), data, 0o644))
	}
}

// exitsCmd CODE PROG [ARGS...]: runs PROG as exec does and checks its exit
// code (exec only tells success from failure).
func exitsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || neg {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	code := 0
	var exit *exec.ExitError
	if err := ts.Exec(args[1], args[2:]...); errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if code != want {
		ts.Fatalf("%s exited %d, want %d", args[1], code, want)
	}
}
