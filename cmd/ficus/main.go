// Command ficus is the strangler-fig gateway, migrator and verifier. main stays thin: every command is
// built by a function in this package and tested by calling run.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "ficus:", err)
		os.Exit(1)
	}
}

// exitError ends the process with a code after its command has already printed what went wrong.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// globals are the flags every command shares.
type globals struct {
	stdout, stderr io.Writer
	// output is "text" or "json".
	output string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRootCmd(&globals{stdout: stdout, stderr: stderr})
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

func newRootCmd(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "ficus",
		Short: "Replace a legacy backend with a modern one, safely and route by route",
		Long: `ficus sits in front of a legacy and a modern HTTP backend as a gateway and moves traffic from
one to the other route by route: legacy, shadow (clients stay on legacy while their requests are
mirrored to modern and the answers compared: 'ficus diff'), canary (a sticky share of clients),
modern, with an instant rollback. Every change is persisted and written to a tamper-evident audit log.

Start with 'ficus serve --config ficus.yaml'; see 'ficus config check' to validate a file first.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&g.output, "output", "o", "text", "output format: text or json")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if g.output != "text" && g.output != "json" {
			return fmt.Errorf("--output %q is not one of text, json", g.output)
		}
		return nil
	}
	for _, add := range commands {
		root.AddCommand(add(g))
	}
	return root
}

// commands are registered by each command file's init, so that files can be added independently.
var commands []func(*globals) *cobra.Command
