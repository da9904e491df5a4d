package main

import (
	"context"

	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/postgres"
)

func openPostgres(ctx context.Context, u string) (migrate.Source, error) {
	s, err := postgres.Open(ctx, u)
	if err != nil {
		return nil, err
	}
	return s, nil
}
