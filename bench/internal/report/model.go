// Package report turns a harness outcome into the result files: a Markdown
// table, a JSON file with every raw sample, and a chart.
package report

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/wasiaot/wasiaot/bench/internal/harness"
)

// Report is the content of the JSON file; Markdown and chart derive from it.
type Report struct {
	Date      time.Time        `json:"date"`
	Machine   Machine          `json:"machine"`
	Config    Config           `json:"config"`
	Engines   []EngineInfo     `json:"engines"`
	Workloads []WorkloadInfo   `json:"workloads"`
	Outcome   *harness.Outcome `json:"outcome"`
}

// Machine describes the host.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	Kernel    string `json:"kernel"`
	OS        string `json:"os"`
	GoVersion string `json:"go_version"`
	LoadAvg   string `json:"load_average_at_start"`
}

// Config records the harness settings.
type Config struct {
	Reps        int     `json:"repetitions"`
	SlowReps    int     `json:"slow_repetitions"`
	TimeoutS    float64 `json:"time_cap_s"`
	SlowTimeout float64 `json:"slow_time_cap_s"`
	Scale       float64 `json:"scale"`
	Warmup      bool    `json:"warmup"`
	CompileReps int     `json:"compile_repetitions,omitempty"`
}

// EngineInfo describes one column, or an engine that could not be used.
type EngineInfo struct {
	Name        string `json:"name"`
	Version     string `json:"version,omitempty"`
	Slow        bool   `json:"slow,omitempty"`
	Unavailable string `json:"unavailable,omitempty"`
}

// WorkloadInfo describes one row.
type WorkloadInfo struct {
	Name  string   `json:"name"`
	Group string   `json:"group"`
	Args  []string `json:"args"`
	Check string   `json:"check"`
	Note  string   `json:"note,omitempty"`
}

// Columns returns the engines that ran, in column order.
func (r *Report) Columns() []EngineInfo {
	var cols []EngineInfo
	for _, e := range r.Engines {
		if e.Unavailable == "" {
			cols = append(cols, e)
		}
	}
	return cols
}

// DetectMachine reads the host description from /proc and uname.
func DetectMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	} else if out, err := exec.Command("uname", "-r").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}
