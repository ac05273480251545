// Package testsuite runs the official WebAssembly spec suite (wast2json form) through wasiaot's
// public API, exactly as an embedder would, and reports per file and in total.
package testsuite

import (
	"fmt"
	"io"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"

	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// Suite is one directory of the corpus and the feature set its modules are written for.
type Suite struct {
	Name     string
	Features wasm.Features
	// CPU is the CPU features the code is compiled for (compiler.Options.CPU; 0: the
	// default level).
	CPU artifact.Features
}

// Suites are the spec suites wasiaot is held to.
var Suites = []Suite{
	{Name: "v1", Features: wasm.FeaturesV1},
	{Name: "v2", Features: wasm.FeaturesV2},
	{Name: "tail-call", Features: wasm.FeaturesV2 | wasm.FeatureTailCall},
	{Name: "extended-const", Features: wasm.FeaturesV2 | wasm.FeatureExtendedConst},
}

// Result counts the outcomes of commands. NotRun counts commands that need execution, which
// the harness cannot do yet; they are reported, never counted as passed.
type Result struct {
	Passed, Failed, Skipped, NotRun int
	Failures                        []string // "file:line: what went wrong"
	SkippedNames                    []string // "file:line: why"
}

func (r *Result) add(o *Result) {
	r.Passed += o.Passed
	r.Failed += o.Failed
	r.Skipped += o.Skipped
	r.NotRun += o.NotRun
	r.Failures = append(r.Failures, o.Failures...)
	r.SkippedNames = append(r.SkippedNames, o.SkippedNames...)
}

// Summary is the closing line format: "N passed, N failed, N skipped".
func (r *Result) Summary() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", r.Passed, r.Failed, r.Skipped)
}

// Check decodes and validates one module; it is the front half of the pipeline every command
// goes through.
func Check(bin []byte, f wasm.Features) error {
	m, err := wasm.Decode(bin, f)
	if err != nil {
		return err
	}
	return validate.Validate(m, f)
}

// RunScript runs every command of one script. Without execute, only the frontend is judged
// (modules decode and validate, invalid and malformed ones are rejected) and commands that need
// execution are counted as not run. With execute, every module also goes through the real
// pipeline (compile to an artifact, load, instantiate) and every action runs.
func RunScript(s *Script, f wasm.Features, execute bool) *Result {
	return runScript(s, Suite{Features: f}, execute)
}

// runScript is RunScript for the modules of a suite, compiled for its CPU level.
func runScript(s *Script, suite Suite, execute bool) *Result {
	f := suite.Features
	r := &Result{}
	loc := func(c *Command) string { return fmt.Sprintf("%s:%d", s.Name(), c.Line) }
	fail := func(c *Command, format string, args ...any) {
		r.Failed++
		r.Failures = append(r.Failures, loc(c)+": "+c.Type+": "+fmt.Sprintf(format, args...))
	}
	var sess *session
	if execute {
		var err error
		if sess, err = newSession(f, suite.CPU); err != nil {
			r.Failed++
			r.Failures = append(r.Failures, s.Name()+": "+err.Error())
			return r
		}
		defer sess.close()
	}
	run := func(c *Command) {
		problem, skip := sess.execute(s, c)
		switch {
		case skip != "":
			r.Skipped++
			r.SkippedNames = append(r.SkippedNames, loc(c)+": "+c.Type+": "+skip)
		case problem != "":
			fail(c, "%s", problem)
		default:
			r.Passed++
		}
	}
	for i := range s.Commands {
		c := &s.Commands[i]
		switch c.Type {
		case "module":
			bin, err := s.ModuleBytes(c)
			if err != nil {
				fail(c, "%v", err)
				continue
			}
			if err := Check(bin, f); err != nil {
				fail(c, "%s rejected: %v", c.Filename, err)
				if sess != nil {
					sess.current, sess.unsupported = nil, ""
				}
				continue
			}
			if !execute {
				r.Passed++
				continue
			}
			run(c)
		case "assert_invalid", "assert_malformed":
			src, err := s.ModuleBytes(c)
			if err != nil {
				fail(c, "%v", err)
				continue
			}
			bin := src
			if c.ModuleType == "text" {
				// A text module is rejected either by the text parser (malformed) or, once
				// parsed, by the validator (invalid).
				if bin, err = wat.Parse(src, f); err != nil {
					r.Passed++
					continue
				}
			}
			if err := Check(bin, f); err == nil {
				fail(c, "%s accepted, want rejection with %q", c.Filename, c.Text)
				continue
			}
			r.Passed++
		default:
			// assert_return, assert_trap, assert_exhaustion, assert_unlinkable,
			// assert_uninstantiable, register, action: they need execution.
			if !execute {
				r.NotRun++
				continue
			}
			run(c)
		}
	}
	return r
}

// FileResult is the result of one script.
type FileResult struct {
	File string
	*Result
}

// FilePattern, when set, limits the scripts RunSuite runs to those whose base name matches it
// (filepath.Match, e.g. "simd_*"): a way to iterate on a few files under an emulator.
var FilePattern string

// RunSuite runs every script of a suite, in file name order, and returns per-file results and
// the total.
func RunSuite(s Suite, execute bool) ([]FileResult, *Result, error) {
	dir, err := SuiteDir(s.Name)
	if err != nil {
		return nil, nil, err
	}
	pattern := "*.json"
	if FilePattern != "" {
		pattern = strings.TrimSuffix(FilePattern, ".json") + ".json"
	}
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("spec suite %q: no .json files in %s", s.Name, dir)
	}
	sort.Strings(files)
	// Scripts are independent: run them on all cores, report in file order.
	per := make([]FileResult, len(files))
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < goruntime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sc, err := LoadScript(files[i])
				if err != nil {
					errs[i] = err
					continue
				}
				per[i] = FileResult{File: s.Name + "/" + filepath.Base(files[i]), Result: runScript(sc, s, execute)}
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	total := &Result{}
	for i := range per {
		if errs[i] != nil {
			return nil, nil, errs[i]
		}
		total.add(per[i].Result)
	}
	return per, total, nil
}

// Report writes the per-file lines, the failures, and the total line for several suites.
// It returns the grand total.
func Report(w io.Writer, suites []Suite, execute, verbose bool) (*Result, error) {
	grand := &Result{}
	for _, s := range suites {
		per, total, err := RunSuite(s, execute)
		if err != nil {
			return nil, err
		}
		for _, fr := range per {
			fmt.Fprintf(w, "%-45s %s (%d not run)\n", fr.File+":", fr.Summary(), fr.NotRun)
		}
		fmt.Fprintf(w, "%-45s %s (%d not run)\n", s.Name+" total:", total.Summary(), total.NotRun)
		grand.add(total)
	}
	for _, f := range grand.Failures {
		fmt.Fprintln(w, "FAIL", f)
	}
	if verbose {
		for _, f := range grand.SkippedNames {
			fmt.Fprintln(w, "skip", f)
		}
	}
	if grand.NotRun > 0 {
		fmt.Fprintf(w, "not run (need execution): %d\n", grand.NotRun)
	}
	fmt.Fprintf(w, "spectest: %s\n", grand.Summary())
	return grand, nil
}

// SuitesNamed picks suites by comma-separated name ("" means all).
func SuitesNamed(names string) ([]Suite, error) {
	if names == "" {
		return Suites, nil
	}
	var out []Suite
	for _, n := range strings.Split(names, ",") {
		found := false
		for _, s := range Suites {
			if s.Name == n {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown spec suite %q", n)
		}
	}
	return out, nil
}

// ForEachModule decodes and validates every module a suite defines with a "module" command and
// hands it to fn with a name such as "v2/i32.json:i32.0.wasm". Compiler stages use it to run
// over the whole corpus.
func ForEachModule(s Suite, fn func(name string, m *wasm.Module)) error {
	dir, err := SuiteDir(s.Name)
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("spec suite %q: no .json files in %s", s.Name, dir)
	}
	sort.Strings(files)
	for _, file := range files {
		sc, err := LoadScript(file)
		if err != nil {
			return err
		}
		for i := range sc.Commands {
			c := &sc.Commands[i]
			if c.Type != "module" || c.ModuleType == "text" {
				continue
			}
			bin, err := sc.ModuleBytes(c)
			if err != nil {
				return err
			}
			name := sc.Name() + ":" + c.Filename
			m, err := wasm.Decode(bin, s.Features)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if err := validate.Validate(m, s.Features); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			fn(name, m)
		}
	}
	return nil
}
