// hello is the Go (GOOS=wasip1) CGI program of the handler contract's tests
// and the load benchmark: it greets the path it was asked for and counts the
// body's bytes.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

func main() {
	n, err := io.Copy(io.Discard, os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello: reading the body:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprint(w, "Content-Type: text/plain\r\n\r\n")
	fmt.Fprintf(w, "hello from Go, %s %s (%d bytes)\n", os.Getenv("REQUEST_METHOD"), os.Getenv("PATH_INFO"), n)
	w.Flush()
}
