package workload

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Inputs are generated deterministically (fixed-seed xorshift), so every
// run on every machine feeds the same bytes, and cached by name and size.

type xorshift uint64

func (x *xorshift) next() uint64 {
	v := uint64(*x)
	v ^= v << 13
	v ^= v >> 7
	v ^= v << 17
	*x = xorshift(v)
	return v
}

var words = strings.Fields(`the of and to in is was that for it with as on be at by this had not are but
from or have an they which one you were all her she there would their we him been has when who will no
more if out so said what up its about than into them can only other new some could time these two may
first then do any like my now over such our man me even most made after also did many before must through
back years where much your way well down should because each just those people how too little state good
very make world still own see men work long get here between both life being under never day same another
know while last might us great old year off come since against go came right used take three compiler
module memory function table global instance stack register value branch loop block import export trap`)

// WriteText writes n bytes of word-salad text with numbers and punctuation:
// compressible like prose, but not trivially.
func WriteText(w io.Writer, n int64, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	x := xorshift(seed | 1)
	var written int64
	col := 0
	for written < n {
		r := x.next()
		var tok string
		switch {
		case r%23 == 0:
			tok = fmt.Sprintf("%d", r>>40)
		default:
			tok = words[(r>>8)%uint64(len(words))]
		}
		sep := " "
		switch {
		case r%97 == 0:
			sep = ".\n\n"
			col = 0
		case col > 72:
			sep = "\n"
			col = 0
		case r%13 == 0:
			sep = ", "
		}
		s := tok + sep
		if written+int64(len(s)) > n {
			s = s[:n-written]
		}
		m, err := bw.WriteString(s)
		written += int64(m)
		col += m
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteBinary writes n pseudo-random bytes.
func WriteBinary(w io.Writer, n int64, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	x := xorshift(seed | 1)
	var buf [8]byte
	for i := int64(0); i < n; i += 8 {
		v := x.next()
		for j := range buf {
			buf[j] = byte(v >> (8 * j))
		}
		k := min(int64(8), n-i)
		if _, err := bw.Write(buf[:k]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteSQL writes the sqlite workload: a table of rows rows built with a
// recursive CTE, an index, aggregates and rows/50 indexed point queries.
func WriteSQL(w io.Writer, rows int) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT);\n")
	fmt.Fprintf(bw, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<%d)\n", rows)
	fmt.Fprintf(bw, "INSERT INTO t SELECT x, (x*7919)%%10007, printf('row-%%d-%%x', x, (x*2654435761)%%4294967296) FROM c;\n")
	fmt.Fprintf(bw, "CREATE INDEX tk ON t(k);\n")
	fmt.Fprintf(bw, "SELECT count(*), sum(k), max(length(v)) FROM t;\n")
	fmt.Fprintf(bw, "SELECT k, count(*), min(id) FROM t WHERE k BETWEEN 100 AND 120 GROUP BY k;\n")
	fmt.Fprintf(bw, "SELECT substr(v, 1, 6), count(*) FROM t GROUP BY substr(v, 1, 6) ORDER BY 2 DESC LIMIT 5;\n")
	fmt.Fprintf(bw, "BEGIN;\n")
	x := xorshift(42)
	for i := 0; i < rows/10; i++ {
		fmt.Fprintf(bw, "INSERT INTO t(k, v) VALUES (%d, 'extra-%d');\n", x.next()%10007, i)
	}
	fmt.Fprintf(bw, "COMMIT;\n")
	for i := 0; i < rows/50; i++ {
		fmt.Fprintf(bw, "SELECT count(*), sum(id) FROM t WHERE k = %d;\n", x.next()%10007)
	}
	fmt.Fprintf(bw, "SELECT count(*), sum(k) FROM t;\n")
	return bw.Flush()
}

// cached creates path with gen unless it exists, writing atomically.
func cached(path string, gen func(w io.Writer) error) (string, error) {
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	err = gen(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return path, os.Rename(tmp, path)
}

func scaledSize(n int64, s float64) int64 {
	return max(int64(math.Round(float64(n)*s)), 1)
}

func textInput(name string, size int64) func(e *Env) (string, error) {
	return func(e *Env) (string, error) {
		n := scaledSize(size, e.Scale)
		return cached(filepath.Join(e.InputDir, fmt.Sprintf("%s-%d.txt", name, n)), func(w io.Writer) error {
			return WriteText(w, n, 0x5eed)
		})
	}
}

func binaryInput(name string, size int64) func(e *Env) (string, error) {
	return func(e *Env) (string, error) {
		n := scaledSize(size, e.Scale)
		return cached(filepath.Join(e.InputDir, fmt.Sprintf("%s-%d.bin", name, n)), func(w io.Writer) error {
			return WriteBinary(w, n, 0xb1a5)
		})
	}
}

func sqlInput(rows int) func(e *Env) (string, error) {
	return func(e *Env) (string, error) {
		n := int(scaledSize(int64(rows), e.Scale))
		return cached(filepath.Join(e.InputDir, fmt.Sprintf("sqlite-%d.sql", n)), func(w io.Writer) error {
			return WriteSQL(w, n)
		})
	}
}

// fileInput uses a file kept under bench/workloads as stdin.
func fileInput(name, rel string) func(e *Env) (string, error) {
	return func(e *Env) (string, error) {
		p := filepath.Join(e.WorkloadsDir, rel)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("input %s: %w", name, err)
		}
		return p, nil
	}
}

// derivedInput pipes another input through a native binary (for example to
// get the compressed stream a decompressor reads).
func derivedInput(name string, from func(e *Env) (string, error), bin string, args ...string) func(e *Env) (string, error) {
	return func(e *Env) (string, error) {
		src, err := from(e)
		if err != nil {
			return "", err
		}
		if e.RunNative == nil {
			return "", errors.New("derived input needs a native runner")
		}
		dst := filepath.Join(e.InputDir, filepath.Base(src)+"."+name)
		if _, err := os.Stat(dst); err == nil {
			return dst, nil
		}
		tmp := dst + ".tmp"
		if err := e.RunNative(filepath.Join(e.BinDir, bin+".native"), args, src, tmp); err != nil {
			os.Remove(tmp)
			return "", fmt.Errorf("deriving %s: %w", name, err)
		}
		return dst, os.Rename(tmp, dst)
	}
}
