package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (controller, terminal *os.File) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminal on this machine: %v", err)
	}
	controller = os.NewFile(uintptr(fd), "/dev/ptmx")
	t.Cleanup(func() { controller.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	require.NoError(t, err)
	terminal, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { terminal.Close() })
	return controller, terminal
}

// TestProgressOnTerminal checks that build draws a bar naming the input and
// counting functions when standard error is a terminal, and erases it.
func TestProgressOnTerminal(t *testing.T) {
	controller, terminal := openPTY(t)
	wat := writeFile(t, "arith.wat", []byte(arithWat))
	so := writeFile(t, "arith.so", nil)
	var out strings.Builder
	require.Equal(t, 0, mainWithStatus(&out, terminal, []string{"build", wat, "-o", so}))
	terminal.Close()
	buf := make([]byte, 4096)
	n, _ := controller.Read(buf)
	drawn := string(buf[:n])
	require.Contains(t, drawn, "compiling arith.wat")
	require.Contains(t, drawn, "4/4", "four functions")
	require.True(t, strings.HasSuffix(drawn, "\r"), "erased at the end: %q", drawn)
}
