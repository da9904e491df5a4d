package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	migload "github.com/ficus-dev/ficus/migrate/load"
)

// How often progress is sampled and shown: a terminal is redrawn in place twice a second; a log
// gets a line every plainEvery, and one at every phase change.
const (
	terminalInterval = 500 * time.Millisecond
	terminalWindow   = 5 * time.Second
	plainInterval    = time.Second
	plainEvery       = 10 * time.Second
)

// progressPrinter shows a run's snapshots on stderr: a live display redrawn in place with ANSI
// cursor movements when stderr is a terminal, plain lines otherwise. load.Run calls update from one
// goroutine, and finish is called after Run returns, so there is no locking.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	now      func() time.Time
	// window is how far back the frame that rates are measured against may be.
	window time.Duration
	frames []progressFrame
	// lastLine and lastPhase decide when a plain line is due.
	lastLine  time.Time
	lastPhase migload.Phase
	// drawn is the number of lines of the live display on screen.
	drawn int
}

func newProgressPrinter(w io.Writer, now func() time.Time) *progressPrinter {
	_, tty := terminalWidth(w)
	p := &progressPrinter{w: w, terminal: tty, now: now, window: plainEvery}
	if tty {
		p.window = terminalWindow
	}
	return p
}

// interval is how often load.Run should report.
func (p *progressPrinter) interval() time.Duration {
	if p.terminal {
		return terminalInterval
	}
	return plainInterval
}

func (p *progressPrinter) update(s migload.Snapshot) {
	cur := progressFrame{at: p.now(), snap: s}
	prev := p.remember(cur)
	if p.terminal {
		p.draw(progressLines(prev, cur))
		return
	}
	if s.Phase != p.lastPhase || cur.at.Sub(p.lastLine) >= plainEvery {
		fmt.Fprintln(p.w, progressPlainLine(prev, cur))
		p.lastLine, p.lastPhase = cur.at, s.Phase
	}
}

// remember keeps cur and returns the oldest frame within the window to measure rates against; the
// zero frame when there is none yet.
func (p *progressPrinter) remember(cur progressFrame) progressFrame {
	keep := p.frames[:0]
	for _, f := range p.frames {
		if cur.at.Sub(f.at) <= p.window {
			keep = append(keep, f)
		}
	}
	p.frames = append(keep, cur)
	if len(p.frames) < 2 {
		return progressFrame{}
	}
	return p.frames[0]
}

// draw replaces the lines drawn last time by lines.
func (p *progressPrinter) draw(lines []string) { p.drawn = redraw(p.w, p.drawn, lines) }

// redraw replaces the drawn lines at the bottom of terminal w by lines, each cut to the terminal's
// width so that none wraps (a wrapped line would throw the cursor-up count off), and returns how many
// it drew.
func redraw(w io.Writer, drawn int, lines []string) int {
	width, _ := terminalWidth(w)
	var b strings.Builder
	if drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", drawn)
	}
	b.WriteString("\x1b[J")
	for _, l := range lines {
		if r := []rune(l); width > 1 && len(r) >= width {
			l = string(r[:width-1])
		}
		b.WriteString(l + "\n")
	}
	io.WriteString(w, b.String())
	return len(lines)
}
