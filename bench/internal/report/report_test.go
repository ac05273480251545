package report

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/vg"

	"github.com/wasiaot/wasiaot/bench/internal/engine"
	"github.com/wasiaot/wasiaot/bench/internal/harness"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

func wasmRuns(ms ...int) []engine.Sample {
	var out []engine.Sample
	for _, m := range ms {
		out = append(out, engine.Sample{Compile: 20 * time.Millisecond, Instantiate: time.Millisecond,
			Run: time.Duration(m)*time.Millisecond - time.Millisecond, Split: true})
	}
	return out
}

func nativeRuns(ms ...int) []engine.Sample {
	var out []engine.Sample
	for _, m := range ms {
		out = append(out, engine.Sample{Run: time.Duration(m) * time.Millisecond})
	}
	return out
}

// sampleReport has two groups, each cell status, and an unavailable engine.
func sampleReport() *Report {
	return &Report{
		Date:    time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC),
		Machine: Machine{CPU: "Test CPU", Cores: 2, Kernel: "6.1.0", OS: "linux/amd64", GoVersion: "go1.26", LoadAvg: "0.1 0.2 0.3"},
		Config:  Config{Reps: 3, SlowReps: 1, TimeoutS: 120, SlowTimeout: 20, Scale: 1, Warmup: true, CompileReps: 2},
		Engines: []EngineInfo{
			{Name: "native", Version: "gcc"},
			{Name: "fast", Version: "fast 1.0"},
			{Name: "slowpoke", Version: "interp 0.1", Slow: true},
			{Name: "absent", Unavailable: "binary not found"},
		},
		Workloads: []WorkloadInfo{
			{Name: "c-one", Group: "C", Args: []string{"-9"}, Check: "exact", Note: "first"},
			{Name: "c-two", Group: "C", Args: nil, Check: "exact"},
			{Name: "m-one", Group: "micro", Args: []string{"100"}, Check: "exact"},
			{Name: "big", Group: "compile", Args: nil, Check: "exact", Note: "compiled only"},
		},
		Outcome: &harness.Outcome{Cells: []*harness.Cell{
			{Workload: "c-one", Engine: "native", Status: harness.OK, Samples: nativeRuns(100, 110, 90)},
			{Workload: "c-one", Engine: "fast", Status: harness.OK, Samples: wasmRuns(200, 210, 190),
				Compiles: []time.Duration{3 * time.Millisecond, 5 * time.Millisecond}, CompileCPU: []time.Duration{5 * time.Millisecond, 9 * time.Millisecond}},
			{Workload: "c-one", Engine: "slowpoke", Status: harness.Capped, Detail: "> 20s"},
			{Workload: "c-two", Engine: "native", Status: harness.OK, Samples: nativeRuns(1000, 1000, 1000)},
			{Workload: "c-two", Engine: "fast", Status: harness.OK, Samples: wasmRuns(8000, 8000, 8000)},
			{Workload: "c-two", Engine: "slowpoke", Status: harness.Wrong, Detail: "stdout differs from native"},
			{Workload: "m-one", Engine: "native", Status: harness.OK, Samples: nativeRuns(1, 1, 1)},
			{Workload: "m-one", Engine: "fast", Status: harness.Failed, Detail: "run: trap"},
			{Workload: "m-one", Engine: "slowpoke", Status: harness.OK, Samples: wasmRuns(150)},
			{Workload: "big", Engine: "native", Status: harness.Skipped, Detail: "compiled only"},
			{Workload: "big", Engine: "fast", Status: harness.OK,
				Compiles: []time.Duration{2 * time.Second, 3 * time.Second}, CompileCPU: []time.Duration{3 * time.Second, 5 * time.Second}},
			{Workload: "big", Engine: "slowpoke", Status: harness.Skipped, Detail: "compiled only"},
		}},
	}
}

func TestMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteMarkdown(&b))
	golden := filepath.Join("testdata", "report.md")
	if *update {
		require.NoError(t, os.WriteFile(golden, b.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), b.String())
}

func TestRatio(t *testing.T) {
	r := sampleReport()
	assert.InDelta(t, 2.0, r.Ratio("c-one", "fast"), 1e-9)
	assert.InDelta(t, 8.0, r.Ratio("c-two", "fast"), 1e-9)
	assert.InDelta(t, 1.0, r.Ratio("c-one", "native"), 1e-9)
	assert.True(t, math.IsNaN(r.Ratio("c-one", "slowpoke")), "capped cell has no ratio")
	assert.True(t, math.IsNaN(r.Ratio("m-one", "fast")), "failed cell has no ratio")
	assert.True(t, math.IsNaN(r.Ratio("nope", "fast")))
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{123 * time.Second, "123 s"},
		{12345 * time.Millisecond, "12.3 s"},
		{1234 * time.Millisecond, "1.23 s"},
		{12 * time.Millisecond, "0.012 s"},
		{1234 * time.Microsecond, "0.00123 s"},
		{172 * time.Microsecond, "0.17 ms"},
	} {
		assert.Equal(t, tc.want, FormatSeconds(tc.d))
	}
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{math.NaN(), "–"}, {0.5, "0.50×"}, {1.234, "1.23×"}, {12.34, "12.3×"}, {123.4, "123×"},
	} {
		assert.Equal(t, tc.want, FormatRatio(tc.x))
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	require.NoError(t, r.WriteJSON(&b))
	assert.Contains(t, b.String(), `"run_ns": 199000000`)
	got, err := ReadJSON(&b)
	require.NoError(t, err)
	assert.True(t, got.Date.Equal(r.Date))
	got.Date = r.Date
	assert.Equal(t, r, got)
}

func TestChartSVG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chart.svg")
	require.NoError(t, sampleReport().SaveChart(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "<svg")
	assert.Contains(t, string(data), "c-two")
	assert.Contains(t, string(data), "slowpoke")
}

func TestChartNeedsData(t *testing.T) {
	r := sampleReport()
	r.Engines = r.Engines[:1]
	_, err := r.Chart(8 * vg.Inch)
	require.Error(t, err)
}

func TestRatioTicks(t *testing.T) {
	var labels []string
	for _, tk := range (ratioTicks{}).Ticks(-1, 2) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"0.1×", "1×", "10×", "100×"}, labels)
}

// A report of modules that are only compiled has the compile table and
// no execution or instantiation tables.
func TestMarkdownCompileOnly(t *testing.T) {
	r := sampleReport()
	r.Workloads = r.Workloads[3:] // big: compile group
	var b bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&b))
	assert.Contains(t, b.String(), "| big | 2.5 s (CPU 4 s) | n/a [1] |")
	assert.NotContains(t, b.String(), "## Execution time")
	assert.NotContains(t, b.String(), "## Instantiation time")
}
