package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	// File is the config file's path as given to Load or Parse; "" for a Config built in code.
	File string `json:"file,omitempty"`
	// Line is the 1-based line the problem is on; 0 when it concerns the whole file or the Config was
	// built in code.
	Line int `json:"line,omitempty"`
	// Path locates the value, e.g. "routes[1].stage" (list indexes start at 0); "" when Message
	// already says where (unknown keys) or the problem is about the whole file.
	Path string `json:"path,omitempty"`
	// Message says what is wrong and, where there is a choice, lists the allowed values.
	Message string `json:"message"`
}

// String formats p as "file:line: path: message", leaving out the parts that are empty or zero
// ("line 3: ..." when there is a line but no file name).
func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.File != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", p.File, p.Line)
	case p.File != "":
		fmt.Fprintf(&b, "%s: ", p.File)
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is every problem found in a configuration, sorted by line. Load, Parse and Validate return it
// so that a user fixes a file in one round rather than one error at a time.
type Error struct {
	Problems []Problem `json:"problems"`
}

// Error lists the problems one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
