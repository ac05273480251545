// Command fsprog exercises os, io and io/fs on GOOS=wasip1 against the
// preopen /sandbox. It prints one line per check and exits 1 on the first
// failure.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func check(what string, err error) {
	if err != nil {
		fmt.Printf("FAIL %s: %v\n", what, err)
		os.Exit(1)
	}
	fmt.Printf("ok %s\n", what)
}

func expect(what string, cond bool) {
	if !cond {
		check(what, errors.New("condition false"))
	}
	check(what, nil)
}

func main() {
	expect("args", len(os.Args) == 2 && os.Args[1] == "arg1")
	expect("env", os.Getenv("FSPROG") == "yes")

	b, err := os.ReadFile("/sandbox/hello.txt")
	check("ReadFile", err)
	expect("ReadFile content", string(b) == "hello world\n")

	check("MkdirAll", os.MkdirAll("/sandbox/go/a/b", 0o755))
	check("WriteFile", os.WriteFile("/sandbox/go/a/b/f.txt", []byte("data"), 0o644))
	f, err := os.OpenFile("/sandbox/go/a/b/f.txt", os.O_APPEND|os.O_WRONLY, 0)
	check("OpenFile append", err)
	_, err = f.WriteString("+more")
	check("append", err)
	check("Close", f.Close())
	b, err = os.ReadFile("/sandbox/go/a/b/f.txt")
	expect("appended", err == nil && string(b) == "data+more")

	f, err = os.Open("/sandbox/go/a/b/f.txt")
	check("Open", err)
	buf := make([]byte, 4)
	_, err = f.ReadAt(buf, 5)
	expect("ReadAt", err == nil && string(buf) == "more")
	off, err := f.Seek(-4, io.SeekEnd)
	expect("Seek", err == nil && off == 5)
	rest, err := io.ReadAll(f)
	expect("ReadAll", err == nil && string(rest) == "more")
	fi, err := f.Stat()
	expect("Stat", err == nil && fi.Size() == 9 && fi.Mode().IsRegular())
	check("Close", f.Close())

	check("Truncate", os.Truncate("/sandbox/go/a/b/f.txt", 2))
	fi, err = os.Stat("/sandbox/go/a/b/f.txt")
	expect("truncated", err == nil && fi.Size() == 2)
	mt := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	check("Chtimes", os.Chtimes("/sandbox/go/a/b/f.txt", mt, mt))
	fi, err = os.Stat("/sandbox/go/a/b/f.txt")
	expect("mtime", err == nil && fi.ModTime().Equal(mt))

	check("Symlink", os.Symlink("b/f.txt", "/sandbox/go/a/link"))
	target, err := os.Readlink("/sandbox/go/a/link")
	expect("Readlink", err == nil && target == "b/f.txt")
	fi, err = os.Lstat("/sandbox/go/a/link")
	expect("Lstat", err == nil && fi.Mode()&fs.ModeSymlink != 0)
	check("Link", os.Link("/sandbox/go/a/b/f.txt", "/sandbox/go/a/hard"))
	check("Rename", os.Rename("/sandbox/go/a/hard", "/sandbox/go/a/hard2"))

	for i := range 50 {
		check(fmt.Sprint("create ", i), os.WriteFile(fmt.Sprintf("/sandbox/go/many%02d", i), nil, 0o644))
	}
	ents, err := os.ReadDir("/sandbox/go")
	check("ReadDir", err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	expect("ReadDir count", len(names) == 51 && slices.IsSorted(names) && names[0] == "a")

	var walked []string
	err = fs.WalkDir(os.DirFS("/sandbox/go/a"), ".", func(p string, d fs.DirEntry, err error) error {
		walked = append(walked, p)
		return err
	})
	check("WalkDir", err)
	expect("WalkDir paths", strings.Join(walked, ",") == ".,b,b/f.txt,hard2,link")

	_, err = os.ReadFile("/sandbox/../outside/secret.txt")
	expect("no escape", err != nil)
	_, err = os.Stat("/sandbox/esc_abs")
	expect("no escape via symlink", err != nil)
	_, err = os.ReadFile("/sandbox/nope")
	expect("ErrNotExist", errors.Is(err, fs.ErrNotExist))
	err = os.WriteFile("/ro/x", nil, 0o644)
	expect("read-only preopen", err != nil)

	check("Chdir", os.Chdir("/sandbox/go/a"))
	b, err = os.ReadFile(filepath.Join("b", "f.txt"))
	expect("relative path", err == nil && string(b) == "da")
	wd, err := os.Getwd()
	expect("Getwd", err == nil && wd == "/sandbox/go/a")

	check("RemoveAll", os.RemoveAll("/sandbox/go"))
	_, err = os.Stat("/sandbox/go")
	expect("removed", errors.Is(err, fs.ErrNotExist))

	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	expect("Sleep", time.Since(start) >= 20*time.Millisecond)

	var out bytes.Buffer
	_, err = io.Copy(&out, os.Stdin)
	expect("stdin", err == nil && out.String() == "from stdin\n")
	fmt.Fprintln(os.Stderr, "to stderr")
	fmt.Println("done")
}
