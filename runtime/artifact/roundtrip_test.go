package artifact

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

func TestRoundTrip(t *testing.T) {
	for name, a := range map[string]*Artifact{
		"sample": sampleArtifact(),
		"big":    bigArtifact(100),
		"empty":  {Header: Header{Arch: ArchARM64, Features: FeatureARM64LSE}},
	} {
		t.Run(name, func(t *testing.T) {
			b := mustMarshal(t, a)
			got, err := Parse(b)
			require.NoError(t, err)
			require.Equal(t, comparable(a), comparable(got))

			l := got.Layout
			require.Equal(t, a.Header.Arch.pageAlign(), l.PageAlign)
			require.Zero(t, l.TextOffset%l.PageAlign)
			require.Zero(t, l.RodataOffset%l.PageAlign)
			require.Equal(t, uint64(len(a.Text)), l.TextSize)
			require.Equal(t, uint64(len(a.Rodata)), l.RodataSize)
			require.Equal(t, a.Text, nilIfEmpty(b[l.TextOffset:l.TextOffset+l.TextSize]))

			// The file variant agrees and leaves the segments in the file.
			f := filepath.Join(t.TempDir(), "a.so")
			require.NoError(t, os.WriteFile(f, b, 0o644))
			fh, err := os.Open(f)
			require.NoError(t, err)
			defer fh.Close()
			got2, err := ParseReaderAt(fh, int64(len(b)))
			require.NoError(t, err)
			require.Nil(t, got2.Text)
			require.Nil(t, got2.Rodata)
			got2.Text, got2.Rodata = got.Text, got.Rodata
			require.Equal(t, got, got2)
		})
	}
}

func TestSegmentData(t *testing.T) {
	a, err := Parse(mustMarshal(t, sampleArtifact()))
	require.NoError(t, err)
	require.Equal(t, "hello, world\n", string(a.SegmentData(0)))
	require.Equal(t, "world", string(a.SegmentData(1)))
	require.Empty(t, a.SegmentData(2))
}

func TestDeterministic(t *testing.T) {
	b1 := mustMarshal(t, sampleArtifact())
	b2 := mustMarshal(t, sampleArtifact())
	require.Equal(t, b1, b2)

	// Re-writing what was read gives the same bytes too.
	a, err := Parse(b1)
	require.NoError(t, err)
	require.Equal(t, b1, mustMarshal(t, a))
}

func TestLookups(t *testing.T) {
	a := sampleArtifact()
	s, ok := a.Code.TrapAt(16 + fnTrapOff)
	require.True(t, ok)
	require.Equal(t, uint32(2), s.Func)
	require.Equal(t, trap.IntegerDivideByZero, s.Kind)
	_, ok = a.Code.TrapAt(16 + fnTrapOff + 1)
	require.False(t, ok)
	c, ok := a.Code.CallAt(32 + 6)
	require.True(t, ok)
	require.Equal(t, uint32(202), c.WasmOffset)

	for off, want := range map[uint32]int64{0: 1, 15: 1, 16: 2, 47: 3, 48: -1, 1000: -1} {
		f, ok := a.Module.FuncAt(off)
		if want < 0 {
			require.False(t, ok, "offset %d", off)
		} else {
			require.True(t, ok, "offset %d", off)
			require.Equal(t, uint32(want), f, "offset %d", off)
		}
	}
}

// TestGoELF checks the file with Go's own ELF reader.
func TestGoELF(t *testing.T) {
	a := sampleArtifact()
	f, err := elf.NewFile(bytes.NewReader(mustMarshal(t, a)))
	require.NoError(t, err)
	require.Equal(t, elf.ET_DYN, f.Type)
	require.Equal(t, elf.EM_X86_64, f.Machine)
	text := f.Section(".text")
	require.NotNil(t, text)
	data, err := text.Data()
	require.NoError(t, err)
	require.Equal(t, a.Text, data)
	require.NotNil(t, f.Section(".rodata"))
	require.NotNil(t, f.Section(".wasiaot"))

	syms, err := f.Symbols()
	require.NoError(t, err)
	var names []string
	for _, s := range syms {
		require.Equal(t, elf.STT_FUNC, elf.ST_TYPE(s.Info))
		require.Equal(t, text.Addr, f.Sections[s.Section].Addr)
		names = append(names, s.Name)
	}
	require.Equal(t, []string{"_start", "std::vec::Vec<u8>_push", "_start.3", "wasiaot.trap", "wasiaot.entry.type0"}, names)
	require.Equal(t, text.Addr+16, syms[1].Value)
	require.Equal(t, uint64(16), syms[1].Size)

	var loads []*elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			loads = append(loads, p)
		}
	}
	require.Len(t, loads, 2)
	require.Equal(t, elf.PF_R|elf.PF_X, loads[0].Flags)
	require.Equal(t, elf.PF_R, loads[1].Flags)
}

func TestSymbolNames(t *testing.T) {
	m := &Module{
		Imports: []Import{{Module: "m", Name: "f", Kind: KindFunc}},
		Funcs:   make([]Func, 6),
		FuncNames: []FuncName{
			{Index: 0, Name: "imported"},
			{Index: 1, Name: "wasm_func_2"},
			{Index: 3, Name: "a b\x00c\xffd"},
			{Index: 4, Name: "wasm_func_2"},
			{Index: 5, Name: "wasm_func_2.4"},
		},
	}
	require.Equal(t, []string{"wasm_func_2", "wasm_func_2.2", "a_b_c_d", "wasm_func_2.4", "wasm_func_2.4.5", "wasm_func_6"}, funcSymbols(m))
}

// eofAtEnd returns io.EOF with a full read that ends at the end of the data,
// as io.ReaderAt allows.
type eofAtEnd struct{ b []byte }

func (r eofAtEnd) ReadAt(p []byte, off int64) (int, error) {
	n := copy(p, r.b[off:])
	if n < len(p) || off+int64(n) == int64(len(r.b)) {
		return n, io.EOF
	}
	return n, nil
}

func TestReaderAtEOF(t *testing.T) {
	b := mustMarshal(t, sampleArtifact())
	a, err := ParseReaderAt(eofAtEnd{b}, int64(len(b)))
	require.NoError(t, err)
	require.Equal(t, "sample", a.Module.Name)
}
