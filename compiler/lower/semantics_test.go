package lower_test

import (
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/testsuite"
)

// The lowered SSA of the spec suite's modules, run by the test
// interpreter, satisfies the suite's assert_return and assert_trap
// commands, SIMD included. Modules with imports, and assertions on
// references and scalar NaN patterns, are left to the end-to-end suite.
func TestSpecSemantics(t *testing.T) {
	dir, err := testsuite.SuiteDir("v2")
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	var passed, skipped, simd int
	for _, file := range files {
		s, err := testsuite.LoadScript(file)
		require.NoError(t, err)
		var x *instance
		for i := range s.Commands {
			c := &s.Commands[i]
			where := filepath.Base(file) + ":" + strconv.Itoa(c.Line)
			switch c.Type {
			case "module":
				x = nil
				if c.ModuleType == "text" || c.Name != "" {
					continue
				}
				data, err := s.ModuleBytes(c)
				require.NoError(t, err)
				m, err := wasm.Decode(data, wasm.FeaturesV2)
				require.NoError(t, err, where)
				require.NoError(t, validate.Validate(m, wasm.FeaturesV2), where)
				x, err = instantiate(m)
				if err != nil {
					require.ErrorIs(t, err, errUnsupported, where)
					x = nil
				}
			case "assert_return", "assert_trap", "action":
				if x == nil || c.Action == nil || c.Action.Type != "invoke" || c.Action.Module != "" {
					skipped++
					continue
				}
				res, err, ok := invoke(x, c.Action)
				if !ok || errors.Is(err, errUnsupported) {
					// The instance's state is unknown from here on.
					x = nil
					skipped++
					continue
				}
				switch c.Type {
				case "assert_trap":
					var te *trapError
					require.ErrorAs(t, err, &te, "%s: %s should trap (%s)", where, c.Action.Field, c.Text)
				case "assert_return":
					require.NoError(t, err, "%s: %s", where, c.Action.Field)
					if !checkResults(t, where, c.Expected, res) {
						skipped++
						continue
					}
				}
				passed++
				if strings.HasPrefix(filepath.Base(file), "simd_") {
					simd++
				}
			}
		}
	}
	t.Logf("%d assertions passed (%d of them SIMD), %d skipped", passed, simd, skipped)
	require.Greater(t, simd, 20000)
	require.Greater(t, passed, 10000)
}

// invoke runs an exported function; ok is false when its arguments or
// the export cannot be handled here.
func invoke(x *instance, a *testsuite.Action) ([]uint64, error, bool) {
	var fi uint32
	found := false
	for _, e := range x.m.Exports {
		if e.Kind == wasm.ExternFunc && e.Name == a.Field {
			fi, found = e.Index, true
		}
	}
	if !found {
		return nil, nil, false
	}
	var args []uint64
	for _, v := range a.Args {
		if v.Type == "v128" {
			b, err := testsuite.ParseArg(v)
			if err != nil {
				return nil, nil, false
			}
			args = append(args, b.Lo, b.Hi)
			continue
		}
		bits, ok := scalar(v)
		if !ok {
			return nil, nil, false
		}
		args = append(args, bits)
	}
	x.depth = 0
	res, err := x.call(fi, args)
	var te *trapError
	if errors.As(err, &te) && te.kind.String() == "stack_exhausted" {
		return nil, nil, false // the interpreter's depth limit, not wasm's
	}
	return res, err, true
}

// scalar decodes a numeric value as its bit pattern.
func scalar(v testsuite.Value) (uint64, bool) {
	var s string
	if json.Unmarshal(v.Value, &s) != nil {
		return 0, false
	}
	switch v.Type {
	case "i32", "i64", "f32", "f64":
	case "externref", "funcref":
		// References are index + 1, null is 0; only null funcrefs and
		// host externrefs can be written in a script.
		if s == "null" {
			return 0, true
		}
		n, err := strconv.ParseUint(s, 10, 32)
		return n + 1, err == nil && v.Type == "externref"
	default:
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// checkResults compares results; it returns false when the expectation is
// of a kind this test does not check.
func checkResults(t *testing.T, where string, want []testsuite.Value, got []uint64) bool {
	n := len(want)
	for _, w := range want {
		if w.Type == "v128" {
			n++
		}
	}
	require.Len(t, got, n, where)
	for i, w := range want {
		if w.Type == "v128" {
			p, err := testsuite.ParseExpected(w)
			require.NoError(t, err, where)
			ok, msg := p.Match(testsuite.Bits{Lo: got[i], Hi: got[i+1]})
			require.True(t, ok, "%s: result %d: %s", where, i, msg)
			got = append(got[:i+1], got[i+2:]...)
			continue
		}
		var s string
		if json.Unmarshal(w.Value, &s) != nil {
			return false
		}
		if strings.HasPrefix(s, "nan:") {
			switch w.Type {
			case "f32":
				require.True(t, math.IsNaN(float64(f32(got[i]))), "%s: result %d: want NaN", where, i)
			case "f64":
				require.True(t, math.IsNaN(f64(got[i])), "%s: result %d: want NaN", where, i)
			default:
				return false
			}
			continue
		}
		bits, ok := scalar(w)
		if !ok {
			return false
		}
		if w.Type == "i32" || w.Type == "f32" {
			got[i] = uint64(uint32(got[i]))
		}
		require.Equal(t, bits, got[i], "%s: result %d", where, i)
	}
	return true
}
