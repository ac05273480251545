package native

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

func addEntryBytes(t testing.TB) []byte {
	a := newAsm(t)
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_AX))
	a.add(x86.AMOVQ, mem(x86.REG_AX, 0), reg(x86.REG_CX))
	a.add(x86.AADDQ, mem(x86.REG_AX, abi.ArgSlotSize), reg(x86.REG_CX))
	a.add(x86.AMOVQ, reg(x86.REG_CX), mem(x86.REG_AX, 0))
	a.add(obj.ARET, none, none)
	code, _ := a.assemble()
	return code
}

func runAddEntry(t testing.TB, entry uintptr) {
	c := newContext(t, Config{ArgSlots: 2})
	c.setArg(0, 40)
	c.setArg(1, 2)
	require.NoError(t, c.Call(entry, nil))
	require.Equal(t, uint64(42), c.arg(0))
}

func TestMapCodeFromFile(t *testing.T) {
	// Page 0 is a header, page 1 the text: mapped file-backed and executable.
	text := addEntryBytes(t)
	file := make([]byte, 2*pageSize)
	copy(file[pageSize:], text)
	path := filepath.Join(t.TempDir(), "app.so")
	require.NoError(t, os.WriteFile(path, file, 0o644))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	code, err := MapCode(f.Fd(), pageSize, len(text))
	require.NoError(t, err)
	defer code.Release()
	require.True(t, InCode(code.Addr()))
	runAddEntry(t, code.Addr())
}

// TestNewImageTrimSeal: an image filled in place keeps only the pages of
// the range it is trimmed to, which run once sealed; the others go back to
// the arena.
func TestNewImageTrimSeal(t *testing.T) {
	text := addEntryBytes(t)
	code, err := NewImage(3*pageSize + 100)
	require.NoError(t, err)
	require.Equal(t, 4*pageSize, code.Len())
	mem := code.Bytes()
	copy(mem[pageSize:], text)
	base := code.Addr()
	require.NoError(t, code.Trim(pageSize, len(text)))
	require.Equal(t, base+pageSize, code.Addr())
	require.Equal(t, pageSize, code.Len())
	require.NoError(t, code.Seal())
	runAddEntry(t, code.Addr())
	require.Error(t, code.Trim(1, 1), "unaligned")
	require.NoError(t, code.Release())

	// The head page went back to the arena and is handed out again.
	again, err := NewImage(pageSize)
	require.NoError(t, err)
	defer again.Release()
	require.True(t, InCode(again.Addr()))
	_, err = NewImage(0)
	require.Error(t, err)
}
