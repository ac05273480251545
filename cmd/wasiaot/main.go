// Command wasiaot is the command-line front of the wasiaot library: a thin layer of subcommands
// over the compiler and runtime packages.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	flag "github.com/spf13/pflag"
)

// command is one subcommand. run gets the arguments after the subcommand's name and returns an
// error to report; a usageError makes the process exit with status 2 instead of 1.
type command struct {
	name    string
	summary string
	run     func(stdout, stderr io.Writer, args []string) error
}

var commands = []command{
	{"build", "compile a WebAssembly module ahead of time into a native artifact (.so)", runBuild},
	{"run", "run a WASI program or call an exported function, from an artifact or a module", runRun},
	{"serve", "serve HTTP: each request runs a program in a fresh instance, through CGI", runServe},
	{"objdump", "disassemble an artifact, with wasm function names and trap sites", runObjdump},
	{"validate", "check that a .wasm file is a valid WebAssembly module", runValidate},
	{"inspect", "describe a module: sections, imports, exports, functions, limits, features", runInspect},
	{"version", "print the version of wasiaot and of the Go toolchain that built it", runVersion},
	{"keygen", "make an ed25519 key pair for signing artifacts", runKeygen},
	{"sign", "sign an artifact with a private key", runSign},
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(mainWithStatus(os.Stdout, os.Stderr, os.Args[1:]))
}

func mainWithStatus(stdout, stderr io.Writer, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			return mainWithStatus(stdout, stderr, []string{args[1], "--help"})
		}
		printUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-V" {
		args = append([]string{"version"}, args[1:]...)
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(stdout, stderr, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(*exitError)):
			var e *exitError
			errors.As(err, &e)
			if e.msg != "" {
				fmt.Fprintln(stderr, e.msg)
			}
			return e.code
		default:
			fmt.Fprintf(stderr, "wasiaot %s: %v\n", c.name, err)
			var u usageError
			if errors.As(err, &u) {
				fmt.Fprintf(stderr, "Run 'wasiaot %s --help' for usage.\n", c.name)
				return 2
			}
			return 1
		}
	}
	fmt.Fprintf(stderr, "wasiaot: unknown command %q\nRun 'wasiaot --help' for the list of commands.\n", args[0])
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `wasiaot compiles WebAssembly ahead of time to native code and runs it in a sandbox.

Usage:
  wasiaot <command> [flags] [arguments]

Commands:
`)
	cs := append([]command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'wasiaot <command> --help' for the flags and details of one command.
`)
}

// newFlagSet makes a flag set whose --help prints the usage text, the flags and nothing else.
func newFlagSet(stdout io.Writer, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Parse errors are reported once by mainWithStatus, not by pflag.
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprint(stdout, usage)
		if fs.HasFlags() {
			fmt.Fprint(stdout, "\nFlags:\n"+fs.FlagUsages())
		}
	}
	return fs
}

// parseFlags parses args, turning pflag's errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}
