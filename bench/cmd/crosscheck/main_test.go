package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasiaot/wasiaot/bench/internal/report"
)

var update = flag.Bool("update", false, "rewrite testdata/report.md")

// twoFuncs is a module with two functions: () -> i32 returning 42, and
// (i32) -> i32 adding one.
var twoFuncs = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x0a, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, // types
	0x03, 0x03, 0x02, 0x00, 0x01, // functions
	0x0a, 0x0e, 0x02, // code
	0x04, 0x00, 0x41, 0x2a, 0x0b,
	0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b,
}

func TestCompileBothAndCodeSize(t *testing.T) {
	got, err := compileBoth(twoFuncs, []string{"amd64", "arm64"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"amd64", "arm64"} {
		c := got[target]
		if c == nil || len(c.cpu) != 2 {
			t.Fatalf("%s: %+v, want an artifact and 2 compile times", target, c)
		}
		s, err := codeSize(c.artifact)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		// .text holds the two functions and the stubs around them.
		if s.Funcs <= 0 || s.Text <= s.Funcs {
			t.Errorf("%s: %+v, want 0 < funcs < text", target, s)
		}
	}
	if bytes.Equal(got["amd64"].artifact, got["arm64"].artifact) {
		t.Error("the amd64 and arm64 artifacts are equal")
	}
	if _, err := codeSize(twoFuncs); err == nil {
		t.Error("codeSize of a wasm module: no error")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5}, 5},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{9, 1, 4, 6}, 5},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestMarkdown renders a fixed result and compares it with
// testdata/report.md (go test -update rewrites it).
func TestMarkdown(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	r := &Results{
		Date: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), Host: "amd64", Target: "arm64",
		Machine:  report.Machine{CPU: "Test CPU", Cores: 2, LoadAvg: "1.00 1.00 1.00"},
		Compiler: "wasiaot 0.1.0-test", Qemu: "qemu-aarch64 version 7.2", Wazero: "wazero v1.12.0",
		Reps: 3, Scale: 1, Command: "cd bench && go run ./cmd/crosscheck -reps 3",
		Modules: []*Module{
			{Name: "bzip2.wasm", WasmBytes: 288527, Host: Size{Text: 285200, Funcs: 284368}, Target: Size{Text: 243200, Funcs: 241168},
				WazeroCode: 592564, HostCompileCPU: ms(100, 120, 110), TargetCompileCPU: ms(200, 180, 190)},
			{Name: "go-sort.wasm", WasmBytes: 5510317, Host: Size{Text: 4000000, Funcs: 3900000}, Target: Size{Text: 4400000, Funcs: 4300000},
				WazeroError: "wazerocode: exit status 1: out of memory", HostCompileCPU: ms(3000, 3100, 3200), TargetCompileCPU: ms(4000, 4100, 4200)},
		},
		Rows: []Row{
			{Workload: "bzip2-compress", Group: "C", Module: "bzip2.wasm", Status: StatusOK},
			{Workload: "bzip2-decompress", Group: "C", Module: "bzip2.wasm", Status: StatusWrong, Detail: "stdout differs from native"},
			{Workload: "go-sort", Group: "Go", Module: "go-sort.wasm", Status: StatusOK},
			{Workload: "lua-fannkuch", Group: "C", Module: "lua.wasm", Status: StatusMissing, Detail: "not built: lua.wasm"},
		},
	}
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report.md")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("markdown differs from %s (go test -update rewrites it):\n%s", golden, b.String())
	}
}
