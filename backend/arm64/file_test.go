package arm64

import (
	"encoding/binary"
	"flag"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata files")

const separator = "----\n"

// disasm renders code as offset, word and GNU syntax, followed by the
// recorded call, trap and position sites. Words that are not
// instructions (jump table entries) print as .word.
func disasm(t testing.TB, c *Code) string {
	var sb strings.Builder
	for pc := 0; pc+4 <= c.CodeSize; pc += 4 {
		w := binary.LittleEndian.Uint32(c.Bytes[pc:])
		inst, err := arm64asm.Decode(c.Bytes[pc : pc+4])
		text := fmt.Sprintf(".word %#x", w)
		if err == nil {
			text = arm64asm.GNUSyntax(inst)
			if strings.HasPrefix(text, "b") || strings.HasPrefix(text, "cb") || strings.HasPrefix(text, "tb") || strings.HasPrefix(text, "adr ") {
				// Branch targets as absolute offsets.
				text = branchText(inst, pc)
			}
		}
		fmt.Fprintf(&sb, "%4x: %08x  %s\n", pc, w, text)
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

// branchText prints a PC-relative instruction with its target as an
// offset into the function.
func branchText(inst arm64asm.Inst, pc int) string {
	var args []string
	for _, a := range inst.Args {
		if a == nil {
			break
		}
		if rel, ok := a.(arm64asm.PCRel); ok {
			args = append(args, fmt.Sprintf("%#x", pc+int(rel)))
			continue
		}
		args = append(args, strings.ToLower(a.String()))
	}
	op := strings.ToLower(inst.Op.String())
	if len(args) == 0 {
		return op
	}
	return op + " " + strings.Join(args, ", ")
}
