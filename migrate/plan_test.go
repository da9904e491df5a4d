package migrate

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func str(s string) *string { return &s }

// shop is a small schema for the override tests; the broad schema's golden
// plan lives in migrate/mysql, read from a real MariaDB.
func shop() *Schema {
	return &Schema{Name: "shop", Tables: []Table{
		{Name: "Customers", PrimaryKey: []string{"id"}, Columns: []Column{
			{Name: "id", FullType: "int(11)", Type: "int", AutoIncrement: true},
			{Name: "email", FullType: "varchar(80)", Type: "varchar", Length: 80, Nullable: true},
			{Name: "ext_id", FullType: "binary(16)", Type: "binary", Length: 16, Nullable: true},
			{Name: "prefs", FullType: "text", Type: "text", Nullable: true},
			{Name: "kind", FullType: "enum('a','b')", Type: "enum", Labels: []string{"a", "b"}, Default: str("a")},
		}},
		{Name: "tmp_import", Columns: []Column{{Name: "x", FullType: "int(11)", Type: "int", Nullable: true}}},
		{Name: "audit_log", Columns: []Column{{Name: "x", FullType: "int(11)", Type: "int", Nullable: true}}},
	}}
}

func TestBuildPlanAppliesOverrides(t *testing.T) {
	o := Overrides{
		Exclude:      []string{"tmp_*"},
		Include:      []string{"Customers", "audit_*"},
		TargetSchema: "Legacy",
		Tables: map[string]TableOverride{
			"Customers": {Rename: "customers", Columns: map[string]ColumnOverride{
				"email":  {Rename: "email_address", Transforms: []string{"trim", "empty-string-to-null"}},
				"ext_id": {Cast: "uuid", Transforms: []string{"bytes-to-uuid"}},
				"prefs":  {Cast: "jsonb", Transforms: []string{"text-to-jsonb"}},
				"kind":   {Rename: "customer_kind"},
			}},
		},
	}
	p, err := BuildPlan(shop(), o)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := p.WriteColumns(&out); err != nil {
		t.Fatal(err)
	}
	out.WriteString("\n" + p.CreateDDL() + p.PostLoadDDL())
	golden(t, "overrides.golden", out.Bytes())
}

func TestBuildPlanRejectsBadOverrides(t *testing.T) {
	tests := []struct {
		name string
		o    Overrides
		want error
	}{
		{"an unknown transform is an error", Overrides{Tables: map[string]TableOverride{
			"Customers": {Columns: map[string]ColumnOverride{"email": {Transforms: []string{"rot13"}}}}}}, ErrUnknownTransform},
		{"two columns renamed to one name is an error", Overrides{Tables: map[string]TableOverride{
			"Customers": {Columns: map[string]ColumnOverride{"email": {Rename: "prefs"}}}}}, nil},
		{"two tables renamed to one name is an error", Overrides{Tables: map[string]TableOverride{
			"tmp_import": {Rename: "audit_log"}}}, nil},
	}
	var msgs bytes.Buffer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildPlan(shop(), tt.o)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			msgs.WriteString(tt.name + ": " + err.Error() + "\n")
		})
	}
	golden(t, "override-errors.golden", msgs.Bytes())
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
}

func TestACastDropsTheRulesShapingTransformsButKeepsTheCleaningOnes(t *testing.T) {
	s := &Schema{Tables: []Table{{Name: "t", Columns: []Column{
		{Name: "flag", FullType: "tinyint(1)", Type: "tinyint", Length: 1},
		{Name: "born", FullType: "date", Type: "date"},
	}}}}
	p, err := BuildPlan(s, Overrides{Tables: map[string]TableOverride{"t": {Columns: map[string]ColumnOverride{
		"flag": {Cast: "smallint"}, "born": {Cast: "text", Transforms: []string{"trim"}},
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Tables[0].Columns[0].Transforms; len(got) != 0 {
		t.Errorf("flag cast to smallint keeps transforms %v, want none", got)
	}
	if got := strings.Join(p.Tables[0].Columns[1].Transforms, ","); got != "zero-date-to-null,trim" {
		t.Errorf("born cast to text has transforms %s, want zero-date-to-null,trim", got)
	}
}
