package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadInputSizes reads files around the sniffed head's size and the
// limit: every byte comes back once, in order, and one byte over the
// limit is refused.
func TestReadInputSizes(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{4, 4095, 4096, 4097, 70000, 1 << 20} {
		b := make([]byte, size)
		copy(b, "\x00asm")
		for i := 4; i < size; i++ {
			b[i] = byte(i*7 + i>>8)
		}
		path := filepath.Join(dir, "m.wasm")
		require.NoError(t, os.WriteFile(path, b, 0o600))
		got, err := readInput(path, int64(size), sniffModule)
		require.NoError(t, err, "size %d", size)
		require.True(t, bytes.Equal(b, got), "size %d", size)
		if size > 4096 {
			_, err = readInput(path, int64(size-1), sniffModule)
			require.ErrorContains(t, err, "input limit", "size %d", size)
		}
	}
}
