package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/verify"
)

func init() { commands = append(commands, newVerifyCmd) }

// Exit statuses of ficus verify.
const (
	verifyExitDifferent = 1
	verifyExitError     = 2
)

// verifyFlags are verify's flags; the migration's own come from migrateFlags.
type verifyFlags struct {
	migrateFlags
	tables, sensitive []string
	sample, hashIn    string
	workers, maxRows  int
	noStore           bool
}

func newVerifyCmd(g *globals) *cobra.Command {
	f := &verifyFlags{}
	cmd := &cobra.Command{
		Use:   "verify [--config FILE | --source URL --target URL]",
		Short: "Prove that the target holds exactly the source's rows, and name the rows that differ",
		Long: `verify compares every table of the migration (or the --table ones) between the legacy source and
the PostgreSQL target, honouring the migration's mapping: renamed tables and columns, casts,
transforms and row filters. It prints per table the rows on each side and either "identical" or
the rows that differ: missing in the target, extra in the target, and changed, with the key, the
columns that differ and both values (redacted for columns marked sensitive: true in the config
or given with --sensitive).

Values are normalised so that equal data compares equal across engines (decimals at the target's
scale, floats to 15 significant digits for double precision and 6 for real, timestamps in UTC to
the microsecond, zero dates as NULL, enum and set labels, binary as hex or a digest, JSON by value,
CHAR padding, NUL bytes removed as the load removes them). Each table is cut into segments (key
ranges, or buckets of a hash of the key: never the engines' sort orders); both databases sum the
rows' hashes per segment at once, and only segments that differ are searched, down to the rows.
With a MySQL or MariaDB source the hashing can run in both databases' SQL (--hash-in database);
otherwise the rows stream to ficus, which hashes them (--hash-in ficus). The default picks the
databases when both are on other machines. docs/verify.md has the details.

--sample 5% compares a fixed 5% of each table's segments, for a quick look at huge tables: the
report then says PARTIAL. The result is recorded in the target (ficus_migrate.verify_result) and
served by the admin API at GET /api/v1/migration/verify.

Exit status: 0 when every table is identical, 1 when a difference was found, 2 on an error.`,
		Example: `  ficus verify --config migration.yaml
  ficus verify --source 'mysql://app:${MYSQL_PASSWORD}@legacy-db/shop' --target postgres://app@pg/shop
  ficus verify --config migration.yaml --table orders --table 'audit_*' --sample 10%
  ficus verify --config migration.yaml --sensitive customers.email --output json > verify.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := runVerify(cmd, g, f)
			var ee exitError
			if err != nil && !errors.As(err, &ee) {
				fmt.Fprintln(g.stderr, "ficus:", err)
				return exitError{verifyExitError}
			}
			return err
		},
	}
	f.register(cmd, true)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.tables, "table", nil, "verify only this table (source or target name, glob allowed); repeat for more")
	fl.StringArrayVar(&f.sensitive, "sensitive", nil, "never show the values of this column (table.column, source names); repeat for more")
	fl.StringVar(&f.sample, "sample", "", "compare only this share of each table's segments, e.g. 5% (the result is PARTIAL)")
	fl.StringVar(&f.hashIn, "hash-in", "auto", "where rows are hashed: database (both databases' SQL), ficus (rows stream to ficus) or auto")
	fl.IntVar(&f.workers, "workers", 2, "queries run at once on each database")
	fl.IntVar(&f.maxRows, "max-rows", 1000, "differing rows to look for per table; past them the rest is counted, not searched")
	fl.BoolVar(&f.noStore, "no-store", false, "do not record the result in the target")
	return cmd
}

func runVerify(cmd *cobra.Command, g *globals, f *verifyFlags) error {
	o, err := f.options()
	if err != nil {
		return err
	}
	m, err := f.settings(cmd)
	if err != nil {
		return err
	}
	if m.TargetURL == "" {
		return errNoTarget
	}
	if os.Getenv("GOGC") == "" {
		// Streaming allocates a little per value and keeps almost nothing: collecting garbage less
		// often saves a tenth of the processor time for some megabytes of memory.
		debug.SetGCPercent(400)
	}
	ctx := cmd.Context()
	src, plan, err := readPlan(ctx, m)
	if err != nil {
		return err
	}
	defer src.Close()
	o.Source, o.SourceURL, o.Plan, o.Target = src, m.SourceURL, plan, m.TargetURL
	o.SourceName, o.TargetName = config.MaskURL(m.SourceURL), config.MaskURL(m.TargetURL)
	o.Filters = m.Filters()
	o.Sensitive = append(m.Sensitive(), o.Sensitive...)
	progress := newVerifyProgress(g.stderr, time.Now)
	o.Progress, o.Interval = progress.update, progress.interval()
	res, err := verify.Run(ctx, o)
	progress.finish()
	if err != nil && res == nil {
		return redact(err, m.SourceURL, m.TargetURL) // verify's errors say where they come from
	}
	if err != nil {
		fmt.Fprintln(g.stderr, "ficus:", redact(err, m.SourceURL, m.TargetURL))
	}
	if perr := printVerify(g, res); perr != nil {
		return perr
	}
	return verifyExit(res, err)
}

// verifyExit maps a result to the exit status: 0 identical, 1 different, 2 error.
func verifyExit(res *verify.Result, err error) error {
	switch {
	case err != nil || res.Status == verify.Failed:
		return exitError{verifyExitError}
	case res.Status == verify.Different:
		return exitError{verifyExitDifferent}
	}
	return nil
}

func printVerify(g *globals, res *verify.Result) error {
	if g.output == "json" {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return writeVerifyReport(g.stdout, res)
}

// options turns the flags into verify's options.
func (f *verifyFlags) options() (verify.Options, error) {
	o := verify.Options{Workers: f.workers, MaxRows: f.maxRows, NoStore: f.noStore, Sensitive: f.sensitive}
	for _, t := range f.tables {
		for _, name := range strings.Split(t, ",") {
			if name = strings.TrimSpace(name); name != "" {
				o.Tables = append(o.Tables, name)
			}
		}
	}
	for _, s := range f.sensitive {
		if table, col, ok := strings.Cut(s, "."); !ok || table == "" || col == "" {
			return o, fmt.Errorf("--sensitive %q: write table.column", s)
		}
	}
	switch f.hashIn {
	case "auto", "":
	case "database", "ficus":
		o.HashIn = verify.HashIn(f.hashIn)
	default:
		return o, fmt.Errorf("--hash-in %q: want database, ficus or auto", f.hashIn)
	}
	if f.workers < 1 || f.maxRows < 1 {
		return o, errors.New("--workers and --max-rows must be at least 1")
	}
	share, err := parseSample(f.sample)
	if err != nil {
		return o, err
	}
	o.Sample = share
	return o, nil
}

// parseSample reads "5%" (or "5") as 0.05; "" and "100%" mean everything (0).
func parseSample(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || n <= 0 || n > 100 {
		return 0, fmt.Errorf("--sample %q: want a percentage above 0 and at most 100, e.g. 5%%", s)
	}
	if n == 100 {
		return 0, nil
	}
	return n / 100, nil
}
