package cmdline

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
)

func testProgram(got *[]string) Program {
	record := func(err error) func(context.Context, []string, io.Writer, io.Writer) error {
		return func(_ context.Context, args []string, stdout, _ io.Writer) error {
			*got = args
			fmt.Fprint(stdout, "ran")
			return err
		}
	}
	return Program{Name: "prog", Note: "(each also takes -json)", Commands: []Command{
		{Name: "nas add", Usage: "-name NAME", Summary: "add a NAS", Run: record(nil)},
		{Name: "nas", Usage: "", Summary: "shadowed by nas add for its words", Run: record(nil)},
		{Name: "fail", Usage: "", Summary: "fails", Run: record(errors.New("disk on fire"))},
		{Name: "usage", Usage: "", Summary: "bad use", Run: record(fmt.Errorf("flags: %w", ErrUsage))},
		{Name: "help-flag", Usage: "", Summary: "-h", Run: record(flag.ErrHelp)},
		{Name: "voucher create", Usage: "-count N", Summary: "make codes", Run: record(nil)},
		{Name: "voucher list", Usage: "", Summary: "list codes", Run: record(nil)},
	}}
}

const fullHelp = `usage: prog COMMAND [flags]   (each also takes -json)
  prog nas add -name NAME
      add a NAS
  prog nas 
      shadowed by nas add for its words
  prog fail 
      fails
  prog usage 
      bad use
  prog help-flag 
      -h
  prog voucher create -count N
      make codes
  prog voucher list 
      list codes
`

const vouchersHelp = `usage: prog COMMAND [flags]   (each also takes -json)
  prog voucher create -count N
      make codes
  prog voucher list 
      list codes
`

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		args2    string // what the command got, joined
		stdout   string
		inStderr []string
	}{
		{"two words", []string{"nas", "add", "-name", "gw1"}, 0, "-name gw1", "ran", nil},
		{"first of several matches", []string{"nas", "list"}, 0, "list", "ran", nil},
		{"error", []string{"fail", "x"}, 1, "x", "ran", []string{"prog fail: disk on fire\n"}},
		{"error under -json", []string{"fail", "-json"}, 1, "-json", "ran", []string{`{"command":"prog fail","error":"disk on fire"}` + "\n"}},
		{"usage", []string{"usage"}, 2, "", "ran", nil},
		{"flag help", []string{"help-flag", "-h"}, 2, "-h", "ran", nil},
		{"unknown", []string{"frob", "nicate"}, 2, "", "", []string{"usage: prog COMMAND [flags]   (each also takes -json)\n", `prog: unknown command "frob nicate"`}},
		{"no args", nil, 0, "", fullHelp, nil},
		{"help", []string{"help"}, 0, "", fullHelp, nil},
		{"--help", []string{"--help"}, 0, "", fullHelp, nil},
		{"help for a group", []string{"help", "voucher"}, 0, "", vouchersHelp, nil},
		{"help for nothing", []string{"help", "frob"}, 2, "", "", []string{`prog: no command starts with "frob"`}},
		{"a group without its verb", []string{"voucher"}, 2, "", "", []string{vouchersHelp, `prog: "voucher" needs one of the commands above`}},
		{"a group with a wrong verb", []string{"voucher", "frob"}, 2, "", "", []string{vouchersHelp, `"voucher frob" needs one`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var out, errOut bytes.Buffer
			code := testProgram(&got).Run(context.Background(), tc.args, &out, &errOut)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, errOut.String())
			}
			if g := strings.Join(got, " "); g != tc.args2 {
				t.Errorf("command got %q, want %q", g, tc.args2)
			}
			if out.String() != tc.stdout {
				t.Errorf("stdout %q, want %q", out.String(), tc.stdout)
			}
			for _, want := range tc.inStderr {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr %q lacks %q", errOut.String(), want)
				}
			}
			if tc.code == 2 && tc.stdout != "" && errOut.Len() != 0 {
				t.Errorf("a usage error printed more: %q", errOut.String())
			}
		})
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		rest string
		ok   bool
	}{
		{"voucher create", []string{"voucher", "create", "-count", "2"}, "-count 2", true},
		{"voucher create", []string{"voucher"}, "", false},
		{"voucher create", []string{"voucher", "list"}, "", false},
		{"backup", []string{"backup"}, "", true},
		{"backup", nil, "", false},
	} {
		rest, ok := Match(tc.name, tc.args)
		if ok != tc.ok || strings.Join(rest, " ") != tc.rest {
			t.Errorf("Match(%q, %q) = %q, %v; want %q, %v", tc.name, tc.args, rest, ok, tc.rest, tc.ok)
		}
	}
}
