package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wasiaot/wasiaot/bench/internal/engine"
	"github.com/wasiaot/wasiaot/bench/internal/harness"
	"github.com/wasiaot/wasiaot/bench/internal/stats"
	"github.com/wasiaot/wasiaot/bench/internal/workload"
)

// Baseline is the engine every ratio is relative to.
const Baseline = "native"

// phase picks one duration out of a sample.
type phase func(engine.Sample) time.Duration

func execPhase(s engine.Sample) time.Duration        { return s.Exec() }
func instantiatePhase(s engine.Sample) time.Duration { return s.Instantiate }

// summary summarises one phase of a cell's samples.
func summary(c *harness.Cell, ph phase) stats.Summary {
	ds := make([]time.Duration, len(c.Samples))
	for i, s := range c.Samples {
		ds[i] = ph(s)
	}
	return stats.Summarize(ds)
}

// Ratio returns the median execution time of (w, e) over native's, NaN
// when either is missing or not OK.
func (r *Report) Ratio(w, e string) float64 {
	c, b := r.Outcome.Cell(w, e), r.Outcome.Cell(w, Baseline)
	if c == nil || b == nil || c.Status != harness.OK || b.Status != harness.OK || len(c.Samples) == 0 || len(b.Samples) == 0 {
		return math.NaN()
	}
	return stats.Ratio(summary(c, execPhase).Median, summary(b, execPhase).Median)
}

// FormatSeconds prints d in seconds with three significant digits, or in
// milliseconds below one millisecond.
func FormatSeconds(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s >= 100:
		return fmt.Sprintf("%.0f s", s)
	case s >= 0.001:
		return strconv.FormatFloat(s, 'g', 3, 64) + " s"
	default:
		return strconv.FormatFloat(s*1e3, 'g', 2, 64) + " ms"
	}
}

// FormatRatio prints a ratio to native such as "1.42×".
func FormatRatio(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case x >= 100:
		return fmt.Sprintf("%.0f×", x)
	case x >= 10:
		return fmt.Sprintf("%.1f×", x)
	default:
		return fmt.Sprintf("%.2f×", x)
	}
}

// notes collects failure explanations, numbered once each.
type notes struct{ list []string }

func (n *notes) ref(text string) int {
	for i, t := range n.list {
		if t == text {
			return i + 1
		}
	}
	n.list = append(n.list, text)
	return len(n.list)
}

// cellProblem renders a cell that has no timings, or "" when it has.
func cellProblem(c *harness.Cell, n *notes) string {
	if c == nil {
		return "–"
	}
	switch c.Status {
	case harness.OK:
		if len(c.Samples) == 0 {
			return "–"
		}
		return ""
	case harness.Capped:
		return "cap " + c.Detail
	}
	label := map[harness.Status]string{harness.Wrong: "WRONG", harness.Failed: "FAIL", harness.Unavailable: "not built", harness.Skipped: "n/a"}[c.Status]
	return fmt.Sprintf("%s [%d]", label, n.ref(fmt.Sprintf("%s on %s: %s", c.Workload, c.Engine, c.Detail)))
}

// WriteMarkdown writes the tables.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	cols := r.Columns()
	fmt.Fprintf(&b, "# Benchmarks %s\n\n", r.Date.Format("2006-01-02 15:04 MST"))
	m := r.Machine
	fmt.Fprintf(&b, "Machine: %s, %d cores, Linux %s, %s, %s; load average at start %s.\n\n", m.CPU, m.Cores, m.Kernel, m.OS, m.GoVersion, m.LoadAvg)
	fmt.Fprintf(&b, "Engines:\n\n")
	for _, e := range r.Engines {
		if e.Unavailable != "" {
			fmt.Fprintf(&b, "- %s: not run: %s\n", e.Name, e.Unavailable)
			continue
		}
		slow := ""
		if e.Slow {
			slow = fmt.Sprintf(" — slow: %d repetition(s), cap %gs", r.Config.SlowReps, r.Config.SlowTimeout)
		}
		fmt.Fprintf(&b, "- %s: %s%s\n", e.Name, e.Version, slow)
	}
	warm := ""
	if r.Config.Warmup {
		warm = ", after one untimed warm-up run per fast engine"
	}
	fmt.Fprintf(&b, "\nSettings: %d repetitions%s, interleaved (engine order rotates each repetition), time cap %gs per run, size scale %g.\n",
		r.Config.Reps, warm, r.Config.TimeoutS, r.Config.Scale)
	fmt.Fprintf(&b, "Every run's stdout (and exit code) is checked against native's; a wrong answer is shown, never timed.\n\n")

	var n notes
	runs := false // a workload that runs, not only compiled
	for _, wi := range r.Workloads {
		runs = runs || wi.Group != workload.GroupCompile
	}
	if runs {
		b.WriteString("## Execution time: instantiate + run\n\n")
		b.WriteString("Median, in parentheses the ratio to native. Native is the whole process (exec to exit). " +
			"Compilation is excluded here and shown below.\n\n")
		r.table(&b, cols, &n, true, func(c *harness.Cell) string {
			s := summary(c, execPhase)
			if c.Engine == Baseline {
				return FormatSeconds(s.Median)
			}
			return fmt.Sprintf("%s (%s)", FormatSeconds(s.Median), FormatRatio(r.Ratio(c.Workload, c.Engine)))
		})

		b.WriteString("\n## Spread of execution time: min – max\n\n")
		fmt.Fprintf(&b, "Over %d timed repetitions (%d for slow engines).\n\n", r.Config.Reps, r.Config.SlowReps)
		r.table(&b, cols, &n, false, func(c *harness.Cell) string {
			s := summary(c, execPhase)
			return fmt.Sprintf("%s – %s", FormatSeconds(s.Min), FormatSeconds(s.Max))
		})

	}

	var wasmCols []EngineInfo
	for _, e := range cols {
		if e.Name != Baseline {
			wasmCols = append(wasmCols, e)
		}
	}
	b.WriteString("\n## Compile time (median)\n\n")
	if n := r.Config.CompileReps; n > 0 {
		fmt.Fprintf(&b, "In a compile phase before each workload's runs, every engine that can compile apart from running (wasiaot, wazero, wasmtime) compiles the module from scratch once untimed, then %d time(s), the engines taking turns; the cell is the median. ", n)
	}
	b.WriteString("Other engines, or without a compile phase: wasmtime: Cranelift compile to serialized code; node: V8 baseline (Liftoff) compile, optimized tier-up happens during the run; " +
		"wasm2c: wasm2c + gcc -O2, once per module (the binary is reused); wasiaot: compiler.Compile to an artifact, once per module; engines that cannot separate the phase, and compile-once engines on a workload whose module an earlier one already compiled (the decompress runs), show –.\n\n")
	b.WriteString("In parentheses the CPU time (user + system, every thread of the bench process) during the same compiles, median: " +
		"the engines compile in-process, and CPU time above wall time is work done in parallel. " +
		"The " + workload.GroupCompile + " rows are modules that are compiled only (they import host functions beyond WASI).\n\n")
	r.rows(&b, wasmCols, &n, false, true, func(c *harness.Cell) string {
		if len(c.Compiles) > 0 {
			wall := FormatSeconds(stats.Summarize(c.Compiles).Median)
			if len(c.CompileCPU) == len(c.Compiles) {
				return wall + " (CPU " + FormatSeconds(stats.Summarize(c.CompileCPU).Median) + ")"
			}
			return wall
		}
		// Engines that compile once report it on one sample only.
		var ds []time.Duration
		for _, s := range c.Samples {
			if s.Compile > 0 {
				ds = append(ds, s.Compile)
			}
		}
		if len(ds) == 0 {
			return "–"
		}
		return FormatSeconds(stats.Summarize(ds).Median)
	})
	if runs {
		b.WriteString("\n## Instantiation time (median)\n\n")
		b.WriteString("wasmtime includes deserializing the precompiled module; wasiaot includes loading (mapping) the artifact file.\n\n")
		r.table(&b, wasmCols, &n, false, func(c *harness.Cell) string {
			if !c.Samples[0].Split {
				return "–"
			}
			return FormatSeconds(summary(c, instantiatePhase).Median)
		})

	}
	b.WriteString("\n## Workloads\n\n")
	for _, wi := range r.Workloads {
		note := ""
		if wi.Note != "" {
			note = " — " + wi.Note
		}
		args := "no args"
		if len(wi.Args) > 0 {
			args = "args `" + strings.Join(wi.Args, " ") + "`"
		}
		fmt.Fprintf(&b, "- %s (%s): %s, output check %s%s\n", wi.Name, wi.Group, args, wi.Check, note)
	}
	if len(n.list) > 0 {
		b.WriteString("\n## Notes on cells\n\n")
		for i, t := range n.list {
			fmt.Fprintf(&b, "%d. %s\n", i+1, t)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// table writes one Markdown table with a row per workload (the workloads
// that only compile only in the compile table); with geo, each group ends
// with a geometric-mean-of-ratios row.
func (r *Report) table(b *strings.Builder, cols []EngineInfo, n *notes, geo bool, cell func(*harness.Cell) string) {
	r.rows(b, cols, n, geo, false, cell)
}

func (r *Report) rows(b *strings.Builder, cols []EngineInfo, n *notes, geo, compileOnly bool, cell func(*harness.Cell) string) {
	b.WriteString("| workload |")
	for _, c := range cols {
		b.WriteString(" " + c.Name + " |")
	}
	b.WriteString("\n| --- |" + strings.Repeat(" ---: |", len(cols)) + "\n")
	for _, g := range workload.Groups {
		if g == workload.GroupCompile && !compileOnly {
			continue
		}
		rows := 0
		for _, wi := range r.Workloads {
			if wi.Group != g {
				continue
			}
			rows++
			b.WriteString("| " + wi.Name + " |")
			for _, col := range cols {
				c := r.Outcome.Cell(wi.Name, col.Name)
				txt := cellProblem(c, n)
				if g == workload.GroupCompile && c != nil && c.Status == harness.OK && len(c.Compiles) > 0 {
					txt = "" // compiled only: no samples
				}
				if txt == "" {
					txt = cell(c)
				}
				b.WriteString(" " + txt + " |")
			}
			b.WriteString("\n")
		}
		if geo && rows > 0 {
			b.WriteString("| **geomean " + g + "** |")
			for _, col := range cols {
				var rs []float64
				for _, wi := range r.Workloads {
					if wi.Group == g {
						rs = append(rs, r.Ratio(wi.Name, col.Name))
					}
				}
				ok := 0
				for _, x := range rs {
					if !math.IsNaN(x) {
						ok++
					}
				}
				txt := "**" + FormatRatio(stats.GeoMean(rs)) + "**"
				if ok < len(rs) {
					txt += fmt.Sprintf(" (%d of %d)", ok, len(rs))
				}
				b.WriteString(" " + txt + " |")
			}
			b.WriteString("\n")
		}
	}
}
