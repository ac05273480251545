package difftest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Environment of a check run (see MaybeCheck): the module to check, the
// seed of its plan's arguments, and whether the arguments are all zero.
const (
	CheckEnv     = "WASIAOT_DIFFTEST_CHECK"
	CheckSeedEnv = "WASIAOT_DIFFTEST_CHECK_SEED"
	CheckZeroEnv = "WASIAOT_DIFFTEST_CHECK_ZERO"
)

// MaybeCheck turns the process into a check of one module when CheckEnv
// is set: it runs the module as a campaign would and prints the
// Signature of its mismatches (nothing when there are none), then exits.
// wasm-reduce uses it as its test command: a smaller module that prints
// the same signature still shows the same bug.
func MaybeCheck() {
	path := os.Getenv(CheckEnv)
	if path == "" {
		return
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		fmt.Println("unreadable")
		os.Exit(0)
	}
	seed, _ := strconv.ParseUint(os.Getenv(CheckSeedEnv), 10, 64)
	plan, err := NewPlan(bin, seed)
	if err != nil {
		fmt.Println("invalid")
		os.Exit(0)
	}
	if os.Getenv(CheckZeroEnv) != "" {
		zeroAllArgs(plan)
	}
	pool := &Pool{}
	defer pool.Close()
	_, mm, _, err := Execute(pool, bin, plan)
	if err != nil {
		fmt.Println("error")
		os.Exit(0)
	}
	fmt.Println(Signature(mm))
	pool.Close()
	os.Exit(0)
}

// Reduce shrinks the module of a finding with binaryen's wasm-reduce,
// keeping the signature of its mismatches, and writes reduced.wasm and
// reduced.wat next to it.
func Reduce(dir string, log io.Writer) error {
	if !HaveWasmOpt() {
		return fmt.Errorf("wasm-reduce (binaryen) is not installed")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	report, err := os.ReadFile(filepath.Join(dir, "report.txt"))
	if err != nil {
		return err
	}
	var gen string
	var seed uint64
	fmt.Sscanf(string(report), "generator %s seed %d", &gen, &seed)
	test := filepath.Join(dir, "reduce-test.wasm")
	work := filepath.Join(dir, "reduced.wasm")
	env := fmt.Sprintf("%s=%s %s=%d", CheckEnv, test, CheckSeedEnv, seed)
	if gen == GenTTF {
		env += " " + CheckZeroEnv + "=1"
	}
	wasmOpt, err := exec.LookPath("wasm-opt")
	if err != nil {
		return err
	}
	cmd := exec.Command("wasm-reduce", filepath.Join(dir, "module.wasm"), "-b", filepath.Dir(wasmOpt),
		"--command=env "+env+" "+exe+" -test.run=^$",
		"-t", test, "-w", work, "--timeout", "60",
		"--extra-flags="+strings.Join(append(slices.Clone(TTFFeatures), "--enable-simd"), " "))
	if log != nil {
		fmt.Fprintf(log, "reducing %s\n", dir)
	}
	out, err := cmd.CombinedOutput()
	_ = os.WriteFile(filepath.Join(dir, "reduce.log"), out, 0o644)
	os.Remove(test)
	if err != nil {
		return fmt.Errorf("wasm-reduce: %v (see reduce.log)", err)
	}
	wat, err := exec.Command("wasm-dis", work).Output()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "reduced.wat"), wat, 0o644); err != nil {
		return err
	}
	// How the reduced module becomes a regression test.
	f, err := os.OpenFile(filepath.Join(dir, "report.txt"), os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "reduced: %s (%s)\nregression test: copy reduced.wat to testsuite/difftest/testdata/regress/NAME.wat "+
		"with a comment saying what it found, wat2wasm it there; TestRegressions runs it\n",
		work, filepath.Join(dir, "reduced.wat"))
	return err
}
