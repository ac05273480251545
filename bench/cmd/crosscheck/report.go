package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasiaot/wasiaot/bench/internal/report"
)

// Status of a workload's emulated run.
type Status string

const (
	StatusOK      Status = "yes"
	StatusWrong   Status = "WRONG"   // output or exit code differs from native
	StatusFailed  Status = "failed"  // the run did not complete (error, cap)
	StatusMissing Status = "missing" // binaries not built
)

// Results is everything one crosscheck run found.
type Results struct {
	Date     time.Time      `json:"date"`
	Host     string         `json:"host"`
	Target   string         `json:"target"`
	Machine  report.Machine `json:"machine"`
	Compiler string         `json:"compiler"`
	Qemu     string         `json:"qemu"`
	Wazero   string         `json:"wazero"`
	Reps     int            `json:"compile_reps"`
	Scale    float64        `json:"scale"`
	Command  string         `json:"command"`
	Modules  []*Module      `json:"modules"`
	Rows     []Row          `json:"workloads"`
}

// Module holds the per-module measurements: code sizes and compile times.
type Module struct {
	Name      string `json:"name"`
	WasmBytes int    `json:"wasm_bytes"`
	Host      Size   `json:"host_code"`
	Target    Size   `json:"target_code"`
	// WazeroCode is the length of wazero's executable for the target: the
	// function bodies, each aligned to 16 bytes (0 with WazeroError set).
	WazeroCode  int64  `json:"wazero_target_code"`
	WazeroError string `json:"wazero_error,omitempty"`
	// CPU time of each timed in-process compile.
	HostCompileCPU   []time.Duration `json:"host_compile_cpu_ns"`
	TargetCompileCPU []time.Duration `json:"target_compile_cpu_ns"`

	artifact string // the target artifact, while crosscheck runs
}

// Row is one workload: its target artifact's output under qemu against
// native's.
type Row struct {
	Workload string   `json:"workload"`
	Group    string   `json:"group"`
	Module   string   `json:"module"`
	Args     []string `json:"args"`
	Status   Status   `json:"output_match"`
	Detail   string   `json:"detail,omitempty"`
}

// Module returns the named module's measurements, or nil.
func (r *Results) Module(name string) *Module {
	for _, m := range r.Modules {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Write writes dir/name.md and dir/name.json.
func (r *Results) Write(dir, name string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		ext   string
		write func(io.Writer) error
	}{
		{".md", r.WriteMarkdown},
		{".json", func(w io.Writer) error {
			e := json.NewEncoder(w)
			e.SetIndent("", "  ")
			return e.Encode(r)
		}},
	} {
		p := filepath.Join(dir, name+f.ext)
		if err := report.WriteFile(p, f.write); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "wrote", p)
	}
	return nil
}

// WriteMarkdown writes the tables.
func (r *Results) WriteMarkdown(w io.Writer) error {
	h, t := r.Host, r.Target
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# %s cross-compiled, run under qemu (%s, %s host)\n\n", t, r.Date.Format("2006-01-02"), h)
	p("Command: `%s`. %s; %s; %s. Machine: %s, %d cores, load %s.\n\n",
		strings.TrimSpace(r.Command), r.Compiler, r.Qemu, r.Wazero, r.Machine.CPU, r.Machine.Cores, r.Machine.LoadAvg)
	p("Output: the %s artifact (`wasiaot build --target %s`, in-process) run by a GOARCH=%s wasiaot under qemu with the bench's arguments and stdin (scale %g), its stdout SHA-256 (Go benchmarks: names and PASS/FAIL) and exit code against the native build's. ", t, t, t, r.Scale)
	p("Code: `.text` bytes of the artifacts (functions, stubs, padding); wazero: its optimizing compiler's executable for %s (function bodies, each at a 16-byte boundary; shared helpers and entry preambles not counted), compiled under qemu. ", t)
	p("Compile: CPU time (user+system, all threads) of compiler.Compile in-process on this %s host, OptLevel 2, median of %d per target, the targets alternating. qemu run times are not performance figures and are not reported.\n\n", h, r.Reps)

	p("| program | output match | .text %s | .text %s | wazero %s | %s/%s | %s/wazero | compile CPU %s | compile CPU %s | %s/%s compile |\n", h, t, t, t, h, t, h, t, t, h)
	p("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, row := range r.Rows {
		match := string(row.Status)
		if row.Detail != "" {
			match += " (" + row.Detail + ")"
		}
		m := r.Module(row.Module)
		if m == nil {
			p("| %s | %s | | | | | | | | |\n", row.Workload, match)
			continue
		}
		ch, ct := median(m.HostCompileCPU), median(m.TargetCompileCPU)
		wz, wzRatio := "n/a", "n/a"
		if m.WazeroError == "" {
			wz, wzRatio = fmt.Sprint(m.WazeroCode), ratio(m.Target.Text, m.WazeroCode)
		}
		p("| %s | %s | %d | %d | %s | %s | %s | %s | %s | %s |\n", row.Workload, match,
			m.Host.Text, m.Target.Text, wz, ratio(m.Target.Text, m.Host.Text), wzRatio,
			ms(ch), ms(ct), ratio(int64(ct), int64(ch)))
	}
	p("\nPer module: wasm size, code of the defined functions alone (no stubs, no padding), compile CPU range (min–max of %d).\n\n", r.Reps)
	p("| module | wasm | functions %s | functions %s | %s functions / wazero | compile CPU %s | compile CPU %s |\n", h, t, t, h, t)
	p("|---|--:|--:|--:|--:|--:|--:|\n")
	for _, m := range r.Modules {
		wzRatio := "n/a"
		if m.WazeroError == "" {
			wzRatio = ratio(m.Target.Funcs, m.WazeroCode)
		}
		p("| %s | %d | %d | %d | %s | %s | %s |\n", m.Name, m.WasmBytes, m.Host.Funcs, m.Target.Funcs, wzRatio,
			msRange(m.HostCompileCPU), msRange(m.TargetCompileCPU))
	}
	for _, m := range r.Modules {
		if m.WazeroError != "" {
			p("\nwazero on %s: %s\n", m.Name, m.WazeroError)
		}
	}
	return nil
}

func ratio(a, b int64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

func msRange(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n/a"
	}
	lo, hi := ds[0], ds[0]
	for _, d := range ds {
		lo, hi = min(lo, d), max(hi, d)
	}
	return fmt.Sprintf("%.0f–%.0f ms", float64(lo)/float64(time.Millisecond), float64(hi)/float64(time.Millisecond))
}
