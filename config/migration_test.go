package config

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus/migrate"
)

func TestMigrationURLsAreExpandedWithThePasswordEncoded(t *testing.T) {
	c, err := parseFile(t, "testdata/migration.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := c.Migration
	u, err := url.Parse(m.SourceURL)
	if err != nil {
		t.Fatalf("source %q does not parse: %v", MaskURL(m.SourceURL), err)
	}
	if pw, _ := u.User.Password(); pw != testEnv["FICUS_MYSQL_PASSWORD"] || u.Host != "127.0.0.1:3306" || u.Path != "/shop" {
		t.Errorf("source parses to password %q, host %q, path %q", pw, u.Host, u.Path)
	}
	if m.TargetURL != testEnv["FICUS_PG_URL"] {
		t.Errorf("target = %q, want the variable's value as it is", m.TargetURL)
	}
}

func TestMigrationDefaults(t *testing.T) {
	c, err := parseMigration("dir/mig.yaml", []byte("migration:\n  source: sqlite:shop.db\n"), lookupTestEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := &Migration{Source: "sqlite:shop.db", SourceURL: "sqlite:shop.db", Schema: "public", Workers: 4,
		ChunkRows: 100000, OnError: "stop", RejectDir: filepath.Join("dir", "rejects")}
	if !reflect.DeepEqual(c.Migration, want) {
		t.Errorf("got %+v\nwant %+v", *c.Migration, *want)
	}
	if d := DefaultMigration(); d.RejectDir != "rejects" || d.Workers != 4 || d.OnError != "stop" {
		t.Errorf("DefaultMigration() = %+v", *d)
	}
}

func TestLoadMigrationNeedsNoGatewayButLoadStillDoes(t *testing.T) {
	onlyMigration := "migration:\n  source: sqlite:shop.db\n  target: postgres://u@h/db\n"
	c, err := parseMigration("mig.yaml", []byte(onlyMigration), lookupTestEnv)
	if err != nil || c.Migration == nil || c.Migration.TargetURL != "postgres://u@h/db" {
		t.Fatalf("LoadMigration of a migration-only file: %v, %+v", err, c)
	}
	if _, err := Parse("mig.yaml", []byte(onlyMigration), lookupTestEnv); err == nil || !strings.Contains(err.Error(), "routes: at least one route is required") {
		t.Errorf("Load (ficus serve) accepted a file without routes: %v", err)
	}
	cases := []struct {
		name, yaml, wantErr string
	}{
		{"a file without a migration section is valid, with Migration nil", "log: {level: debug}\n", ""},
		{"the gateway's token variables need not be set", onlyMigration + "admin:\n  tokens: [{name: ci, role: admin, token_env: FICUS_NOT_SET}]\n", ""},
		{"routes without backends are still refused", onlyMigration + "routes: [{name: all}]\n", "backends.legacy.urls: at least one URL is required"},
		{"other sections are still checked", onlyMigration + "log: {level: loud}\n", `log.level: "loud" is not one of`},
		{"the migration's own variables must be set", "migration:\n  source: mysql://u:${FICUS_NOT_SET}@h/db\n", "environment variable FICUS_NOT_SET is not set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseMigration("mig.yaml", []byte(tc.yaml), lookupTestEnv)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("got %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadMigrationReadsTheFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mig.yaml")
	if err := os.WriteFile(file, []byte("migration:\n  source: mysql://u@h/db\n  on_error: skip\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadMigration(file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Migration.OnError != "skip" || c.Migration.RejectDir != filepath.Join(dir, "rejects") {
		t.Errorf("got %+v", *c.Migration)
	}
	if _, err := LoadMigration(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadForClientLeavesMigrationVariablesUnresolved(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ficus.yaml")
	body := "backends:\n  legacy: {urls: [http://a]}\n  modern: {urls: [http://b]}\nroutes: [{name: all}]\n" +
		"migration:\n  source: mysql://u:${FICUS_MIGRATION_TEST_NEVER_SET}@h/db\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadForClient(file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Migration.SourceURL != "" {
		t.Errorf("SourceURL = %q, want it unresolved", c.Migration.SourceURL)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(body, "_SET}", "_SET", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadForClient(file); err == nil || !strings.Contains(err.Error(), `without a closing "}"`) {
		t.Errorf("a malformed reference: %v", err)
	}
}

// TestNoProblemShowsASecret guards the promise that an expanded password never reaches a message.
func TestNoProblemShowsASecret(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/migration_*.yaml")
	secrets := []string{testEnv["FICUS_MYSQL_PASSWORD"], url.User(testEnv["FICUS_MYSQL_PASSWORD"]).String(), "pg-secret", "tiger"}
	for _, file := range files {
		_, err := parseFile(t, file)
		if err == nil {
			t.Errorf("%s: no error", file)
			continue
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("%s: the message shows the secret %q: %v", file, s, err)
			}
		}
	}
}

func TestMigrationOverridesAndFilters(t *testing.T) {
	c, err := parseFile(t, "testdata/migration.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := c.Migration.Overrides()
	want := migrate.Overrides{
		Include: []string{"*"}, Exclude: []string{"tmp_*", "*_bak"}, TargetSchema: "legacy",
		Tables: map[string]migrate.TableOverride{
			"orders": {Rename: "customer_orders", Columns: map[string]migrate.ColumnOverride{
				"total": {Cast: "numeric(12,2)"},
				"note":  {Rename: "comment", Transforms: []string{"trim", "empty-string-to-null"}},
			}},
			// A column only marked sensitive stays in the overrides, so that the plan checks its name.
			"users": {Columns: map[string]migrate.ColumnOverride{"uuid": {Cast: "uuid", Transforms: []string{"bytes-to-uuid"}}, "email": {}}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Overrides() = %+v\nwant %+v", got, want)
	}
	if f := c.Migration.Filters(); !reflect.DeepEqual(f, map[string]string{"orders": "created_at >= '2020-01-01'"}) {
		t.Errorf("Filters() = %v", f)
	}
	if f := DefaultMigration().Filters(); f != nil {
		t.Errorf("Filters() without tables = %v, want nil", f)
	}
	if s := c.Migration.Sensitive(); !reflect.DeepEqual(s, []string{"users.email"}) {
		t.Errorf("Sensitive() = %v, want [users.email]", s)
	}
	if s := DefaultMigration().Sensitive(); s != nil {
		t.Errorf("Sensitive() without tables = %v, want nil", s)
	}
}

func TestExpandURL(t *testing.T) {
	env := func(name string) (string, bool) {
		v, ok := map[string]string{"PW": "a@b:c/d#e%f", "HOST": "db.internal:3306", "URL": "postgres://u:p@h/db", "EMPTY": ""}[name]
		return v, ok
	}
	cases := []struct{ name, in, want, wantErr string }{
		{"a password is percent-encoded", "mysql://app:${PW}@${HOST}/shop", "mysql://app:a%40b%3Ac%2Fd%23e%25f@db.internal:3306/shop", ""},
		{"a user name is percent-encoded", "mysql://${PW}@h/db", "mysql://a%40b%3Ac%2Fd%23e%25f@h/db", ""},
		{"a whole URL is inserted as it is", "${URL}", "postgres://u:p@h/db", ""},
		{"a query value is inserted as it is", "postgres://u@h/db?password=${PW}", "postgres://u@h/db?password=a@b:c/d#e%f", ""},
		{"an empty variable is allowed", "mysql://u:${EMPTY}@h/db", "mysql://u:@h/db", ""},
		{"a lone dollar is kept", "sqlite:/data/$x.db", "sqlite:/data/$x.db", ""},
		{"no reference", "mysql://u:p@h/db", "mysql://u:p@h/db", ""},
		{"an unset variable is named", "mysql://u:${NOPE}@h/db", "", "environment variable NOPE is not set"},
		{"an unclosed reference", "mysql://u:${PW@h/db", "", `"${" without a closing "}"`},
		{"a bad name", "mysql://u:${P-W}@h/db", "", "${P-W} is not a variable reference"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ExpandURL(tc.in, env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("got %q, %v; want error %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestMaskURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"mysql://app:s3cret@h:3306/db", "mysql://app:xxxxx@h:3306/db"},
		{"mysql://app@h:3306/db", "mysql://app@h:3306/db"},
		{"postgres://u@h/db?sslmode=disable&password=s3cret", "postgres://u@h/db?password=xxxxx&sslmode=disable"},
		{"postgres://u:a%40b@h:54x/db", "postgres://u:xxxxx@h:54x/db"},
		{"app:s3cret@tcp(h:3306)/db", "app:xxxxx@tcp(h:3306)/db"},
		{"sqlite:shop.db", "sqlite:shop.db"},
		{"/data/shop.db", "/data/shop.db"},
	}
	for _, tc := range cases {
		if got := MaskURL(tc.in); got != tc.want {
			t.Errorf("MaskURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestURLScheme(t *testing.T) {
	cases := map[string]string{
		"mysql://h/db": "mysql", "MariaDB://h/db": "mariadb", "sqlite:rel.db": "sqlite", "file:x.db?mode=ro": "file",
		"/abs/shop.db": "", "shop.db": "", "./a:b.db": "", `C:\x.db`: "",
	}
	for in, want := range cases {
		if got := URLScheme(in); got != want {
			t.Errorf("URLScheme(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMigrationDocExampleIsValid keeps the example of docs/migrate.md in step with the rules.
func TestMigrationDocExampleIsValid(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "migrate.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	example, _, _ := strings.Cut(rest, "```")
	if !ok || !strings.HasPrefix(example, "migration:") {
		t.Fatalf("docs/migrate.md has no yaml example starting with migration:")
	}
	env := func(name string) (string, bool) { return "example-secret-for-" + name, true }
	if _, err := parseMigration("docs/migrate.md", []byte(example), env); err != nil {
		t.Error(err)
	}
}
