package eap

import (
	"os"
	"testing"

	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// With WIFIHK_TEST_STORE=postgres the nodes' shared store is a private
// PostgreSQL (see storetest), which pgtest.Main stops at the end.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
