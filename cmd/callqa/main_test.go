package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"callqa": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
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
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sameparquet": sameParquet,
			"duckdb":      duckQuery,
			"sleep":       sleepCmd,
			"copies":      copiesCmd,
		},
	})
}

// sameParquet DIR_A DIR_B: the calls*.parquet and hits*.parquet files of
// the two folders hold the same rows (as multisets), read with DuckDB.
func sameParquet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sameparquet DIR_A DIR_B")
	}
	db, err := sql.Open("duckdb", "")
	ts.Check(err)
	defer db.Close()
	same := true
	for _, table := range []string{"calls", "hits"} {
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

// sleepCmd DURATION: wait, to signal a background command mid-run.
func sleepCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
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
