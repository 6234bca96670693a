package console_test

import (
	"os"
	"testing"

	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// The tests that run on PostgreSQL share a private server, which
// pgtest.Main stops at the end.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
