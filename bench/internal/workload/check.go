package workload

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strings"
)

// Check turns a run's stdout into a digest; two runs agree when their
// digests and exit codes are equal.
type Check int

const (
	// Exact compares every byte.
	Exact Check = iota
	// GoBench compares the shape of `go test -bench` output: benchmark
	// names and the PASS/FAIL verdict, not timings or the goos/cpu header.
	GoBench
)

func (c Check) String() string {
	if c == GoBench {
		return "gobench"
	}
	return "exact"
}

// Digest returns the hex SHA-256 of the (normalized) contents of path.
func (c Check) Digest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if c == GoBench {
		data, err := io.ReadAll(f)
		if err != nil {
			return "", err
		}
		h.Write(NormalizeGoBench(data))
	} else if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// NormalizeGoBench keeps, from `go test -bench` output, the benchmark names
// (without the -GOMAXPROCS suffix) and the PASS/FAIL lines.
func NormalizeGoBench(out []byte) []byte {
	var b bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Benchmark"):
			name := strings.Fields(line)[0]
			if i := strings.LastIndexByte(name, '-'); i > 0 && isDigits(name[i+1:]) {
				name = name[:i]
			}
			b.WriteString(name + "\n")
		case line == "PASS" || line == "FAIL" || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "panic:"):
			b.WriteString(line + "\n")
		}
	}
	return b.Bytes()
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
