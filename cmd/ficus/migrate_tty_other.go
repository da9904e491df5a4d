//go:build !unix

package main

import "io"

// terminalWidth reports no terminal where ficus cannot ask for one: progress is then printed as
// plain lines.
func terminalWidth(io.Writer) (int, bool) { return 0, false }
