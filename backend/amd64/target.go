package amd64

import (
	"errors"
	"sync"

	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

func init() { backend.Register(Target) }

// Target is the amd64 backend as the compiler driver sees it.
var Target backend.Target = target{}

type target struct{}

func (target) Name() string            { return "amd64" }
func (target) Arch() artifact.Arch     { return artifact.ArchAMD64 }
func (target) VMCtxHeaderSize() uint32 { return abi.AMD64VMCtxHeaderSize }
func (target) FuncAlign() int          { return funcAlign }

// funcAlign is the alignment of every function and stub in .text.
const funcAlign = 16

// Pad fills with int3.
func (target) Pad(text []byte) []byte {
	for len(text)%funcAlign != 0 {
		text = append(text, 0xcc)
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

// stubAllocators keeps register allocators for entry stubs, whose arenas
// would otherwise be grown afresh for every module.
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

// The CPU levels. baseline is what the backend has always assumed: SSE4.1
// for floats and vectors, POPCNT, LZCNT and TZCNT (BMI1). x86-64-v2 and
// x86-64-v3 are the levels of the x86-64 psABI: v2 lacks LZCNT and BMI1
// (clz and ctz then take bsr and bsf) but has SSE4.2; v3 adds AVX and
// AVX2 (VEX encodings), BMI1, BMI2 (shlx, shrx, sarx, rorx, andn), FMA,
// LZCNT and MOVBE.
const (
	levelV2       = artifact.FeatureSSE3 | artifact.FeatureSSSE3 | artifact.FeatureSSE41 | artifact.FeatureSSE42 | artifact.FeaturePOPCNT
	levelBaseline = artifact.FeatureSSE3 | artifact.FeatureSSSE3 | artifact.FeatureSSE41 | artifact.FeaturePOPCNT | artifact.FeatureLZCNT | artifact.FeatureBMI1
	levelV3       = levelV2 | artifact.FeatureAVX | artifact.FeatureAVX2 | artifact.FeatureBMI1 | artifact.FeatureBMI2 |
		artifact.FeatureFMA | artifact.FeatureLZCNT | artifact.FeatureMOVBE
)

var cpuLevels = []backend.CPULevel{
	{Name: "baseline", Features: levelBaseline, Doc: "SSE4.1, POPCNT, LZCNT, BMI1 (Intel since 2013, AMD since 2011)"},
	{Name: "x86-64-v2", Features: levelV2, Doc: "SSE4.2, POPCNT; clz and ctz without LZCNT or BMI1 (since about 2009)"},
	{Name: "x86-64-v3", Features: levelV3, Doc: "v2 with AVX, AVX2, BMI1, BMI2, FMA, LZCNT, MOVBE (since 2013-2015): VEX code"},
}

func (target) CPULevels() []backend.CPULevel { return cpuLevels }

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

func (c *compiler) Features() artifact.Features { return c.sel.Used.artifact() }

// featureBits ties the backend's feature bits to the artifact's.
var featureBits = [...]struct {
	own Features
	art artifact.Features
}{
	{FeatLZCNT, artifact.FeatureLZCNT},
	{FeatBMI1, artifact.FeatureBMI1},
	{FeatPOPCNT, artifact.FeaturePOPCNT},
	{FeatSSE41, artifact.FeatureSSE41},
	{FeatSSE42, artifact.FeatureSSE42},
	{FeatAVX, artifact.FeatureAVX},
	{FeatAVX2, artifact.FeatureAVX2},
	{FeatBMI2, artifact.FeatureBMI2},
}

func (f Features) artifact() artifact.Features {
	var a artifact.Features
	for _, b := range featureBits {
		if f&b.own != 0 {
			a |= b.art
		}
	}
	return a
}

// allowedFeatures returns the backend's bits of the CPU features code may
// use: the baseline's when cpu is 0.
func allowedFeatures(cpu artifact.Features) Features {
	if cpu == 0 {
		cpu = levelBaseline
	}
	var f Features
	for _, b := range featureBits {
		if cpu&b.art != 0 {
			f |= b.own
		}
	}
	return f
}
