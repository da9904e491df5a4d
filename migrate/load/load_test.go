package load_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/load"
	"github.com/ficus-dev/ficus/migrate/mysql"
)

func TestMain(m *testing.M) {
	if os.Getenv("FICUS_LOAD_CHILD") != "" {
		os.Exit(child())
	}
	testdb.Main(m)
}

// child runs one load for the kill test and exits with its status.
func child() int {
	ctx := context.Background()
	var last load.Phase
	progress := func(s load.Snapshot) {
		if s.Phase != last {
			last = s.Phase
			fmt.Println(s.Phase)
		}
	}
	_, err := runLoad(ctx, os.Getenv("FICUS_LOAD_SOURCE"), os.Getenv("FICUS_LOAD_TARGET"),
		load.Options{ChunkRows: 40, Workers: 3, Progress: progress, Interval: time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

const fixture = `
CREATE TABLE items (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  price DECIMAL(10,2),
  created DATETIME NOT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1,
  KEY (name)
) DEFAULT CHARSET=utf8mb4;
INSERT INTO items (name, price, created, active)
  SELECT CONCAT('item ', seq), IF(seq % 11 = 0, NULL, seq / 4), TIMESTAMP('2020-01-01') + INTERVAL seq MINUTE, seq % 3 <> 0
  FROM seq_1_to_6000;
DELETE FROM items WHERE id BETWEEN 2000 AND 2500;
CREATE TABLE order_lines (
  code VARCHAR(10) NOT NULL,
  line INT NOT NULL,
  qty INT NOT NULL,
  PRIMARY KEY (code, line)
);
INSERT INTO order_lines SELECT CONCAT('C', seq DIV 7), seq % 7, seq FROM seq_1_to_2500;
CREATE TABLE audit_log (msg TEXT, at DATETIME);
INSERT INTO audit_log SELECT CONCAT('event ', seq), TIMESTAMP('2021-06-01') + INTERVAL seq SECOND FROM seq_1_to_1500;
CREATE TABLE huge_keys (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, v VARCHAR(20));
INSERT INTO huge_keys VALUES (1, 'one'), (9223372036854775807, 'max signed'), (18446744073709551615, 'max unsigned');
CREATE TABLE empty_one (id INT PRIMARY KEY, v INT);
`

// source creates the fixture in a fresh MariaDB database and returns its URL.
func source(t *testing.T) string {
	t.Helper()
	m := testdb.SharedMariaDB(t)
	name := m.NewDatabase(t)
	db, err := sql.Open("mysql", m.DSN+name+"?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fixture); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return fmt.Sprintf("mysql://root@127.0.0.1:%d/%s", m.Port, name)
}

func runLoad(ctx context.Context, src, target string, o load.Options) (*load.Summary, error) {
	s, err := mysql.Open(ctx, src)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	schema, err := s.Schema(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := migrate.BuildPlan(schema, migrate.Overrides{})
	if err != nil {
		return nil, err
	}
	o.Source, o.Plan, o.Target = s, plan, target
	if o.RejectDir == "" {
		o.RejectDir = os.TempDir()
	}
	return load.Run(ctx, o)
}

// contents reads each table of both sides as text lines in key order.
var contents = []struct {
	table, mysql, postgres string
}{
	{"items", "SELECT CONCAT_WS('|', id, name, IFNULL(price, 'null'), DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s'), IF(active, 't', 'f')) FROM items ORDER BY id",
		"SELECT concat_ws('|', id, name, coalesce(price::text, 'null'), to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), active) FROM items ORDER BY id"},
	{"order_lines", "SELECT CONCAT_WS('|', code, line, qty) FROM order_lines ORDER BY code, line",
		"SELECT concat_ws('|', code, line, qty) FROM order_lines ORDER BY code COLLATE \"C\", line"},
	{"audit_log", "SELECT CONCAT_WS('|', msg, DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s')) FROM audit_log ORDER BY msg",
		"SELECT concat_ws('|', msg, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')) FROM audit_log ORDER BY msg COLLATE \"C\""},
	{"huge_keys", "SELECT CONCAT_WS('|', id, v) FROM huge_keys ORDER BY id", "SELECT concat_ws('|', id, v) FROM huge_keys ORDER BY id"},
	{"empty_one", "SELECT CONCAT_WS('|', id, v) FROM empty_one ORDER BY id", "SELECT concat_ws('|', id, v) FROM empty_one ORDER BY id"},
}

// sameRows checks that every table holds exactly the source's rows.
func sameRows(t *testing.T, src, target string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := mysqlDSN(src)
	if err != nil {
		t.Fatal(err)
	}
	my, err := sql.Open("mysql", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer my.Close()
	pg, err := pgx.Connect(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)
	for _, c := range contents {
		want := mysqlLines(t, my, c.mysql)
		got := postgresLines(t, pg, c.postgres)
		if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
			t.Errorf("table %s: %d rows in target, %d in source; first difference: %s", c.table, len(got), len(want), firstDiff(got, want))
		}
	}
}

func mysqlDSN(url string) (string, error) {
	var port int
	var name string
	if _, err := fmt.Sscanf(strings.ReplaceAll(url, "/", " "), "mysql:  root@127.0.0.1:%d %s", &port, &name); err != nil {
		return "", fmt.Errorf("parse %s: %w", url, err)
	}
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/%s", port, name), nil
}

func mysqlLines(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func postgresLines(t *testing.T, conn *pgx.Conn, q string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func firstDiff(got, want []string) string {
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("line %d: target %q, source %q", i, g, w)
		}
	}
	return "none"
}

func TestRunCopiesEveryTableExactlyAndBuildsKeys(t *testing.T) {
	ctx := context.Background()
	src, target := source(t), testdb.SharedPostgres(t).NewDatabase(t)
	var snaps []load.Snapshot
	sum, err := runLoad(ctx, src, target, load.Options{ChunkRows: 500, Workers: 3, Interval: time.Millisecond,
		Progress: func(s load.Snapshot) { snaps = append(snaps, s) }})
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, src, target)
	if sum.Phase != load.PhaseDone || sum.Rows != 5499+2500+1500+3 || sum.Noop || sum.Resumed {
		t.Errorf("summary: phase %s, rows %d, noop %v, resumed %v", sum.Phase, sum.Rows, sum.Noop, sum.Resumed)
	}
	if len(snaps) == 0 || snaps[len(snaps)-1].Phase != load.PhaseDone {
		t.Errorf("progress: %d snapshots, the last not done", len(snaps))
	}
	pg, err := pgx.Connect(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)
	var keys, indexes int
	if err := pg.QueryRow(ctx, `SELECT count(*) FILTER (WHERE indisprimary), count(*) FILTER (WHERE NOT indisprimary)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public'`).Scan(&keys, &indexes); err != nil {
		t.Fatal(err)
	}
	if keys != 4 || indexes != 1 {
		t.Errorf("target has %d primary keys and %d other indexes, want 4 and 1", keys, indexes)
	}
	var next int64
	if err := pg.QueryRow(ctx, `INSERT INTO items (name, created, active) VALUES ('new', now(), true) RETURNING id`).Scan(&next); err != nil {
		t.Fatal(err)
	}
	if next != 6001 {
		t.Errorf("the identity sequence gave %d after the load, want 6001", next)
	}
}

func TestRunAgainAfterSuccessDoesNothingUnlessRestart(t *testing.T) {
	ctx := context.Background()
	src, target := source(t), testdb.SharedPostgres(t).NewDatabase(t)
	if _, err := runLoad(ctx, src, target, load.Options{}); err != nil {
		t.Fatal(err)
	}
	sum, err := runLoad(ctx, src, target, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Noop || sum.Rows != 9502 {
		t.Errorf("second run: noop %v, rows %d", sum.Noop, sum.Rows)
	}
	sum, err = runLoad(ctx, src, target, load.Options{Restart: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Noop || sum.Rows != 9502 {
		t.Errorf("restart: noop %v, rows %d", sum.Noop, sum.Rows)
	}
	sameRows(t, src, target)
}

func TestRunRefusesATargetTableThatExistsAndChangesNothing(t *testing.T) {
	ctx := context.Background()
	src, target := source(t), testdb.SharedPostgres(t).NewDatabase(t)
	pg, err := pgx.Connect(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)
	if _, err := pg.Exec(ctx, `CREATE TABLE order_lines (other text)`); err != nil {
		t.Fatal(err)
	}
	_, err = runLoad(ctx, src, target, load.Options{})
	if !errors.Is(err, load.ErrTargetExists) || !strings.Contains(err.Error(), "public.order_lines (columns: other)") {
		t.Fatalf("error %v, want ErrTargetExists naming public.order_lines and its columns", err)
	}
	var n int
	if err := pg.QueryRow(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('public', 'ficus_migrate') AND c.relkind = 'r'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("the target has %d tables after the refusal, want only the user's 1", n)
	}
}

// TestKilledRunsResumeToExactlyTheSourceRows kills the loading process
// with SIGKILL at different moments, each round on a fresh target: once,
// then the resumed run again, then lets a run finish and compares every
// row with the source.
func TestKilledRunsResumeToExactlyTheSourceRows(t *testing.T) {
	src := source(t)
	pg := testdb.SharedPostgres(t)
	rounds := []struct{ first, second time.Duration }{
		{0, 5 * time.Millisecond}, {3 * time.Millisecond, 0}, {10 * time.Millisecond, 20 * time.Millisecond},
		{25 * time.Millisecond, 10 * time.Millisecond}, {50 * time.Millisecond, 30 * time.Millisecond},
		{90 * time.Millisecond, 60 * time.Millisecond},
	}
	kills := 0
	for i, r := range rounds {
		target := pg.NewDatabase(t)
		for _, d := range []time.Duration{r.first, r.second} {
			if killChild(t, src, target, d) {
				kills++
			}
		}
		sum, err := runLoad(context.Background(), src, target, load.Options{ChunkRows: 40, Workers: 3})
		if err != nil {
			t.Fatalf("round %d: the run after the kills: %v", i, err)
		}
		t.Logf("round %d: the last run resumed=%v noop=%v", i, sum.Resumed, sum.Noop)
		sameRows(t, src, target)
	}
	if kills < len(rounds) {
		t.Fatalf("only %d runs were killed mid-load in %d rounds; the test proves too little", kills, len(rounds))
	}
}

// killChild starts a load in a child process and kills it d after the
// child reports that it copies data; it reports whether the kill came
// before the load ended.
func killChild(t *testing.T, src, target string, d time.Duration) bool {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "FICUS_LOAD_CHILD=1", "FICUS_LOAD_SOURCE="+src, "FICUS_LOAD_TARGET="+target)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	copying := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == string(load.PhaseData) {
				close(copying)
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var timer <-chan time.Time
	for {
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("a load failed on its own: %v\n%s", err, stderr.String())
			}
			return false
		case <-copying:
			copying, timer = nil, time.After(d)
		case <-timer:
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
			return true
		}
	}
}

func TestStatusReadsTheStateFromTheTarget(t *testing.T) {
	ctx := context.Background()
	src, target := source(t), testdb.SharedPostgres(t).NewDatabase(t)
	snap, err := load.Status(ctx, target)
	if err != nil || snap.Phase != "" {
		t.Fatalf("status before any run: %+v, %v", snap, err)
	}
	if _, err := runLoad(ctx, src, target, load.Options{ChunkRows: 1000}); err != nil {
		t.Fatal(err)
	}
	snap, err = load.Status(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Phase != load.PhaseDone || snap.Rows != 9502 || len(snap.Tables) != 5 || snap.Finished.IsZero() {
		t.Fatalf("status: %+v", snap)
	}
	for _, tp := range snap.Tables {
		if tp.State != load.TableDone || tp.ChunksDone != tp.Chunks {
			t.Errorf("table %s: state %s, %d of %d chunks", tp.Source, tp.State, tp.ChunksDone, tp.Chunks)
		}
	}
}

func TestRejectedRowsStopTheRunOrGoToTheRejectFile(t *testing.T) {
	ctx := context.Background()
	m := testdb.SharedMariaDB(t)
	name := m.NewDatabase(t)
	db, err := sql.Open("mysql", m.DSN+name+"?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (id INT PRIMARY KEY, d TIME NOT NULL, s VARCHAR(10));
		INSERT INTO t VALUES (1, '10:00:00', 'ok'), (2, '30:00:00', 'too late'), (3, '23:59:59', 'fine');`); err != nil {
		t.Fatal(err)
	}
	// MySQL's TIME reaches 838:59:59; PostgreSQL's time stops at 24:00:00.
	src := fmt.Sprintf("mysql://root@127.0.0.1:%d/%s", m.Port, name)
	target := testdb.SharedPostgres(t).NewDatabase(t)
	_, err = runLoad(ctx, src, target, load.Options{})
	var re *load.RowError
	if !errors.As(err, &re) || re.Key != `id="2"` || re.Err.Column != "d" {
		t.Fatalf("error %v, want a RowError for id 2, column d", err)
	}
	dir := t.TempDir()
	sum, err := runLoad(ctx, src, target, load.Options{OnError: load.Skip, RejectDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 2 || sum.Rejected != 1 {
		t.Fatalf("rows %d, rejected %d; want 2 and 1", sum.Rows, sum.Rejected)
	}
	data, err := os.ReadFile(filepath.Join(dir, "t.rejects.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"key":"id=\"2\""`) || !strings.Contains(string(data), `"column":"d"`) || strings.Count(string(data), "\n") != 1 {
		t.Errorf("reject file:\n%s", data)
	}
}
