package pgcopy_test

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/pgcopy"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// colSpec describes one target column of the test tables.
type colSpec struct {
	name       string // target column; the source column is "src_" + name
	typ        string // PostgreSQL type as in DDL
	source     migrate.Column
	transforms []string
	labels     []string
}

func spec(name, typ string, transforms ...string) colSpec {
	return colSpec{name: name, typ: typ, source: migrate.Column{Name: "src_" + name}, transforms: transforms}
}

func (s colSpec) latin1() colSpec { return s.charset("latin1") }

func (s colSpec) charset(name string) colSpec { s.source.Charset = name; return s }

func (s colSpec) enum(labels ...string) colSpec { s.labels = labels; return s }

// bitSource makes the source a MySQL BIT(n).
func (s colSpec) bitSource(n int) colSpec {
	s.source.Type, s.source.Length = "bit", n
	return s
}

func (s colSpec) plan() migrate.ColumnPlan {
	src := s.source
	return migrate.ColumnPlan{
		Source: &src,
		Target: s.name,
		Cast:   migrate.Cast{Type: s.typ, Transforms: s.transforms, EnumLabels: s.labels},
	}
}

// fakeElemOID stands for an enum's OID where no server says it.
const fakeElemOID = 99_999

// columns builds encoder columns for specs without a catalog: the OIDs are
// unknown, so the encoder goes by the types' names.
func columns(specs ...colSpec) []pgcopy.Column {
	cols := make([]pgcopy.Column, len(specs))
	for i, s := range specs {
		p := s.plan()
		cols[i] = pgcopy.Column{Plan: &p}
		if strings.HasSuffix(s.typ, "[]") {
			cols[i].ElemOID = fakeElemOID
		}
	}
	return cols
}

var (
	enumLabels = []string{"new", "it's", "with space", "a,b", "", "café", `back\slash`, `quo"te`, "tab\there"}
	setLabels  = []string{"x", "y z", `q"t`, `b\s`, "café", "{br}"}
)

// binarySpecs are columns of every type with a binary encoding, in the
// variants the cast rules and transforms make.
var binarySpecs = []colSpec{
	spec("c_smallint", "smallint"),
	spec("c_integer", "integer"),
	spec("c_bigint", "bigint"),
	spec("c_numeric20", "numeric(20)"),
	spec("c_numeric_neg", "numeric(5,-3)"),
	spec("c_money", "numeric(12,2)"),
	spec("c_numeric", "numeric"),
	spec("c_real", "real"),
	spec("c_double", "double precision"),
	spec("c_bool", "boolean"),
	spec("c_tinybool", "boolean", "tinyint-to-boolean"),
	spec("c_bitbool", "boolean", "bits-to-boolean"),
	spec("c_text", "text", "remove-null-characters"),
	spec("c_rawtext", "text"),
	spec("c_latin1", "text", "remove-null-characters").latin1(),
	spec("c_utf8mb4", "text").charset("utf8mb4"),
	spec("c_latin2", "varchar(10)").charset("latin2"),
	spec("c_trim", "text", "trim", "empty-string-to-null"),
	spec("c_varchar", "varchar(5)", "remove-null-characters"),
	spec("c_char", "char(3)", "remove-null-characters"),
	spec("c_bytea", "bytea"),
	spec("c_tstz", "timestamptz"),
	spec("c_tstz3", "timestamptz(3)"),
	spec("c_ts0", "timestamp(0)"),
	spec("c_zts", "timestamptz", "zero-date-to-null"),
	spec("c_date", "date"),
	spec("c_zdate", "date", "zero-date-to-null"),
	spec("c_time", "time"),
	spec("c_time2", "time(2)"),
	spec("c_enum", "rt_enum").enum(enumLabels...),
	spec("c_latin1enum", "rt_enum").enum(enumLabels...).latin1(),
	spec("c_set", "rt_set[]", "set-to-array").enum(setLabels...),
	spec("c_json", "json"),
	spec("c_jsonb", "jsonb"),
	spec("c_textjson", "jsonb", "text-to-jsonb"),
	spec("c_bit1", "bit(1)", "bits-to-bitstring").bitSource(1),
	spec("c_bit7", "bit(7)", "bits-to-bitstring").bitSource(7),
	spec("c_bit8", "bit(8)", "bits-to-bitstring").bitSource(8),
	spec("c_bit9", "bit(9)", "bits-to-bitstring").bitSource(9),
	spec("c_bit64", "bit(64)", "bits-to-bitstring").bitSource(64),
	spec("c_varbit", "bit varying"),
	spec("c_varbit9", "varbit", "bits-to-bitstring").bitSource(9),
	spec("c_point", "point", "geometry-to-point"),
	spec("c_uuid", "uuid", "bytes-to-uuid"),
	spec("c_uuidtext", "uuid"),
	spec("c_year", "integer"),
}

// textSpecs are columns of types without a binary encoding here: their
// values go to PostgreSQL's input functions.
var textSpecs = []colSpec{
	spec("t_inet", "inet"),
	spec("t_interval", "interval"),
	spec("t_ints", "integer[]"),
	spec("t_tsvector", "tsvector"),
	spec("t_pgset", "rt_set[]").enum(setLabels...),
	spec("t_timetz", "time with time zone"),
	spec("t_latin1", "macaddr").latin1(),
}

func specNamed(name string) colSpec {
	for _, s := range append(binarySpecs, textSpecs...) {
		if s.name == name {
			return s
		}
	}
	panic("no column spec " + name)
}

// geometry builds MySQL's internal geometry form: SRID, then WKB of the
// given type and coordinates in the given byte order.
func geometry(order binary.AppendByteOrder, typ uint32, coords ...float64) string {
	b := binary.LittleEndian.AppendUint32(nil, 4326)
	if order == binary.AppendByteOrder(binary.BigEndian) {
		b = append(b, 0)
	} else {
		b = append(b, 1)
	}
	b = order.AppendUint32(b, typ)
	for _, c := range coords {
		b = order.AppendUint64(b, math.Float64bits(c))
	}
	return string(b)
}
