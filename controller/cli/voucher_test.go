package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/visitors"
)

// voucherCreate makes a batch of n codes in dir and returns its id and codes.
func voucherCreate(t *testing.T, dir string, n int, extra ...string) (string, []string) {
	t.Helper()
	code, out, errOut := run(t, append([]string{"voucher", "create", "-data", dir, "-count", strconv.Itoa(n), "-json"}, extra...)...)
	var b struct {
		ID    string
		Codes []string
	}
	if err := json.Unmarshal([]byte(out), &b); code != 0 || err != nil || len(b.Codes) != n {
		t.Fatalf("voucher create: exit %d %s %s", code, out, errOut)
	}
	return b.ID, b.Codes
}

// The codes are printed once, on the page made with them, and the
// database file holds none of them.
func TestVoucherCodesShownOnceNotStored(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(t.TempDir(), "cards.html")
	_, codes := voucherCreate(t, dir, 3, "-print", page)
	html, _ := os.ReadFile(page)
	raw, _ := os.ReadFile(datadir.Dir(dir).DB())
	for _, c := range codes {
		if !bytes.Contains(html, []byte(visitors.FormatVoucher(c))) {
			t.Errorf("the printed page lacks %s", c)
		}
		if bytes.Contains(raw, []byte(c)) {
			t.Errorf("the database file holds code %s", c)
		}
	}
}

// A data dir whose database an older wifihk wrote (schema 3, codes in
// clear) is upgraded by the next command, which opens it with master.key:
// its codes still log on, and the database no longer names them.
func TestVoucherCodesOfAnOlderDatabaseStillWork(t *testing.T) {
	dir := t.TempDir()
	id, codes := voucherCreate(t, dir, 3, "-org", "lib")
	downgradeVouchers(t, datadir.Dir(dir).DB(), id, codes)

	voucherCreate(t, dir, 3) // any command that opens the data dir
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sealer, err := secrets.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	vs := visitors.New(db, sealer)
	for _, c := range codes {
		v, err := vs.Voucher(c)
		if err != nil || v.Org != "lib" || strings.Contains(v.Username, c) {
			t.Fatalf("voucher %s after the upgrade: %+v, %v", c, v, err)
		}
	}
	b, err := vs.VoucherBatchByID(id)
	if err != nil || len(b.Vouchers) != 3 || b.Vouchers[2].Masked != "*****-*"+codes[2][6:] || b.Vouchers[2].Status != "usable" {
		t.Fatalf("batch after the upgrade: %+v, %v", b, err)
	}
}

// downgradeVouchers rewrites batch id and its vouchers as schema 3 kept
// them: each credential under its code, the batch with its codes.
func downgradeVouchers(t *testing.T, path, id string, codes []string) {
	t.Helper()
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	err = raw.Update(func(tx *bolt.Tx) error {
		events, creds := tx.Bucket([]byte(store.PortalEvents)), tx.Bucket([]byte(store.Credentials))
		key := []byte("voucher-batch/" + id)
		var batch map[string]any
		if err := json.Unmarshal(store.Unseal(key, events.Get(key)), &batch); err != nil {
			return err
		}
		for i, name := range batch["names"].([]any) {
			var c map[string]any
			if err := json.Unmarshal(store.Unseal([]byte(name.(string)), creds.Get([]byte(name.(string)))), &c); err != nil {
				return err
			}
			c["username"] = codes[i]
			v, _ := json.Marshal(c)
			if err := creds.Put([]byte(codes[i]), v); err != nil {
				return err
			}
			if err := creds.Delete([]byte(name.(string))); err != nil {
				return err
			}
		}
		delete(batch, "names")
		delete(batch, "hints")
		batch["codes"] = codes
		v, _ := json.Marshal(batch)
		if err := events.Put(key, v); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("3"))
	})
	if err != nil {
		t.Fatal(err)
	}
}
