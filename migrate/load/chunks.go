package load

import (
	"context"
	"errors"
	"math"
	"strings"

	"github.com/ficus-dev/ficus/migrate"
)

// mode is how a table is split into chunks.
type mode string

const (
	// modeRange: ranges of a single integer key, planned up front and
	// copied in parallel.
	modeRange mode = "range"
	// modeKeyset: pages of Limit rows in key order, each starting after the
	// previous one's last key; copied one after another.
	modeKeyset mode = "keyset"
	// modeWhole: a table without a primary key, copied in one chunk.
	modeWhole mode = "whole"
)

// chunk is one unit of copy and checkpoint.
type chunk struct {
	seq    int
	lo, hi int64
	after  [][]byte
}

// tablePlan is how one table will be copied.
type tablePlan struct {
	mode     mode
	estimate int64
	chunks   []chunk
}

// integerTypes are source key types that KeyBounds can range over.
var integerTypes = map[string]bool{
	"tinyint": true, "smallint": true, "mediumint": true, "int": true, "integer": true, "bigint": true,
	"int2": true, "int4": true, "int8": true, "serial": true, "bigserial": true, "smallserial": true,
}

func integerKey(t *migrate.Table) bool {
	if len(t.PrimaryKey) != 1 {
		return false
	}
	c := t.Column(t.PrimaryKey[0])
	return c != nil && integerTypes[strings.ToLower(c.Type)]
}

// planTable chooses the table's mode and, for ranges, its chunks.
func planTable(ctx context.Context, src migrate.Source, t *migrate.Table, filter string, chunkRows int) (tablePlan, error) {
	est, err := src.Estimate(ctx, t)
	if err != nil {
		return tablePlan{}, err
	}
	switch {
	case len(t.PrimaryKey) == 0:
		return tablePlan{mode: modeWhole, estimate: est, chunks: []chunk{{}}}, nil
	case !integerKey(t):
		return tablePlan{mode: modeKeyset, estimate: est, chunks: []chunk{{}}}, nil
	}
	lo, hi, ok, err := src.KeyBounds(ctx, t, filter)
	if err != nil {
		if errors.Is(err, migrate.ErrKeyOutOfRange) {
			return tablePlan{mode: modeKeyset, estimate: est, chunks: []chunk{{}}}, nil
		}
		return tablePlan{}, err
	}
	p := tablePlan{mode: modeRange, estimate: est}
	if ok {
		p.chunks = splitRange(lo, hi, est, chunkRows)
	}
	return p, nil
}

// splitRange cuts [lo, hi] into ranges expected to hold about chunkRows
// rows each, assuming the keys are spread evenly; est is the row estimate.
func splitRange(lo, hi, est int64, chunkRows int) []chunk {
	span := float64(hi) - float64(lo) + 1
	density := 1.0
	if est > 0 && float64(est) < span {
		density = float64(est) / span
	}
	width := math.Max(1, math.Floor(float64(chunkRows)/density))
	var out []chunk
	for start := lo; ; {
		end := hi
		if float64(hi)-float64(start) >= width {
			end = start + int64(width) - 1
		}
		out = append(out, chunk{seq: len(out), lo: start, hi: end})
		if end >= hi {
			return out
		}
		start = end + 1
	}
}
