package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/wasiaot/wasiaot/compiler"
)

func runVersion(stdout, _ io.Writer, args []string) error {
	fs := newFlagSet(stdout, "version", `Usage: wasiaot version

Print the version of wasiaot, the Go toolchain that built it, and the machine it runs on.
`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"version takes no arguments"}
	}
	fmt.Fprintf(stdout, "wasiaot %s (%s, %s/%s)\n", compiler.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
