package difftest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Generator names.
const (
	GenTTF = "ttf" // binaryen's wasm-opt -ttf
	GenOwn = "gen" // Generate, this package's generator
)

// Config is one campaign.
type Config struct {
	Seed     uint64        // first seed; module k uses Seed+k
	Modules  int           // stop after this many modules (0: no limit)
	Duration time.Duration // stop after this long (0: no limit)
	// Generators take turns, module by module ([GenTTF, GenOwn] if nil).
	Generators []string
	// Dir holds scratch files and, in Dir/findings, every mismatch.
	Dir  string
	Pool *Pool
	Log  io.Writer // progress lines; nil for none
	// Reduce runs wasm-reduce on each finding (minutes each).
	Reduce bool
}

// Stats counts what a campaign did.
type Stats struct {
	Modules    int            // modules generated and planned
	Compared   int            // modules compared against the reference
	Skipped    map[string]int // modules not compared, by reason
	Executions int            // wasiaot module-executions: exports × levels
	RefCalls   int            // reference calls
	ByGen      map[string]int // compared modules by generator
	Features   map[string]int // compared modules using each feature
	Outcomes   map[string]int // reference calls of compared modules: returned or trap class
	RefBugs    map[string]int // runs explained by a known reference bug
	Findings   []Finding
	Elapsed    time.Duration
}

// Finding is one module on which wasiaot differed from the reference.
type Finding struct {
	Seed       uint64
	Generator  string
	Mismatches []Mismatch
	Dir        string // where module.wasm, outcomes and the report are
}

// GenerateWith makes module seed with the named generator.
func GenerateWith(gen, dir string, seed uint64) ([]byte, error) {
	switch gen {
	case GenTTF:
		return TTF(dir, seed)
	case GenOwn:
		return Generate(seed), nil
	}
	return nil, fmt.Errorf("unknown generator %q", gen)
}

// Campaign generates modules and compares wasiaot at every level with the
// reference until Modules or Duration is reached.
func Campaign(cfg Config) (*Stats, error) {
	gens := cfg.Generators
	if len(gens) == 0 {
		gens = []string{GenTTF, GenOwn}
	}
	scratch := filepath.Join(cfg.Dir, "scratch")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, err
	}
	st := &Stats{Skipped: map[string]int{}, ByGen: map[string]int{}, Features: map[string]int{}, Outcomes: map[string]int{}, RefBugs: map[string]int{}}
	start := time.Now()
	lastLog := start
	for k := 0; cfg.Modules == 0 || k < cfg.Modules; k++ {
		if cfg.Duration > 0 && time.Since(start) > cfg.Duration {
			break
		}
		seed := cfg.Seed + uint64(k)
		gen := gens[k%len(gens)]
		f, err := RunOne(cfg, st, gen, scratch, seed)
		if err != nil {
			return st, err
		}
		if f != nil {
			st.Findings = append(st.Findings, *f)
			if cfg.Log != nil {
				fmt.Fprintf(cfg.Log, "FINDING seed %d (%s): %s\n  saved in %s\n", seed, gen, f.Mismatches[0], f.Dir)
			}
		}
		if cfg.Log != nil && time.Since(lastLog) > 30*time.Second {
			lastLog = time.Now()
			fmt.Fprintf(cfg.Log, "%v: %d modules, %d compared, %d module-executions, %d findings\n",
				time.Since(start).Round(time.Second), st.Modules, st.Compared, st.Executions, len(st.Findings))
		}
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// RunOne generates, runs and compares one module, updating st; it
// returns the finding, if any, saved under cfg.Dir/findings.
func RunOne(cfg Config, st *Stats, gen, scratch string, seed uint64) (*Finding, error) {
	bin, err := GenerateWith(gen, scratch, seed)
	if err != nil {
		// binaryen itself failing on some input is no finding, and no
		// reason to stop.
		st.Skipped["generator failed: "+firstLine(err.Error())]++
		return nil, nil
	}
	st.Modules++
	plan, err := NewPlan(bin, seed)
	if err != nil {
		if gen == GenOwn {
			// The generator makes valid modules by construction.
			return saveFinding(cfg, gen, seed, bin, nil, []Mismatch{{Engine: "generator", Kind: "invalid", Detail: err.Error()}})
		}
		st.Skipped["invalid or unsupported module: "+firstLine(err.Error())]++
		return nil, nil
	}
	if reason := simdUnsupported(); reason != "" && usesSIMD(bin) {
		// Counted, not compared: the reference would run them alone.
		st.Skipped["v128 module: "+reason]++
		return nil, nil
	}
	if gen == GenTTF {
		zeroAllArgs(plan) // binaryen's interpreter, the third opinion, calls with zeros
	}
	outs, mm, skip, err := Execute(cfg.Pool, bin, plan)
	if err != nil {
		return nil, err
	}
	st.RefCalls += len(outs[0].Calls)
	if skip != "" {
		st.Skipped[skip]++
		return nil, nil
	}
	st.Compared++
	st.ByGen[gen]++
	for _, f := range FeaturesOf(bin) {
		st.Features[f]++
	}
	for _, o := range outs[1:] {
		st.Executions += len(o.Calls)
	}
	for _, c := range outs[0].Calls {
		if c.Trap == "" {
			st.Outcomes["returned"]++
		} else {
			st.Outcomes["trap: "+c.Trap]++
		}
	}
	for _, b := range RefBugs {
		if w, err := b.Workaround(bin); err == nil && w != nil {
			st.RefBugs[b.ID+" (workaround applied)"]++
		}
	}
	if len(mm) == 0 {
		return nil, nil
	}
	if gen == GenTTF && vectorNaNs(bin) {
		// Binaryen's --denan leaves vectors alone: a NaN lane of a float
		// vector op, whose bits the spec leaves open, may reach memory,
		// logs or integers. Counted, not reported (the own generator
		// covers these ops with its NaN lanes zeroed).
		st.Skipped["binaryen module with float vector arithmetic differs (its vector NaN bits are open)"]++
		return nil, nil
	}
	f, err := saveFinding(cfg, gen, seed, bin, outs, mm)
	if err != nil || !cfg.Reduce {
		return f, err
	}
	if err := Reduce(f.Dir, cfg.Log); err != nil && cfg.Log != nil {
		fmt.Fprintf(cfg.Log, "reduce %s: %v\n", f.Dir, err)
	}
	return f, nil
}

func zeroAllArgs(p *Plan) {
	for i := range p.Calls {
		clear(p.Calls[i].Args)
	}
}

// Execute runs plan in the reference and in wasiaot at every level and
// compares them. outs[0] is the reference. skip says why the module is
// not comparable, when it is not.
func Execute(pool *Pool, bin []byte, plan *Plan) (outs []*Outcome, mm []Mismatch, skip string, err error) {
	ref, err := pool.Run(RefEngine, referenceModule(bin), plan)
	if err != nil {
		return nil, nil, "", err
	}
	outs = append(outs, ref)
	comparableAll := true
	engines := make([]string, 0, len(Levels)+1)
	for _, l := range Levels {
		engines = append(engines, EngineName(l))
	}
	if CPUEngine != "" {
		engines = append(engines, CPUEngine)
	}
	for _, engine := range engines {
		got, err := pool.Run(engine, bin, plan)
		if err != nil {
			return nil, nil, "", err
		}
		outs = append(outs, got)
		m, ok := Compare(plan, ref, got)
		mm = append(mm, m...)
		if !ok {
			comparableAll = false
		}
	}
	if len(mm) == 0 && !comparableAll {
		switch {
		case ref.Crash != "":
			skip = "reference crashed"
		case ref.Unsupported != "" || outs[1].Unsupported != "":
			// The innermost reason, without function and offset, so
			// that modules count under one reason.
			skip = innermostUnsupported(ref.Unsupported + outs[1].Unsupported)
		default:
			skip = "reference rejects: " + firstLine(ref.Err)
		}
	}
	sort.SliceStable(mm, func(i, j int) bool { return mm[i].Severity() < mm[j].Severity() })
	return outs, mm, skip, nil
}

// innermostUnsupported is the last "not supported: ..." of an error's
// first line, without the function and offset around it.
func innermostUnsupported(s string) string {
	s = firstLine(s)
	if i := strings.LastIndex(s, "not supported: "); i >= 0 {
		return s[i:]
	}
	return "not supported: " + s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// saveFinding writes module.wasm, the seed and generator, the outcomes
// and a report into a directory of its own under cfg.Dir/findings.
func saveFinding(cfg Config, gen string, seed uint64, bin []byte, outs []*Outcome, mm []Mismatch) (*Finding, error) {
	dir := filepath.Join(cfg.Dir, "findings", fmt.Sprintf("%s-%d", gen, seed))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "module.wasm"), bin, 0o644); err != nil {
		return nil, err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "generator %s seed %d\n", gen, seed)
	fmt.Fprintf(&sb, "reproduce: go test ./testsuite/difftest -run '^TestCampaign$' -args -difftest.gen=%s -difftest.seed=%d -difftest.modules=1\n", gen, seed)
	for _, m := range mm {
		fmt.Fprintf(&sb, "%s\n", m)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte(sb.String()), 0o644); err != nil {
		return nil, err
	}
	if outs != nil {
		b, _ := json.MarshalIndent(outs, "", " ")
		if err := os.WriteFile(filepath.Join(dir, "outcomes.json"), b, 0o644); err != nil {
			return nil, err
		}
	}
	return &Finding{Seed: seed, Generator: gen, Mismatches: mm, Dir: dir}, nil
}

// Signature is a stable summary of a module's mismatches: the engines and
// kinds, without values, so that a reduction keeps the same bug.
func Signature(mm []Mismatch) string {
	var parts []string
	for _, m := range mm {
		s := m.Engine + " " + m.Kind
		if m.Kind == "trap" || m.Kind == "hang" {
			// The trap classes on both sides, not the call index.
			if _, rest, ok := strings.Cut(m.Detail, ": "); ok {
				s += ": " + rest
			}
		}
		if m.Kind == "compile" || m.Kind == "crash" {
			s += ": " + errorShape(m.Detail)
		}
		parts = append(parts, s)
	}
	slices.Sort(parts)
	return strings.Join(slices.Compact(parts), "\n")
}

// errorShape keeps the words of an error and drops its numbers and
// names, which change as a module shrinks.
func errorShape(s string) string {
	s = firstLine(s)
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	var sb strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
