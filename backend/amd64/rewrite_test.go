package amd64

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// TestRewriteInPlace checks that the allocator's rewrite gives the same
// instructions whether a block has room for its moves (rebuilt in place)
// or not (rebuilt in the allocator's buffer), on the machine IR of
// testdata/alloc and on what testdata/isel selects.
func TestRewriteInPlace(t *testing.T) {
	var cases []func() (*Func, error)
	files, err := filepath.Glob("testdata/alloc/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		input, _, _ := strings.Cut(string(data), separator)
		cases = append(cases, func() (*Func, error) { return Parse(input) })
	}
	iselFiles, err := filepath.Glob("testdata/isel/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, iselFiles)
	for _, file := range iselFiles {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		input, _, _ := strings.Cut(string(data), separator)
		cases = append(cases, func() (*Func, error) {
			f, err := ssa.Parse(input)
			if err != nil {
				return nil, err
			}
			return NewSelector(testModule(t)).Select(f)
		})
	}
	// A block with moves and with copies that allocation makes redundant.
	const copies = "b0:\n  params v0, v1\n  mov.q v2, v0\n  call func1 (v1) -> (v3)\n  add.q v4, v3, v2\n  mov.q v5, v4\n  call func2 (v5) -> (v6)\n  mov.q v7, v6\n  add.q v8, v7, v2\n  mov.q v9, v8\n  ret v9\n"
	cases = append(cases, func() (*Func, error) { return Parse(copies) })
	files = append(files, iselFiles...)
	files = append(files, "copies")
	for i, file := range files {
		t.Run(file, func(t *testing.T) {
			var outs, codes [2]string
			for k, room := range []int{0, 64} {
				f, err := cases[i]()
				require.NoError(t, err)
				for _, blk := range f.Blocks {
					b := make([]Instr, len(blk.Instrs), len(blk.Instrs)+room)
					copy(b, blk.Instrs)
					blk.Instrs = b
				}
				a := NewAllocator()
				a.Check = true
				require.NoError(t, a.Allocate(f))
				outs[k] = f.String()
				c, err := Emit(f)
				require.NoError(t, err)
				codes[k] = disasm(t, c)
			}
			require.Equal(t, outs[0], outs[1])
			require.Equal(t, codes[0], codes[1])
		})
	}
}

func TestDistinct(t *testing.T) {
	require.Equal(t, []int32{3, 1, 2}, distinct([]int32{3, 1, 3, 2, 1}))
	require.Empty(t, distinct(nil))
	// Past the scan's limit the map takes over with the same result.
	var table, want []int32
	for i := range 100 {
		table = append(table, int32(i%70), int32(i%70))
		if i < 70 {
			want = append(want, int32(i))
		}
	}
	require.Equal(t, want, distinct(table))
}
