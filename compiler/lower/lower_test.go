package lower

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

var update = flag.Bool("update", false, "rewrite the expected .ssa files in testdata")

// testFeatures is what the file tests decode with: all of WebAssembly 2.0
// plus tail calls, so that their rejection can be tested too.
const testFeatures = wasm.FeaturesV2 | wasm.FeatureTailCall

// lowerText lowers every defined function of a module and returns the
// text of each (or its error, as a comment line), checking each function
// with ssa.Verify before and after opt.Pipeline.
func lowerText(t *testing.T, m *wasm.Module) string {
	t.Helper()
	var sb strings.Builder
	l := NewLowerer(m, Options{})
	for i := range m.Functions {
		idx := uint32(m.NumImportedFuncs() + i)
		f, err := l.Lower(idx)
		if err != nil {
			fmt.Fprintf(&sb, "; function %d: error: %s\n", idx, err)
			continue
		}
		require.NoError(t, ssa.Verify(f), "function %d:\n%s", idx, f)
		checkPositions(t, m, f)
		text := f.String()
		g, err := ssa.Parse(text)
		require.NoError(t, err)
		require.Equal(t, text, g.String(), "text form must round-trip")
		sb.WriteString(text)
		opt.Pipeline(f, 1, nil)
		require.NoError(t, ssa.Verify(f), "function %d after opt:\n%s", idx, f)
	}
	return sb.String()
}

// checkPositions requires a wasm offset on every value and terminator that
// can trap or call, for the trap table, and that the instruction at that
// offset is the one the value comes from.
func checkPositions(t *testing.T, m *wasm.Module, f *ssa.Func) {
	t.Helper()
	at := func(pos int32) string {
		var ins wasm.Instr
		r := wasm.NewReader(m.Raw[pos:], int(pos), ^wasm.Features(0))
		require.NoError(t, r.Next(&ins))
		return ins.Info.Name
	}
	for _, b := range f.Blocks {
		for _, id := range b.Instrs {
			v := f.Value(id)
			if v.Op.Info().Effects&(ssa.EffTrap|ssa.EffCall) == 0 {
				continue
			}
			require.NotZero(t, v.Pos, "%s in %s has no position", v, f.Name)
			want := v.Op.String()
			if v.Op == ssa.OpCallImport {
				want = "call"
			}
			require.Equal(t, want, at(v.Pos), "%s in %s", v, f.Name)
		}
		if b.Term == ssa.OpTrap {
			require.NotZero(t, b.Pos, "trap ending b%d in %s has no position", b.ID, f.Name)
			require.Equal(t, "unreachable", at(b.Pos))
		}
	}
}

func decode(t *testing.T, data []byte, feat wasm.Features) *wasm.Module {
	t.Helper()
	m, err := wasm.Decode(data, feat)
	require.NoError(t, err)
	require.NoError(t, validate.Validate(m, feat))
	return m
}

// Each testdata/NAME.wasm (built from NAME.wat by build.sh) lowers to the
// text in NAME.ssa; -update rewrites the .ssa files.
func TestFiles(t *testing.T) {
	wats, err := filepath.Glob("testdata/*.wat")
	require.NoError(t, err)
	require.NotEmpty(t, wats)
	for _, wat := range wats {
		base := strings.TrimSuffix(wat, ".wat")
		t.Run(filepath.Base(base), func(t *testing.T) {
			data, err := os.ReadFile(base + ".wasm")
			require.NoError(t, err, "run testdata/build.sh")
			m := decode(t, data, testFeatures)
			got := lowerText(t, m)
			// Module lowers the same functions in parallel, to the same text.
			if funcs, err := Module(m, Options{}); err == nil {
				var sb strings.Builder
				for _, f := range funcs {
					sb.WriteString(f.String())
				}
				require.Equal(t, got, sb.String())
			}
			if *update {
				require.NoError(t, os.WriteFile(base+".ssa", []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(base + ".ssa")
			require.NoError(t, err, "run go test -update")
			require.Equal(t, string(want), got)
		})
	}
}

func TestNotSupportedError(t *testing.T) {
	data, err := os.ReadFile("testdata/unsupported.wasm")
	require.NoError(t, err)
	m := decode(t, data, testFeatures)
	_, err = Module(m, Options{})
	var le *Error
	require.True(t, errors.As(err, &le))
	require.True(t, le.NotSupported)
	require.NotZero(t, le.Offset)
	// The first failing function by index is reported, whatever the
	// order in which workers finish.
	require.Equal(t, uint32(1), le.FuncIndex)
}

func TestFuncIndexChecks(t *testing.T) {
	data, err := os.ReadFile("testdata/calls.wasm")
	require.NoError(t, err)
	m := decode(t, data, testFeatures)
	_, err = Func(m, 0, Options{}) // an import
	require.ErrorContains(t, err, "no body")
	_, err = Func(m, uint32(m.NumFuncs()), Options{})
	require.ErrorContains(t, err, "no body")
}

// oneFunc encodes a module with one function of type sig (the encoded
// function type) whose code entry is body (locals and instructions).
func oneFunc(sig, body []byte) []byte {
	code := append([]byte{1}, binary.AppendUvarint(nil, uint64(len(body)))...)
	code = append(code, body...)
	b := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	b = append(b, 1, byte(len(sig)+1), 1)
	b = append(b, sig...)
	b = append(b, 3, 2, 1, 0) // function section
	b = append(b, 10)
	b = binary.AppendUvarint(b, uint64(len(code)))
	return append(b, code...)
}

var (
	sigVoid   = []byte{0x60, 0, 0}
	sigI32I32 = []byte{0x60, 1, 0x7F, 1, 0x7F}
)

// A function may declare at most maxLocals locals: expanding a few bytes
// of declarations into megabytes of tables is refused.
func TestTooManyLocals(t *testing.T) {
	body := func(n uint32) []byte {
		b := binary.AppendUvarint([]byte{1}, uint64(n)) // one local group
		return append(b, 0x7F, 0x0B)                    // i32, end
	}
	m := decode(t, oneFunc(sigVoid, body(maxLocals)), wasm.FeaturesV2)
	f, err := Func(m, 0, Options{})
	require.NoError(t, err)
	require.NoError(t, ssa.Verify(f))

	m = decode(t, oneFunc(sigVoid, body(maxLocals+1)), wasm.FeaturesV2)
	_, err = Func(m, 0, Options{})
	require.EqualError(t, err, fmt.Sprintf("not supported: function 0 has %d locals (limit %d)", maxLocals+1, maxLocals))
}

// manyLocals encodes a function with nLocals i32 locals whose body is a
// loop of nIfs ifs, each conditionally incrementing one of the first ten
// locals under a condition read from any local.
func manyLocals(nLocals, nIfs int) []byte {
	uv := binary.AppendUvarint
	b := append(uv([]byte{1}, uint64(nLocals-1)), 0x7F)
	b = append(b, 0x03, 0x40) // loop
	for k := range nIfs {
		j := uint64(k % 10)
		b = append(uv(append(b, 0x20), uint64(k*7%nLocals)), 0x04, 0x40) // local.get; if
		b = uv(append(b, 0x20), j)
		b = append(b, 0x41, 0x01, 0x6A, 0x21) // i32.const 1; i32.add; local.set
		b = append(uv(b, j), 0x0B)            // end
	}
	b = append(b, 0x20, 0x00, 0x0D, 0x00, 0x0B) // local.get 0; br_if 0; end
	return append(b, 0x20, 0x05, 0x0B)          // local.get 5; end
}

// Only locals that change get block parameters: the loop header gets one
// per local written in the loop, each merge after an if one for the local
// it writes, however many locals the function has.
func TestParamsOnlyWhereNeeded(t *testing.T) {
	const nLocals, nIfs = 500, 400
	m := decode(t, oneFunc(sigI32I32, manyLocals(nLocals, nIfs)), wasm.FeaturesV2)
	f, err := Func(m, 0, Options{})
	require.NoError(t, err)
	require.NoError(t, ssa.Verify(f))
	total := 0
	for _, b := range f.Blocks[1:] {
		total += len(b.Params)
	}
	require.Len(t, f.Blocks[1].Params, 10, "loop header")
	require.Equal(t, 10+nIfs, total)
}

func BenchmarkManyLocals(b *testing.B) {
	data := oneFunc(sigI32I32, manyLocals(2000, 5000))
	m, err := wasm.Decode(data, wasm.FeaturesV2)
	require.NoError(b, err)
	require.NoError(b, validate.Validate(m, wasm.FeaturesV2))
	l := NewLowerer(m, Options{})
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := l.Lower(0); err != nil {
			b.Fatal(err)
		}
	}
}
