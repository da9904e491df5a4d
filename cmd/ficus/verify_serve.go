package main

import (
	"os"

	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/verify"
)

// verifyService is where ficus serve's admin API reads the last verification: the config's
// migration target. Nil (the endpoint answers 503) when the config has no target, or its ${NAME}
// references cannot be expanded.
func verifyService(cfg *config.Config) admin.VerifyService {
	if cfg.Migration == nil || cfg.Migration.Target == "" {
		return nil
	}
	u, err := config.ExpandURL(cfg.Migration.Target, os.LookupEnv)
	if err != nil {
		return nil
	}
	return verify.Results{Target: u}
}
