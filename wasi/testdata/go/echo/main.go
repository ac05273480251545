// Command echo serves one connection on a preopened listener (fd in
// argv[1]) through Go's wasip1 netpoller: each line comes back upper-cased.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

func main() {
	fd, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Println("FAIL fd:", err)
		os.Exit(1)
	}
	l, err := net.FileListener(os.NewFile(uintptr(fd), "listener"))
	if err != nil {
		fmt.Println("FAIL FileListener:", err)
		os.Exit(1)
	}
	c, err := l.Accept()
	if err != nil {
		fmt.Println("FAIL Accept:", err)
		os.Exit(1)
	}
	r := bufio.NewScanner(c)
	n := 0
	for r.Scan() {
		fmt.Fprintln(c, strings.ToUpper(r.Text()))
		n++
	}
	if err := r.Err(); err != nil {
		fmt.Println("FAIL read:", err)
		os.Exit(1)
	}
	c.Close()
	fmt.Printf("served %d lines\n", n)
}
