//go:build amd64 && linux

package compiler

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// specFiles are the spec suite scripts whose modules need no imports and
// whose checks this package's test loader can run (no memory faults, no
// deep recursion): numeric semantics, conversions, control flow.
var specFiles = []string{
	"i32", "i64", "f32", "f64", "f32_cmp", "f64_cmp", "f32_bitwise", "f64_bitwise",
	"conversions", "int_exprs", "int_literals", "float_exprs", "float_misc", "float_literals",
	"br_table", "br_if", "br", "select", "switch", "labels", "local_get", "local_set", "local_tee",
	"nop", "return", "unwind", "stack", "fac", "forward", "endianness", "traps", "left-to-right",
	"memory", "address", "store", "load", "call", "call_indirect", "global", "block", "loop", "if",
	"func", "unreachable", "memory_size", "memory_grow", "table_get", "table_set", "table_size",
	"ref_func", "ref_null", "ref_is_null", "bulk", "memory_fill", "memory_copy", "memory_init",
}

type specValue struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type specCommand struct {
	Type     string `json:"type"`
	Line     int    `json:"line"`
	Filename string `json:"filename"`
	Text     string `json:"text"`
	Action   struct {
		Type  string      `json:"type"`
		Field string      `json:"field"`
		Args  []specValue `json:"args"`
	} `json:"action"`
	Expected []specValue `json:"expected"`
}

// TestSpec runs the assert_return and assert_trap commands of the spec
// suite files above against modules this loader can instantiate. Modules
// that do not compile yet are counted, not failed: the count is logged.
func TestSpec(t *testing.T) {
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/tetratelabs/wazero@v1.12.0").Output()
	require.NoError(t, err)
	var mod struct{ Dir string }
	require.NoError(t, json.Unmarshal(out, &mod))
	dir := filepath.Join(mod.Dir, "internal/integration_test/spectest/v2/testdata")
	var passed, unsupported, skipped int
	for _, name := range specFiles {
		data, err := os.ReadFile(filepath.Join(dir, name+".json"))
		require.NoError(t, err)
		var script struct{ Commands []specCommand }
		require.NoError(t, json.Unmarshal(data, &script))
		var in *instance
		for _, c := range script.Commands {
			switch c.Type {
			case "module":
				in = nil
				b, err := os.ReadFile(filepath.Join(dir, c.Filename))
				require.NoError(t, err)
				a, err := CompileArtifact(b, DefaultOptions())
				if err != nil {
					require.Contains(t, err.Error(), "not supported", "%s:%d", name, c.Line)
					unsupported++
					continue
				}
				if len(a.Module.Imports) > 0 {
					continue
				}
				in = instantiate(t, a)
			case "assert_return", "assert_trap", "action":
				if in == nil || c.Action.Type != "invoke" || c.Text == "out of bounds memory access" ||
					c.Text == "call stack exhausted" || !exported(in, c.Action.Field) {
					skipped++
					continue
				}
				args := make([]uint64, len(c.Action.Args))
				for i, a := range c.Action.Args {
					args[i] = specBits(t, a)
				}
				got := in.invoke(t, c.Action.Field, args)
				where := name + ".json:" + strconv.Itoa(c.Line)
				if strings.HasPrefix(got.trap, "exit ") {
					// A builtin or import: this loader cannot resume, and
					// later checks of the module may depend on it.
					skipped++
					in = nil
					continue
				}
				if c.Type == "action" {
					require.Empty(t, got.trap, where)
					continue
				}
				if c.Type == "assert_trap" {
					want := c.Text
					if want == "undefined element" || want == "out of bounds table access" {
						// The artifact format has one kind for table bounds.
						want = trap.TableOutOfBounds.String()
					}
					require.Equal(t, want, got.trap, where)
					passed++
					continue
				}
				require.Empty(t, got.trap, where)
				require.Len(t, got.results, len(c.Expected), where)
				for i, e := range c.Expected {
					checkSpecValue(t, e, got.results[i], where)
				}
				passed++
			}
		}
	}
	t.Logf("%d checks passed, %d modules not supported, %d checks skipped", passed, unsupported, skipped)
	require.Greater(t, passed, 5000)
}

func exported(in *instance, name string) bool {
	for _, e := range in.a.Module.Exports {
		if e.Name == name && e.Kind == 0 {
			return true
		}
	}
	return false
}

func checkSpecValue(t *testing.T, e specValue, got uint64, where string) {
	switch {
	case strings.HasPrefix(e.Value, "nan:"):
		if e.Type == "f32" {
			require.True(t, math.IsNaN(float64(math.Float32frombits(uint32(got)))), "%s: got %#x, want NaN", where, got)
			if e.Value == "nan:canonical" {
				require.Equal(t, uint64(0x7fc00000), got&0x7fffffff, where)
			}
		} else {
			require.True(t, math.IsNaN(math.Float64frombits(got)), "%s: got %#x, want NaN", where, got)
			if e.Value == "nan:canonical" {
				require.Equal(t, uint64(0x7ff8000000000000), got&0x7fffffffffffffff, where)
			}
		}
	case e.Type == "funcref" && e.Value != "null":
		require.NotZero(t, got, where)
	default:
		require.Equal(t, specBits(t, e), got, "%s (%s)", where, e.Type)
	}
}

// specBits converts a script value to its register bits; externref N is
// the handle N+1, so that 0 stays null.
func specBits(t *testing.T, v specValue) uint64 {
	if v.Value == "null" {
		return 0
	}
	n, err := strconv.ParseUint(v.Value, 10, 64)
	require.NoError(t, err, "value %q", v.Value)
	if v.Type == "externref" {
		n++
	}
	return n
}
