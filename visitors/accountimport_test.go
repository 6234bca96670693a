package visitors

import (
	"strings"
	"testing"
)

func TestReadAccountsCSVRefusesJunkInWords(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "the file is empty"},
		{"no header", "alice,password-1\n", "header username,password"},
		{"header only", "username,password\n", "no accounts"},
		{"bad quoting", "username,password\n\"alice,pw\n", "not a CSV file"},
		{"too many", "username,password\n" + strings.Repeat("u,password-1\n", MaxImportRows+1), "split the file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAccountsCSV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	rows, err := readAccountsCSV(strings.NewReader("\ufeffUsername, Password\r\nalice,pw-alice-1\r\n\r\nbob\r\n"))
	if err != nil || len(rows) != 2 || rows[0].line != 2 || rows[1].line != 4 || rows[1].problem == "" {
		t.Fatalf("rows %+v %v", rows, err)
	}
}

// FuzzReadAccountsCSV: any file is refused with an error or read into at
// most MaxImportRows rows, each with a line number after the header.
func FuzzReadAccountsCSV(f *testing.F) {
	f.Add("username,password\nalice,password-1\n")
	f.Add("username,password\n\"a\"\"b\",x\n,\n")
	f.Add("\ufeffusername,password\r\nbob,1,2\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := readAccountsCSV(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "visitors: import: ") {
				t.Fatalf("error %q does not say what", err)
			}
			return
		}
		if len(rows) == 0 || len(rows) > MaxImportRows {
			t.Fatalf("%d rows", len(rows))
		}
		for _, r := range rows {
			if r.line < 2 {
				t.Fatalf("row at line %d", r.line)
			}
		}
	})
}
