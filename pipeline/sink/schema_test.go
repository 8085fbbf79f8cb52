package sink

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestColumnsDocumented: every column has a meaning, and the types said
// are the types DuckDB reads.
func TestColumnsDocumented(t *testing.T) {
	dir, db := sampleDB(t)
	types := map[string]string{}
	for _, table := range tables {
		rows, err := db.Query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))`, filepath.Join(dir, table+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				t.Fatal(err)
			}
			types[table+"."+name] = typ
		}
		rows.Close()
	}
	cols := Columns()
	if len(cols) != len(types) {
		t.Errorf("%d columns described, DuckDB sees %d", len(cols), len(types))
	}
	for _, c := range cols {
		key := c.Table + "." + c.Name
		if c.Meaning == "" {
			t.Errorf("%s has no meaning: document it in meanings", key)
		}
		if types[key] != c.Type {
			t.Errorf("%s: described as %s, DuckDB reads %s", key, c.Type, types[key])
		}
	}
}

// TestQueriesRun: every query `callqa schema` prints runs on real output.
func TestQueriesRun(t *testing.T) {
	dir, db := sampleDB(t)
	for _, q := range Queries(dir) {
		for _, stmt := range strings.Split(strings.TrimSuffix(q.SQL, ";"), ";\n") {
			rows, err := db.Query(stmt)
			if err != nil {
				t.Errorf("%s: %v\n%s", q.Title, err, stmt)
				continue
			}
			rows.Close()
		}
	}
	if !strings.Contains(Queries("it's")[0].SQL, "'it''s/calls*.parquet'") {
		t.Error("a folder name is not escaped in the SQL")
	}
}
