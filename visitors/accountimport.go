package visitors

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxImportRows is the most accounts one import takes: each password is
// hashed with argon2id, so a bigger file would hold a request for long.
const MaxImportRows = 200

// RowError is one rejected row of an import, by its line in the file.
type RowError struct {
	Line     int
	Username string
	Problem  string
}

// AccountImport is the outcome of ImportAccounts.
type AccountImport struct {
	Rows     int        // data rows read
	Valid    int        // rows that pass every check
	Added    int        // accounts made (0 on a dry run)
	Rejected []RowError // rows refused, with why
}

// ImportAccounts reads a CSV of visitor accounts, header "username,password",
// for org (CHAP as in AccountInput), checks every row, and unless dryRun
// adds the rows that pass. A file that is not such a CSV is an error; a
// bad row is reported and skipped.
func (s *Store) ImportAccounts(r io.Reader, org string, chap, dryRun bool) (AccountImport, error) {
	var out AccountImport
	rows, err := readAccountsCSV(r)
	if err != nil {
		return out, err
	}
	seen := map[string]int{}
	for _, row := range rows {
		out.Rows++
		in := AccountInput{Username: row.username, Password: row.password, CHAP: chap, Org: org}
		reject := func(problem string) {
			out.Rejected = append(out.Rejected, RowError{Line: row.line, Username: row.username, Problem: problem})
		}
		if row.problem != "" {
			reject(row.problem)
			continue
		}
		if err := in.validate(); err != nil {
			reject(strings.TrimPrefix(err.Error(), "visitors: "))
			continue
		}
		if first, dup := seen[in.Username]; dup {
			reject(fmt.Sprintf("username: repeats line %d", first))
			continue
		}
		seen[in.Username] = row.line
		if _, err := s.Get(in.Username); err == nil || !errors.Is(err, ErrUnknown) {
			reject("username: taken")
			continue
		}
		out.Valid++
		if dryRun {
			continue
		}
		if _, err := s.AddAccount(in); err != nil {
			out.Valid--
			reject(strings.TrimPrefix(err.Error(), "visitors: "))
			continue
		}
		out.Added++
	}
	return out, nil
}

type accountRow struct {
	line               int
	username, password string
	problem            string // the row's shape is wrong
}

// readAccountsCSV parses the file; its errors say what is wrong in words.
func readAccountsCSV(r io.Reader) ([]accountRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, errors.New("visitors: import: the file is empty")
	case err != nil:
		return nil, fmt.Errorf("visitors: import: not a CSV file: %w", err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff") // a spreadsheet's byte-order mark
	}
	if len(head) != 2 || strings.TrimSpace(strings.ToLower(head[0])) != "username" || strings.TrimSpace(strings.ToLower(head[1])) != "password" {
		return nil, errors.New("visitors: import: the first line must be the header username,password")
	}
	var rows []accountRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("visitors: import: not a CSV file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rows) == MaxImportRows {
			return nil, fmt.Errorf("visitors: import: more than %d accounts; split the file", MaxImportRows)
		}
		row := accountRow{line: line, username: strings.TrimSpace(rec[0])}
		if len(rec) == 2 {
			row.password = rec[1]
		} else {
			row.problem = fmt.Sprintf("has %d fields, want 2 (username,password)", len(rec))
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, errors.New("visitors: import: the file has a header but no accounts")
	}
	return rows, nil
}
