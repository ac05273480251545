package report

import (
	"bufio"
	"io"
	"os"
)

// WriteFile creates path and writes it through a buffer with write,
// reporting the first error of writing, flushing or closing.
func WriteFile(path string, write func(io.Writer) error) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(fh)
	err = write(bw)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}
