package verify

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ficus-dev/ficus/migrate"
)

// The SQL that builds a row's text inside MySQL/MariaDB and inside PostgreSQL, one expression per
// column giving the canonical text of canon.go, NULL for NULL. A column without such an expression
// (JSON, geometry, a transform SQL cannot express, a cast that changes a value's representation in
// ways the two engines print differently) puts its table in stream mode.

// sqlTransforms are the transforms the SQL expressions reproduce, per kind.
func sqlHandles(c *column, name string) bool {
	switch name {
	case "remove-null-characters", "empty-string-to-null":
		return c.kind == kindText
	case "zero-date-to-null":
		return c.kind == kindTimestamp || c.kind == kindDate
	case "tinyint-to-boolean", "bits-to-boolean":
		return c.kind == kindBool
	case "bits-to-bitstring":
		return c.kind == kindBits
	case "set-to-array":
		return c.kind == kindSet
	}
	return false
}

func mysqlQuote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// mysqlValue is the expression giving a source column's canonical text in MySQL; ok is false when
// there is none.
func mysqlValue(c *column) (string, bool) {
	for _, t := range c.transforms {
		if !sqlHandles(c, t) {
			return "", false
		}
	}
	src := c.plan.Source
	q := mysqlQuote(src.Name)
	switch c.kind {
	case kindInt:
		switch {
		case isMySQLInt(src.Type):
			return q, true
		case src.Type == "year":
			return "(" + q + "+0)", true
		case isMySQLDecimal(src.Type) && src.Scale == 0:
			return q, true
		}
	case kindDecimal:
		return mysqlDecimal(c, q)
	case kindFloat:
		if isMySQLInt(src.Type) || isMySQLDecimal(src.Type) || isMySQLFloat(src.Type) {
			return mysqlFloat("("+q+"+0e0)", c.prec), true
		}
	case kindBool:
		if isMySQLInt(src.Type) || src.Type == "bit" {
			return "ELT((" + q + "<>0)+1,'false','true')", true
		}
	case kindText:
		return mysqlText(c, q)
	case kindSet:
		if src.Type == "set" {
			return mysqlBinaryText(q), true
		}
	case kindBytes:
		if isMySQLBinary(src.Type) {
			return "LOWER(HEX(" + q + "))", true
		}
	case kindBlob:
		if isMySQLBinary(src.Type) {
			return "CONCAT('#',LENGTH(" + q + "),':',MD5(" + q + "))", true
		}
	case kindTimestamp:
		if (src.Type == "datetime" || src.Type == "timestamp") && c.prec >= src.Precision {
			return mysqlZeroDate(c, q, "DATE_FORMAT("+q+",'%Y-%m-%d %H:%i:%s.%f')"), true
		}
	case kindDate:
		if src.Type == "date" {
			return mysqlZeroDate(c, q, "DATE_FORMAT("+q+",'%Y-%m-%d')"), true
		}
	case kindTime:
		if src.Type == "time" && c.prec >= src.Precision {
			return "TIME_FORMAT(" + q + ",'%H:%i:%s.%f')", true
		}
	case kindBits:
		if src.Type == "bit" && src.Length <= c.bits {
			return fmt.Sprintf("LPAD(BIN(%s+0),%d,'0')", q, c.bits), true
		}
	}
	return "", false
}

func mysqlDecimal(c *column, q string) (string, bool) {
	src := c.plan.Source
	switch {
	case isMySQLInt(src.Type) && c.scale <= 0:
		return q, true
	case isMySQLDecimal(src.Type) && (c.scale < 0 || c.scale == src.Scale):
		return q, true
	case (isMySQLInt(src.Type) || isMySQLDecimal(src.Type)) && c.scale <= 30 && src.Precision-src.Scale <= 65-c.scale:
		return fmt.Sprintf("CAST(%s AS DECIMAL(65,%d))", q, c.scale), true
	}
	return "", false
}

// mysqlBinaryText converts a string column to UTF-8 and then to a binary string: the text's bytes,
// without a collation that could clash with another column's in CONCAT_WS.
func mysqlBinaryText(q string) string {
	return "CAST(CONVERT(" + q + " USING utf8mb4) AS BINARY)"
}

func mysqlText(c *column, q string) (string, bool) {
	src := c.plan.Source
	var e string
	switch {
	case isMySQLString(src.Type) || src.Type == "enum" || src.Type == "json":
		e = mysqlBinaryText(q)
	case (isMySQLInt(src.Type) || isMySQLDecimal(src.Type)) && len(c.transforms) == 0:
		e = q
	default:
		return "", false
	}
	for _, t := range c.transforms {
		switch t {
		case "remove-null-characters":
			e = "REPLACE(" + e + ",CHAR(0),'')"
		case "empty-string-to-null":
			e = "NULLIF(" + e + ",'')"
		}
	}
	if c.padded && src.Type != "char" {
		e = "RTRIM(" + e + ")"
	}
	return e, true
}

// mysqlZeroDate makes MySQL's zero dates (a zero year, month or day) NULL when the plan does.
func mysqlZeroDate(c *column, q, e string) string {
	if !c.has("zero-date-to-null") {
		return e
	}
	return "IF(YEAR(" + q + ")=0 OR MONTH(" + q + ")=0 OR DAYOFMONTH(" + q + ")=0,NULL," + e + ")"
}

// mysqlFloat and pgFloat round a double v to prec significant digits as DIGITSeEXPONENT, with the
// same IEEE operations in both engines (FLOOR, LOG10, POW, a division and ROUND, which is rint in
// both), so that equal doubles give equal text. Values below 1e-290 are scaled first, so that the
// power of ten stays a normal double (PostgreSQL refuses an underflow).
func mysqlFloat(v string, prec int) string {
	p := strconv.Itoa(prec - 1)
	digits := func(x, shift string) string {
		e := "FLOOR(LOG10(ABS(" + x + ")))"
		return "CONCAT(CAST(ROUND(" + x + "/POW(10," + e + "-" + p + ")) AS SIGNED),'e',CAST(" + e + "-" + p + shift + " AS SIGNED))"
	}
	return "IF(" + v + "=0,'0',IF(ABS(" + v + ")<1e-290," + digits("("+v+"*1e300)", "-300") + "," + digits(v, "") + "))"
}

func pgFloat(v string, prec int) string {
	p := strconv.Itoa(prec - 1)
	digits := func(x, shift string) string {
		e := "floor(log(abs(" + x + ")))"
		return "round(" + x + "/power(10::float8," + e + "-" + p + "))::bigint::text||'e'||(" + e + "-" + p + shift + ")::bigint::text"
	}
	return "CASE WHEN " + v + "=0 THEN '0' WHEN " + v + "='NaN' THEN 'NaN' WHEN " + v + "='Infinity' THEN 'Inf' WHEN " +
		v + "='-Infinity' THEN '-Inf' WHEN abs(" + v + ")<'1e-290'::float8 THEN " + digits("("+v+"*'1e300'::float8)", "-300") +
		" ELSE " + digits(v, "") + " END"
}

// pgValue is the expression giving a target column's canonical text in PostgreSQL.
func pgValue(c *column) (string, bool) {
	q := migrate.Ident(c.plan.Target)
	switch c.kind {
	case kindInt, kindDecimal, kindBool, kindText, kindBits:
		return q + "::text", true
	case kindFloat:
		return pgFloat(q+"::float8", c.prec), true
	case kindSet:
		return "array_to_string(" + q + ",',')", true
	case kindBytes:
		return "encode(" + q + ",'hex')", true
	case kindBlob:
		return "'#'||octet_length(" + q + ")||':'||md5(" + q + ")", true
	case kindTimestamp:
		return "to_char(" + q + ",'YYYY-MM-DD HH24:MI:SS.US')", true
	case kindDate:
		return "to_char(" + q + ",'YYYY-MM-DD')", true
	case kindTime:
		return "to_char(" + q + ",'HH24:MI:SS.US')", true
	}
	return "", false
}

// mysqlField and pgField wrap a value expression into its field of the row text (rowtext.go).
func mysqlField(c *column, e string) string {
	switch {
	case !c.kind.lengthPrefixed():
		return "IFNULL(" + e + ",'N')"
	case c.long:
		return fmt.Sprintf("IFNULL(IF(LENGTH(%s)>%d,CONCAT('#',LENGTH(%s),':',MD5(%s)),CONCAT(LENGTH(%s),':',%s)),'N')",
			e, longValue, e, e, e, e)
	}
	return "IFNULL(CONCAT(LENGTH(" + e + "),':'," + e + "),'N')"
}

func pgField(c *column, e string) string {
	switch {
	case !c.kind.lengthPrefixed():
		return "coalesce(" + e + ",'N')"
	case c.long:
		return fmt.Sprintf("coalesce(CASE WHEN octet_length(%s)>%d THEN '#'||octet_length(%s)||':'||md5(%s) ELSE octet_length(%s)||':'||%s END,'N')",
			e, longValue, e, e, e, e)
	}
	return "coalesce(octet_length(" + e + ")||':'||" + e + ",'N')"
}

// sqlRow holds one table's SQL for both engines; ok is false when a column has no expression.
type sqlRow struct {
	mysqlRow, mysqlKey string
	pgRow, pgKey       string
}

func buildSQLRow(t *table) (sqlRow, bool) {
	var my, pg []string
	for i := range t.cols {
		c := &t.cols[i]
		m, ok1 := mysqlValue(c)
		p, ok2 := pgValue(c)
		if !ok1 || !ok2 {
			return sqlRow{}, false
		}
		my, pg = append(my, mysqlField(c, m)), append(pg, pgField(c, p))
	}
	var myKey, pgKey []string
	for _, k := range t.key {
		myKey, pgKey = append(myKey, my[k]), append(pgKey, pg[k])
	}
	r := sqlRow{mysqlRow: "CONCAT_WS('|'," + strings.Join(my, ",") + ")", pgRow: "concat_ws('|'," + strings.Join(pg, ",") + ")"}
	if len(myKey) > 0 {
		r.mysqlKey = "CONCAT_WS('|'," + strings.Join(myKey, ",") + ")"
		r.pgKey = "concat_ws('|'," + strings.Join(pgKey, ",") + ")"
	}
	return r, true
}

// mysqlHash and pgHash are the first 64 bits of the md5 of a text, as md5Hash64 computes them:
// unsigned in MySQL, signed in PostgreSQL, the same modulo 2^64.
func mysqlHash(e string) string { return "CAST(CONV(LEFT(MD5(" + e + "),16),16,10) AS UNSIGNED)" }
func pgHash(e string) string    { return "('x'||left(md5(" + e + "),16))::bit(64)::bigint" }

func isMySQLInt(t string) bool {
	switch t {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		return true
	}
	return false
}

func isMySQLDecimal(t string) bool {
	switch t {
	case "decimal", "numeric", "fixed", "dec":
		return true
	}
	return false
}

func isMySQLFloat(t string) bool {
	switch t {
	case "float", "double", "real", "double precision":
		return true
	}
	return false
}

func isMySQLString(t string) bool {
	switch t {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext":
		return true
	}
	return false
}

func isMySQLBinary(t string) bool {
	switch t {
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return true
	}
	return false
}
