package sqlite

import (
	"testing"

	"github.com/ficus-dev/ficus/store/storetest"
)

func TestRolloutStoreConformance(t *testing.T) {
	storetest.RunRolloutStore(t, func(t *testing.T) storetest.RolloutStore { return openTemp(t) })
}
