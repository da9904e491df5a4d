package main

import (
	"context"

	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/sqlite"
)

func openSQLite(ctx context.Context, u string) (migrate.Source, error) {
	s, err := sqlite.Open(ctx, u)
	if err != nil {
		return nil, err
	}
	return s, nil
}
