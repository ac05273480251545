package arm64

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

func init() { backend.Register(Target) }

// Target is the arm64 backend as the compiler driver sees it.
var Target backend.Target = target{}

type target struct{}

func (target) Name() string            { return "arm64" }
func (target) Arch() artifact.Arch     { return artifact.ArchARM64 }
func (target) VMCtxHeaderSize() uint32 { return abi.ARM64VMCtxHeaderSize }
func (target) FuncAlign() int          { return funcAlign }

// funcAlign is the alignment of every function and stub in .text.
const funcAlign = 16

// udf is the permanently undefined instruction (udf #0): the filler
// between functions traps.
const udf = 0x00000000

// Pad fills with udf #0.
func (target) Pad(text []byte) []byte {
	for len(text)%4 != 0 {
		text = append(text, 0)
	}
	for len(text)%funcAlign != 0 {
		text = binary.LittleEndian.AppendUint32(text, udf)
	}
	return text
}

func (target) NewCompiler(mi *ModuleInfo) backend.Compiler {
	c := &compiler{sel: NewSelector(mi), alloc: NewAllocator(), emit: NewEmitter()}
	if mi != nil {
		c.alloc.ra.Algorithm = mi.RegAlloc
	}
	return c
}

// stubAllocators keeps register allocators for entry stubs.
var stubAllocators = sync.Pool{New: func() any { return NewAllocator() }}

func (target) EntryStub(name string, sig *ssa.Signature, entryTarget uint32) (*Code, error) {
	f, err := EntryStub(name, sig, entryTarget)
	if err != nil {
		return nil, errors.Join(backend.ErrNoEntryStub, err)
	}
	alloc := stubAllocators.Get().(*Allocator)
	defer stubAllocators.Put(alloc)
	if err := alloc.Allocate(f); err != nil {
		return nil, errors.Join(backend.ErrNoEntryStub, err) // more params or results than registers
	}
	return Emit(f)
}

func (target) RuntimeStubs() (*backend.RuntimeStubs, error) { return RuntimeStubs() }

// compiler is one goroutine's selector, allocator and emitter.
type compiler struct {
	sel   *Selector
	alloc *Allocator
	emit  *Emitter
}

func (c *compiler) Compile(f *ssa.Func) (*Code, error) {
	mf, err := c.sel.Select(f)
	if err != nil {
		return nil, err
	}
	if err := c.alloc.Allocate(mf); err != nil {
		return nil, err
	}
	code, err := c.emit.Emit(mf)
	if err != nil {
		return nil, err
	}
	code.Alloc = c.alloc.Last.Stats
	return code, nil
}

func (c *compiler) Reset(mi *ModuleInfo) {
	c.sel.Reset(mi)
	if mi != nil {
		c.alloc.ra.Algorithm = mi.RegAlloc
	}
}

// Features is empty: the code needs only the ARMv8.0-A base with
// Advanced SIMD, which every arm64 Linux system has.
func (c *compiler) Features() artifact.Features { return 0 }

// cpuLevels: the backend uses no optional arm64 feature yet, so its one
// level is the ARMv8.0-A base.
var cpuLevels = []backend.CPULevel{{Name: "baseline", Doc: "ARMv8.0-A with NEON: every arm64 CPU"}}

func (target) CPULevels() []backend.CPULevel { return cpuLevels }
