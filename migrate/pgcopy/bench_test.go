package pgcopy_test

import (
	"testing"

	"github.com/ficus-dev/ficus/migrate/pgcopy"
)

// ordersSpecs and ordersRow are shaped like the benchmark's orders table
// (../shared/bench/migrate-peers.sh) as the MySQL cast rules map it.
var ordersSpecs = []colSpec{
	spec("id", "bigint"),
	spec("customer_id", "bigint"),
	spec("status", "shop.orders_status").enum("pending", "paid", "shipped", "delivered", "cancelled"),
	spec("amount", "numeric(12,2)"),
	spec("currency", "char(3)", "remove-null-characters"),
	spec("created_at", "timestamptz", "zero-date-to-null"),
	spec("shipped_at", "timestamptz", "zero-date-to-null"),
	spec("weight_kg", "double precision"),
	spec("payload", "bytea"),
}

var ordersRow = [][]byte{
	[]byte("1234567"),
	[]byte("98765"),
	[]byte("shipped"),
	[]byte("1234.56"),
	[]byte("EUR"),
	[]byte("2024-03-15 10:20:30"),
	nil,
	[]byte("2.345"),
	[]byte("\x8a\x01\x7f\x00\xfe\x10\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb"),
}

func BenchmarkAppendRow(b *testing.B) {
	for _, format := range []pgcopy.Format{pgcopy.Binary, pgcopy.Text} {
		b.Run("orders "+format.String(), func(b *testing.B) {
			enc := newEncoder(b, format, ordersSpecs...)
			buf := make([]byte, 0, 64<<10)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = enc.AppendRow(buf, ordersRow); err != nil {
					b.Fatal(err)
				}
				if len(buf) > 60<<10 {
					buf = buf[:0]
				}
			}
		})
	}
}

// TestAppendRowDoesNotAllocate checks the promise the loader's speed rests
// on: once warm, encoding a row allocates nothing, in any column type.
func TestAppendRowDoesNotAllocate(t *testing.T) {
	every := make([][]byte, len(binarySpecs))
	for i, s := range binarySpecs {
		for _, c := range binaryCases {
			if c.col == s.name && len(c.in) > 0 && len(c.in) < 100 {
				every[i] = []byte(c.in)
			}
		}
	}
	tests := []struct {
		name  string
		specs []colSpec
		row   [][]byte
	}{
		{"orders", ordersSpecs, ordersRow},
		{"every type", binarySpecs, every},
	}
	for _, tt := range tests {
		for _, format := range []pgcopy.Format{pgcopy.Binary, pgcopy.Text} {
			enc := newEncoder(t, format, tt.specs...)
			buf := make([]byte, 0, 64<<10)
			allocs := testing.AllocsPerRun(100, func() {
				var err error
				if buf, err = enc.AppendRow(buf[:0], tt.row); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%s in %s: %v allocations per row, want 0", tt.name, format, allocs)
			}
		}
	}
}
