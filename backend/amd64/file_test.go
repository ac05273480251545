package amd64

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/arch/x86/x86asm"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata files")

const separator = "----\n"

// disasm renders code as offset, bytes and Intel syntax, followed by the
// constant pool and the recorded call, trap and position sites.
func disasm(t testing.TB, c *Code) string {
	var sb strings.Builder
	for pc := 0; pc < c.CodeSize; {
		inst, err := x86asm.Decode(c.Bytes[pc:c.CodeSize], 64)
		require.NoError(t, err, "decode at %#x", pc)
		var hex []string
		for _, b := range c.Bytes[pc : pc+inst.Len] {
			hex = append(hex, fmt.Sprintf("%02x", b))
		}
		fmt.Fprintf(&sb, "%4x: %-30s %s\n", pc, strings.Join(hex, " "), x86asm.IntelSyntax(inst, uint64(pc), nil))
		pc += inst.Len
	}
	if pool := (c.CodeSize + 15) &^ 15; pool < len(c.Bytes) {
		fmt.Fprintf(&sb, "pool %#x: % x\n", pool, c.Bytes[pool:])
	}
	for _, s := range c.Relocs {
		fmt.Fprintf(&sb, "call site %#x: func%d\n", s.Offset, s.Func)
	}
	for _, s := range c.Traps {
		fmt.Fprintf(&sb, "trap site %#x: code %d pos %d\n", s.Offset, s.Kind, s.Pos)
	}
	for _, s := range c.Returns {
		fmt.Fprintf(&sb, "return site %#x: pos %d\n", s.Offset, s.Pos)
	}
	for _, s := range c.Positions {
		fmt.Fprintf(&sb, "position %#x: %d\n", s.Offset, s.Pos)
	}
	return sb.String()
}

// runFiles runs every testdata/<dir>/*.txt file: machine IR, a separator
// line, and the expected output of produce.
func runFiles(t *testing.T, dir string, produce func(t *testing.T, f *Func) string) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			input, want, _ := strings.Cut(string(data), separator)
			f, err := Parse(input)
			require.NoError(t, err)
			f.Name = filepath.Base(file)
			got := produce(t, f)
			if *update {
				require.NoError(t, os.WriteFile(file, []byte(input+separator+got), 0o644))
				return
			}
			require.Equal(t, want, got, "run go test -update to accept")
		})
	}
}

// TestEmit assembles physical-register machine IR and compares the
// disassembly.
func TestEmit(t *testing.T) {
	runFiles(t, "emit", func(t *testing.T, f *Func) string {
		f.allocated = true
		c, err := Emit(f)
		require.NoError(t, err)
		return disasm(t, c)
	})
}

// TestAllocEmit allocates registers (verified by the checker), emits, and
// compares the allocated IR and the disassembly.
func TestAllocEmit(t *testing.T) {
	runFiles(t, "alloc", func(t *testing.T, f *Func) string {
		a := NewAllocator()
		a.Check = true
		require.NoError(t, a.Allocate(f))
		c, err := Emit(f)
		require.NoError(t, err)
		st := a.Last.Stats
		return fmt.Sprintf("# moves=%d spills=%d reloads=%d frame=%d saved=%v\n%s",
			st.Moves, st.Spills, st.Reloads, f.frameSize, f.calleeSaved, disasm(t, c))
	})
}

// TestBigFrame checks the stack-limit check of frames above BigFrame.
func TestBigFrame(t *testing.T) {
	f, err := Parse("b0:\n  ret\n")
	require.NoError(t, err)
	a := NewAllocator()
	require.NoError(t, a.Allocate(f))
	f.OutArgs = 40 << 10
	f.frameSize = 40 << 10
	c, err := Emit(f)
	require.NoError(t, err)
	want := `   0: 4c 8d 9c 24 00 60 ff ff        lea r11, ptr [rsp+0xffff6000]
   8: 4d 3b 5f 40                    cmp r11, qword ptr [r15+0x40]
   c: 73 04                          jnb 0x12
   e: 41 ff 57 28                    call qword ptr [r15+0x28]
  12: 48 81 ec 00 a0 00 00           sub rsp, 0xa000
  19: 48 81 c4 00 a0 00 00           add rsp, 0xa000
  20: c3                             ret
trap site 0x12: code 9 pos 0
`
	require.Equal(t, want, disasm(t, c))
}

// TestTextRoundTrip prints every testdata function and parses it back.
func TestTextRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.txt")
	require.NoError(t, err)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		input, rest, _ := strings.Cut(string(data), separator)
		if filepath.Base(filepath.Dir(file)) == "isel" {
			// SSA in, machine IR out: round-trip the output.
			input, _, _ = strings.Cut(rest, separator)
		}
		f, err := Parse(input)
		require.NoError(t, err, file)
		text := f.String()
		g, err := Parse(text)
		require.NoError(t, err, "%s:\n%s", file, text)
		require.Equal(t, text, g.String(), file)
	}
}

// TestParseErrors checks that malformed machine IR is rejected.
func TestParseErrors(t *testing.T) {
	for _, src := range []string{
		"", "add.q v0, v1, v2\n", "b1:\n ret\n", "b0:\n frob v0\n", "b0:\n add v0, v0, v1\n",
		"b0:\n add.x v0, v0, v1\n", "b0:\n mov.b v0, v1\n", "b0:\n addsd v0, v0, f1\n",
		"b0:\n mov.q v0, [v1*3]\n", "b0:\n jcc zz b0, b0\n", "b0:\n call func1 (v0)\n",
		"b0:\n movsd f0, const64(xyz)\n", "b0:\n div.q v0, v1, v2\n",
	} {
		_, err := Parse(src)
		require.Error(t, err, src)
	}
}

// TestAllocErrors checks errors of the allocation layer.
func TestAllocErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"b0:\n  mov.q rax, 1\n  ret\n", "physical register rax"},
		{"b0:\n  params v0, v1, v2, v3, v4, v5, v6\n  ret\n", "not supported: more than 6 integer parameters"},
		{"b0:\n  ret v0\n", "used before it is defined"},
		{"b0:\n  params v0\n  jmp b7\n", "unknown block"},
	} {
		f, err := Parse(tc.src)
		require.NoError(t, err, tc.src)
		require.ErrorContains(t, NewAllocator().Allocate(f), tc.want, tc.src)
	}
	f, err := Parse("b0:\n  ret\n")
	require.NoError(t, err)
	_, err = Emit(f)
	require.ErrorContains(t, err, "before register allocation")
}

// TestConcurrent allocates and emits in parallel, as the compiler does
// with functions (run with -race).
func TestConcurrent(t *testing.T) {
	src, err := os.ReadFile("testdata/alloc/float.txt")
	require.NoError(t, err)
	input, _, _ := strings.Cut(string(src), separator)
	want := ""
	done := make(chan string)
	for range 4 {
		go func() {
			var out string
			for range 20 {
				f, err := Parse(input)
				if err != nil {
					done <- err.Error()
					return
				}
				if err := NewAllocator().Allocate(f); err != nil {
					done <- err.Error()
					return
				}
				c, err := Emit(f)
				if err != nil {
					done <- err.Error()
					return
				}
				out = fmt.Sprintf("% x", c.Bytes)
			}
			done <- out
		}()
	}
	for range 4 {
		got := <-done
		if want == "" {
			want = got
		}
		require.Equal(t, want, got)
	}
}
