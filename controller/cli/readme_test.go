package cli

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README's command-line block is the contract users and scripts rely
// on: every command it lists must exist and accept every flag it shows,
// and show every flag it accepts (but -json, which all admin commands take).
var helpFlagRE = regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`)

func TestREADMECommandLines(t *testing.T) {
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	flagRE := regexp.MustCompile(`(?:^|[\s\[(|])-([a-z][a-z0-9-]*)`)
	// Join continuation lines (indented, starting with "[") to their command.
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "wifihk ") && line != "wifihk help":
			lines = append(lines, line)
		case strings.HasPrefix(line, "[") && len(lines) > 0 && strings.HasPrefix(sc.Text(), " "):
			lines[len(lines)-1] += " " + line
		}
	}
	checked := 0
	for _, line := range lines {
		words := strings.Fields(strings.TrimPrefix(line, "wifihk "))
		c, _, ok := find(words)
		if !ok {
			t.Errorf("README lists %q, which is not a command", line)
			continue
		}
		_, _, help := run(t, append(strings.Fields(c.name), "-h")...)
		for _, m := range flagRE.FindAllStringSubmatch(strings.TrimPrefix(line, "wifihk "+c.name), -1) {
			if !strings.Contains(help, "-"+m[1]+" ") && !strings.Contains(help, "-"+m[1]+"\n") {
				t.Errorf("README shows %q with -%s, which it does not take", c.name, m[1])
			}
		}
		shown := map[string]bool{"json": true}
		for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
			shown[m[1]] = true
		}
		for _, m := range helpFlagRE.FindAllStringSubmatch(help, -1) {
			if !shown[m[1]] {
				t.Errorf("README's %q does not show -%s, which it takes", c.name, m[1])
			}
		}
		checked++
	}
	if checked < 4 {
		t.Fatalf("found only %d command lines in README.md", checked)
	}
}
