package arm64

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/backend/amd64"
	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime/abi"
)

// corpus lists the repository's C test programs and a Go one.
func corpus(t testing.TB) []string {
	var files []string
	fs, err := filepath.Glob("../../wasi/testdata/c/*.wasm")
	require.NoError(t, err)
	// One Go program: the others are as big and add little.
	files = append(fs, "../../wasi/testdata/go/copy.wasm")
	require.NotEmpty(t, files)
	return files
}

// codeSizes compiles every function of a module with this backend and
// with the amd64 backend, and returns the bytes each emits (code, jump
// tables and constants).
func codeSizes(t testing.TB, file string, check bool) (arm, x86 int) {
	bin, err := os.ReadFile(file)
	require.NoError(t, err)
	m, err := wasm.Decode(bin, wasm.FeaturesV2)
	require.NoError(t, err)
	require.NoError(t, validate.Validate(m, wasm.FeaturesV2))
	shape := abi.ModuleShape{
		HeaderSize: abi.ARM64VMCtxHeaderSize,
		NumTypes:   uint32(len(m.Types)), NumFuncs: uint32(m.NumFuncs()), NumGlobals: uint32(m.NumGlobals()),
		NumTables: uint32(m.NumTables()), HasMemory: m.NumMemories() > 0,
	}
	layout, err := abi.NewLayout(shape)
	require.NoError(t, err)
	shape.HeaderSize = abi.AMD64VMCtxHeaderSize
	xlayout, err := abi.NewLayout(shape)
	require.NoError(t, err)
	mi := &ModuleInfo{Layout: layout, NumImportedFuncs: uint32(m.NumImportedFuncs())}
	xmi := &amd64.ModuleInfo{Layout: xlayout, NumImportedFuncs: uint32(m.NumImportedFuncs())}
	for i := 0; i < m.NumGlobals(); i++ {
		mi.GlobalImported = append(mi.GlobalImported, i < m.NumImportedGlobals())
	}
	xmi.GlobalImported = mi.GlobalImported
	low := lower.NewLowerer(m, lower.Options{Workers: 1})
	sel, alloc, em := NewSelector(mi), NewAllocator(), NewEmitter()
	alloc.Check = check
	xsel, xalloc, xem := amd64.NewSelector(xmi), amd64.NewAllocator(), amd64.NewEmitter()
	for idx := uint32(m.NumImportedFuncs()); idx < uint32(m.NumFuncs()); idx++ {
		f, err := low.Lower(idx)
		require.NoError(t, err)
		opt.Pipeline(f, 2, nil)
		mf, err := sel.Select(f)
		require.NoError(t, err, "function %d", idx)
		require.NoError(t, alloc.Allocate(mf), "function %d", idx)
		c, err := em.Emit(mf)
		require.NoError(t, err, "function %d", idx)
		arm += len(c.Bytes)

		f, err = low.Lower(idx)
		require.NoError(t, err)
		opt.Pipeline(f, 2, nil)
		xf, err := xsel.Select(f)
		require.NoError(t, err)
		require.NoError(t, xalloc.Allocate(xf))
		xc, err := xem.Emit(xf)
		require.NoError(t, err)
		x86 += len(xc.Bytes)
	}
	return arm, x86
}

// TestCompileCorpus compiles every function of the C and Go test
// programs, with the allocation checked, and logs the code size against
// amd64's.
func TestCompileCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles several megabytes of wasm")
	}
	for _, file := range corpus(t) {
		t.Run(filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), func(t *testing.T) {
			// The allocation checker runs on the C programs; the Go ones are big.
			arm, x86 := codeSizes(t, file, filepath.Base(filepath.Dir(file)) == "c")
			t.Logf("arm64 %d bytes, amd64 %d bytes (%.2fx)", arm, x86, float64(arm)/float64(x86))
		})
	}
}
