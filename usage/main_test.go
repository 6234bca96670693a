package usage_test

import (
	"os"
	"testing"

	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// With WIFIHK_TEST_STORE=postgres the tests run on a private PostgreSQL
// (see storetest), which pgtest.Main stops at the end.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
