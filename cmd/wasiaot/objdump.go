package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"

	"golang.org/x/arch/arm64/arm64asm"
	"golang.org/x/arch/x86/x86asm"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

func runObjdump(stdout, _ io.Writer, args []string) error {
	fs := newFlagSet(stdout, "objdump", `Usage: wasiaot objdump [flags] APP.so

Disassemble an artifact made by 'wasiaot build': every wasm function under its name (from the
module's name section, or wasm_func_N), the runtime stubs, and the instructions that can trap
annotated with the wasm trap and the byte offset in the source module. Direct calls show the
callee's name. amd64 code is printed in Intel or GNU syntax, arm64 code in ARM's (GNU) syntax.
`)
	only := fs.String("func", "", "disassemble only this function (name or index)")
	syntax := fs.String("syntax", "intel", "assembler syntax of amd64 code: intel or gnu")
	header := fs.Bool("header", true, "print the artifact's header first")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give exactly one artifact"}
	}
	if *syntax != "intel" && *syntax != "gnu" {
		return usageError{fmt.Sprintf("--syntax %q: want intel or gnu", *syntax)}
	}
	path := fs.Arg(0)
	b, err := readInput(path, defaultMaxInput, sniffArtifact)
	if err != nil {
		return err // it names the file
	}
	a, err := artifact.Parse(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if a.Header.Arch != artifact.ArchAMD64 && a.Header.Arch != artifact.ArchARM64 {
		return fmt.Errorf("%s: not supported: disassembling %v code", path, a.Header.Arch)
	}
	d := newDisassembler(a, *syntax == "gnu")
	if *header {
		h := a.Header
		fmt.Fprintf(stdout, "%s: wasiaot artifact, compiler %s, %v, ABI %d, -O%d, CPU features %v\n",
			path, h.CompilerVersion, h.Arch, h.ABIVersion, h.OptLevel, h.Features)
		fmt.Fprintf(stdout, "source sha256 %x, %d functions, %d bytes of code, %d trap sites\n\n",
			h.SourceSHA256, len(a.Module.Funcs), len(a.Text), len(a.Code.Traps))
	}
	for _, r := range d.ranges {
		if *only != "" && *only != r.name && *only != r.index {
			continue
		}
		d.print(stdout, r)
	}
	if *only != "" && !d.has(*only) {
		return fmt.Errorf("%s: no function %q", path, *only)
	}
	return nil
}

// codeRange is one function or stub in .text.
type codeRange struct {
	name   string
	index  string // function index in decimal, "" for stubs
	offset uint32
	size   uint32
}

type disassembler struct {
	a      *artifact.Artifact
	gnu    bool
	ranges []codeRange
	traps  map[uint32]artifact.Site
}

func newDisassembler(a *artifact.Artifact, gnu bool) *disassembler {
	d := &disassembler{a: a, gnu: gnu, traps: make(map[uint32]artifact.Site, len(a.Code.Traps))}
	nimp := uint32(a.Module.NumImportedFuncs())
	for i, f := range a.Module.Funcs {
		idx := nimp + uint32(i)
		name := a.Module.FuncName(idx)
		if name == "" {
			name = "wasm_func_" + strconv.Itoa(int(idx))
		}
		d.ranges = append(d.ranges, codeRange{name, strconv.Itoa(int(idx)), f.Offset, f.Size})
	}
	for _, s := range a.Code.Stubs {
		d.ranges = append(d.ranges, codeRange{s.Name, "", s.Offset, s.Size})
	}
	sort.SliceStable(d.ranges, func(i, j int) bool { return d.ranges[i].offset < d.ranges[j].offset })
	for _, t := range a.Code.Traps {
		d.traps[t.Offset] = t
	}
	return d
}

func (d *disassembler) has(name string) bool {
	for _, r := range d.ranges {
		if r.name == name || r.index == name {
			return true
		}
	}
	return false
}

// symbol names call and jump targets that start a function or stub.
func (d *disassembler) symbol(addr uint64) (string, uint64) {
	i := sort.Search(len(d.ranges), func(i int) bool { return uint64(d.ranges[i].offset) > addr }) - 1
	if i >= 0 && addr < uint64(d.ranges[i].offset+d.ranges[i].size) {
		return d.ranges[i].name, uint64(d.ranges[i].offset)
	}
	return "", 0
}

func (d *disassembler) print(w io.Writer, r codeRange) {
	if r.index != "" {
		fmt.Fprintf(w, "%08x <%s> (wasm function %s, %d bytes):\n", r.offset, r.name, r.index, r.size)
	} else {
		fmt.Fprintf(w, "%08x <%s> (stub, %d bytes):\n", r.offset, r.name, r.size)
	}
	end := uint64(r.offset) + uint64(r.size)
	if end > uint64(len(d.a.Text)) {
		fmt.Fprintf(w, "  (range ends past .text)\n\n")
		return
	}
	afterTrap := ^uint32(0) // the return address of the last explicit trap call
	decode := d.decodeAMD64
	if d.a.Header.Arch == artifact.ArchARM64 {
		decode = d.decodeARM64
	}
	for pc := uint64(r.offset); pc < end; {
		n, text, call, ok := decode(pc, end)
		if !ok {
			if d.a.Header.Arch == artifact.ArchARM64 && end-pc >= 4 {
				// Data in the code (a br_table's jump table): one word, then the next.
				word := binary.LittleEndian.Uint32(d.a.Text[pc:])
				fmt.Fprintf(w, "%8x:\t%-24s\t.word %#08x\n", pc, hex.EncodeToString(d.a.Text[pc:pc+4]), word)
				pc += 4
				continue
			}
			fmt.Fprintf(w, "%8x:\t%-24s\t(bad)\n", pc, hex.EncodeToString(d.a.Text[pc:pc+1]))
			pc++
			continue
		}
		note := ""
		// An explicit trap is a call through the vmctx's trap stub (on arm64 a br followed by a
		// brk), keyed by its return address (the end of the call); an instruction that may fault is
		// keyed by its own offset.
		end := uint32(pc) + uint32(n)
		if t, ok := d.traps[end]; ok && call {
			note = fmt.Sprintf("\t; trap: %v (wasm offset %#x)", t.Kind, t.WasmOffset)
			afterTrap = end
		} else if t, ok := d.traps[uint32(pc)]; ok && uint32(pc) != afterTrap && !call {
			note = fmt.Sprintf("\t; may trap: %v (wasm offset %#x)", t.Kind, t.WasmOffset)
		}
		fmt.Fprintf(w, "%8x:\t%-24s\t%s%s\n", pc, hex.EncodeToString(d.a.Text[pc:pc+uint64(n)]), text, note)
		pc += uint64(n)
	}
	fmt.Fprintln(w)
}

// decodeAMD64 decodes one x86-64 instruction at pc: its length, its text, whether it is a call.
func (d *disassembler) decodeAMD64(pc, end uint64) (int, string, bool, bool) {
	inst, err := x86asm.Decode(d.a.Text[pc:end], 64)
	if err != nil || inst.Len == 0 {
		return 0, "", false, false
	}
	// Only branch targets are code addresses; immediates elsewhere are plain numbers.
	var sym x86asm.SymLookup
	if isBranch(inst.Op) {
		sym = d.symbol
	}
	if d.gnu {
		return inst.Len, x86asm.GNUSyntax(inst, pc, sym), inst.Op == x86asm.CALL, true
	}
	return inst.Len, x86asm.IntelSyntax(inst, pc, sym), inst.Op == x86asm.CALL, true
}

// decodeARM64 decodes one AArch64 instruction at pc. A pc-relative branch is followed by its
// absolute target and, when the target is in a function or stub, its name.
func (d *disassembler) decodeARM64(pc, end uint64) (int, string, bool, bool) {
	if end-pc < 4 {
		return 0, "", false, false
	}
	inst, err := arm64asm.Decode(d.a.Text[pc : pc+4])
	if err != nil {
		return 0, "", false, false
	}
	text := arm64asm.GNUSyntax(inst)
	for _, a := range inst.Args {
		rel, ok := a.(arm64asm.PCRel)
		if !ok {
			continue
		}
		target := uint64(int64(pc) + int64(rel))
		text += fmt.Sprintf("\t// %#x", target)
		if name, base := d.symbol(target); name != "" {
			if target == base {
				text += " <" + name + ">"
			} else {
				text += fmt.Sprintf(" <%s+%#x>", name, target-base)
			}
		}
	}
	// An explicit trap branches to the trap stub with br, right before a brk #0 (the trap site).
	trapBranch := inst.Op == arm64asm.BR && end-pc >= 8 && binary.LittleEndian.Uint32(d.a.Text[pc+4:]) == 0xd4200000
	return 4, text, inst.Op == arm64asm.BL || inst.Op == arm64asm.BLR || trapBranch, true
}

func isBranch(op x86asm.Op) bool {
	switch op {
	case x86asm.CALL, x86asm.JMP, x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JG,
		x86asm.JGE, x86asm.JL, x86asm.JLE, x86asm.JNE, x86asm.JNO, x86asm.JNP, x86asm.JNS, x86asm.JO,
		x86asm.JP, x86asm.JS:
		return true
	}
	return false
}
