package lower_test

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// interpreterModule encodes f(i32, i32) -> i32 shaped like a bytecode
// interpreter compiled by LLVM (CRuby's vm_exec_core): a loop around a
// br_table on a local with one case per opcode, each case reading and
// writing some of nlocals locals, branching inside, and jumping back to
// the loop. Every local is carried around the loop through every case.
func interpreterModule(ncases, nlocals int) []byte {
	var b []byte
	op := func(bs ...byte) { b = append(b, bs...) }
	uv := func(v int) { b = binary.AppendUvarint(b, uint64(v)) }
	const pc = 2 // the dispatch local (not a parameter: no threading)
	local := func(k int) int { return 2 + k%nlocals }
	op(1)
	uv(nlocals)
	op(0x7F)
	op(0x02, 0x40) // block $exit
	op(0x03, 0x40) // loop $top
	for range ncases {
		op(0x02, 0x40)
	}
	op(0x20)
	uv(pc)
	op(0x0E) // br_table 0 .. ncases-1, default $exit
	uv(ncases)
	for i := range ncases {
		uv(i)
	}
	uv(ncases + 1)
	for k := range ncases {
		op(0x0B) // end of case k's block: its code follows
		x, y, z := local(3*k+1), local(5*k+2), local(7*k+3)
		op(0x20)
		uv(x)
		op(0x20)
		uv(y)
		op(0x6A, 0x21) // add; local.set z
		uv(z)
		op(0x20)
		uv(z)
		op(0x04, 0x40) // if
		op(0x20)
		uv(y)
		op(0x41, 1, 0x6A, 0x21) // i32.const 1; add; local.set x
		uv(x)
		op(0x05) // else
		op(0x20)
		uv(x)
		op(0x41, 3, 0x6C, 0x21) // i32.const 3; mul; local.set y
		uv(y)
		op(0x0B)
		op(0x41) // next opcode
		op(byte((k * 7) % 64))
		op(0x21)
		uv(pc)
		op(0x0C) // br $top
		uv(ncases - 1 - k)
	}
	op(0x0B, 0x0B) // end loop, end block
	op(0x41, 0)
	for v := range nlocals {
		op(0x20)
		uv(2 + v)
		op(0x73) // xor
	}
	op(0x0B)
	return encodeModule(b)
}

// The SSA construction for locals does work proportional to the
// function's size on an interpreter loop: doubling its cases doubles the
// work, however many locals it carries.
func TestLocalsLinearInSize(t *testing.T) {
	for _, nlocals := range []int{40, 400} {
		steps := func(ncases int) int {
			m := frontEnd(t, interpreterModule(ncases, nlocals))
			l := lower.NewLowerer(m, lower.Options{})
			f, err := l.Lower(0)
			require.NoError(t, err)
			require.NoError(t, ssa.Verify(f))
			require.Greater(t, len(f.Blocks), 4*ncases)
			return l.Steps()
		}
		small, big := steps(500), steps(1000)
		t.Logf("%d locals: %d steps for 500 cases, %d for 1000", nlocals, small, big)
		require.Greater(t, small, 500, "the construction searched (a test of nothing otherwise)")
		ratio := float64(big) / float64(small)
		require.InDelta(t, 2, ratio, 0.25, "doubling the cases must double the work (%d → %d)", small, big)
	}
}

// BenchmarkLowerInterpreter lowers a generated interpreter loop of 2000
// cases carrying 100 or 400 locals.
func BenchmarkLowerInterpreter(b *testing.B) {
	for _, nlocals := range []int{100, 400} {
		b.Run(fmt.Sprint(nlocals, "locals"), func(b *testing.B) {
			m := frontEnd(b, interpreterModule(2000, nlocals))
			l := lower.NewLowerer(m, lower.Options{})
			for b.Loop() {
				if _, err := l.Lower(0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
