// Command copy copies stdin to stdout; the host checks nothing is lost.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	n, err := io.Copy(os.Stdout, os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "copy:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "copied %d bytes\n", n)
}
