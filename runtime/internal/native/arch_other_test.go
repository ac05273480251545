//go:build !amd64 && !arm64

package native

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUnsupportedArch(t *testing.T) {
	_, err := NewContext(Config{})
	require.ErrorIs(t, err, ErrUnsupportedArch)
	require.EqualError(t, err, "not supported: "+runtime.GOARCH+" native execution")
}
