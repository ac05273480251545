package runtime

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/internal/native"
)

// Descriptions of imports and exports reuse the artifact's types.
type (
	ExternKind = artifact.ExternKind
	Limits     = artifact.Limits
	TableType  = artifact.TableType
	MemoryType = artifact.MemoryType
	GlobalType = artifact.GlobalType
)

// The extern kinds.
const (
	KindFunc   = artifact.KindFunc
	KindTable  = artifact.KindTable
	KindMemory = artifact.KindMemory
	KindGlobal = artifact.KindGlobal
)

// ImportDesc describes one import; the field matching Kind is set.
type ImportDesc struct {
	Module, Name string
	Kind         ExternKind
	Func         FuncType
	Table        TableType
	Memory       MemoryType
	Global       GlobalType
}

// ExportDesc describes one export; the field matching Kind is set.
type ExportDesc struct {
	Name   string
	Kind   ExternKind
	Func   FuncType
	Table  TableType
	Memory MemoryType
	Global GlobalType
}

// Module is a loaded, verified artifact, ready to be instantiated.
type Module struct {
	rt     *Runtime
	art    *artifact.Artifact
	m      *artifact.Module
	img    *image  // LoadFile: the shared mapping of the file
	text   uintptr // address of .text
	rodata []byte

	modInfo

	mu     sync.Mutex
	idle   []*native.Context
	live   atomic.Int64
	closed bool
}

// modInfo is what a Module derives from its artifact's metadata; it never
// changes, so Modules of one cached image share it (see image).
type modInfo struct {
	// wasm1: built without bulk memory, so instantiation follows WebAssembly 1.0.
	wasm1 bool

	layout  abi.Layout
	types   []FuncType
	typeIDs []uint32
	// funcType is the type index of every function, imports first.
	funcType []uint32
	// impFuncs, impTables, impMems and impGlobals map each imported entity to
	// its position in m.Imports.
	impFuncs, impTables, impMems, impGlobals []uint32
	argSlots                                 int
	exports                                  map[string]artifact.Export

	// Instance records after the layout's module area: FuncRef records of
	// the defined functions, then TableDescs of the defined tables, then
	// their initial elements.
	refsOff, descsOff uint32
	elemsOff          []uint32 // per defined table; elements are inline up to elemsCap
	elemsCap          []uint32
	moduleSize        int
}

// Load copies the artifact b into fresh memory, checks it there (as
// LoadFile does) and makes that memory its code.
func (r *Runtime) Load(b []byte) (*Module, error) {
	img, err := r.loadImage(int64(len(b)), func(mem []byte) (int, error) { return copy(mem, b), nil })
	if err != nil {
		return nil, err
	}
	m := r.moduleOf(img.art, img.info)
	m.use(img)
	return m, nil
}

// imageSpan is the size of the image holding .text and .rodata at their
// distance, or 0 if .rodata does not follow .text closely enough.
func imageSpan(l artifact.Layout) uint64 {
	if l.RodataSize == 0 {
		return l.TextSize
	}
	if l.RodataAddr < l.TextAddr+l.TextSize || l.RodataAddr-l.TextAddr > 1<<32 {
		return 0
	}
	return l.RodataAddr + l.RodataSize - l.TextAddr
}

// mapped finishes loading once the code is in the arena: it finds .text
// and .rodata and takes execute permission away from .rodata.
func mapped(code *native.Code, l artifact.Layout) (text uintptr, rodata []byte, err error) {
	text = code.Addr()
	if l.RodataSize == 0 {
		return text, nil, nil
	}
	at := text + uintptr(l.RodataAddr-l.TextAddr)
	rodata = bytesAt(at, int(l.RodataSize))
	pageLo := at &^ 4095
	rw := bytesAt(pageLo, int((at+uintptr(l.RodataSize)+4095)&^4095-pageLo))
	if err := syscall.Mprotect(rw, syscall.PROT_READ); err != nil {
		return 0, nil, fmt.Errorf("protect .rodata: %w", err)
	}
	return text, rodata, nil
}

// moduleOf makes a Module of the verified artifact a (without its code).
func (r *Runtime) moduleOf(a *artifact.Artifact, info *modInfo) *Module {
	return &Module{rt: r, art: a, m: &a.Module, modInfo: *info}
}

// describe derives the modInfo of a verified artifact.
func describe(a *artifact.Artifact) (*modInfo, error) {
	am := &a.Module
	m := &modInfo{exports: make(map[string]artifact.Export, len(am.Exports))}
	m.wasm1 = builtForWasm1(a.Header.Options)
	m.types = make([]FuncType, len(am.Types))
	m.typeIDs = make([]uint32, len(am.Types))
	m.argSlots = abi.MinArgSlots
	for i, t := range am.Types {
		m.types[i] = fromArtifactType(t)
		m.typeIDs[i] = typeID(m.types[i])
		// call_ref takes the FuncRef address before the params.
		m.argSlots = max(m.argSlots, len(t.Params)+1, len(t.Results))
	}
	for i, im := range am.Imports {
		switch im.Kind {
		case KindFunc:
			m.impFuncs = append(m.impFuncs, uint32(i))
			m.funcType = append(m.funcType, im.TypeIndex)
		case KindTable:
			m.impTables = append(m.impTables, uint32(i))
		case KindMemory:
			m.impMems = append(m.impMems, uint32(i))
		case KindGlobal:
			m.impGlobals = append(m.impGlobals, uint32(i))
		}
	}
	for _, f := range am.Funcs {
		m.funcType = append(m.funcType, f.TypeIndex)
	}
	nmem := len(m.impMems) + len(am.Memories)
	if nmem > 1 {
		return nil, errors.New("not supported: more than one memory")
	}
	for _, mt := range am.Memories {
		if mt.Shared {
			return nil, errors.New("not supported: shared memory")
		}
	}
	for _, e := range am.Exports {
		m.exports[e.Name] = e
	}
	var err error
	m.layout, err = abi.NewLayout(abi.ModuleShape{
		HeaderSize: abi.VMCtxHeaderSize,
		NumTypes:   uint32(len(am.Types)),
		NumFuncs:   uint32(len(m.funcType)),
		NumGlobals: uint32(len(m.impGlobals) + len(am.Globals)),
		NumTables:  uint32(len(m.impTables) + len(am.Tables)),
		HasMemory:  nmem > 0,
	})
	if err != nil {
		return nil, err
	}
	off := uint64(m.layout.Size)
	m.refsOff = uint32(off)
	off += abi.FuncRefSize * uint64(len(am.Funcs))
	off = (off + 15) &^ 15
	m.descsOff = uint32(off)
	off += abi.TableDescSize * uint64(len(am.Tables))
	for _, t := range am.Tables {
		// Small tables live in the vmctx block; they move out when they
		// grow past what was reserved.
		c := uint32(0)
		if t.Min <= inlineElems {
			c = uint32(t.Min)
			if t.HasMax && t.Max <= inlineElems {
				c = uint32(t.Max)
			}
		}
		m.elemsOff = append(m.elemsOff, uint32(off))
		m.elemsCap = append(m.elemsCap, c)
		off += 8 * uint64(c)
	}
	if off > 1<<30 {
		return nil, fmt.Errorf("instance records of %d bytes are too large", off)
	}
	m.moduleSize = int(off) - abi.VMCtxHeaderSize
	return m, nil
}

// inlineElems is the largest table kept inside the vmctx block.
const inlineElems = 1024

// Imports describes what the module imports, in order.
func (m *Module) Imports() []ImportDesc {
	out := make([]ImportDesc, len(m.m.Imports))
	for i, im := range m.m.Imports {
		d := ImportDesc{Module: im.Module, Name: im.Name, Kind: im.Kind, Table: im.Table, Memory: im.Memory, Global: im.Global}
		if im.Kind == KindFunc {
			d.Func = m.types[im.TypeIndex]
		}
		out[i] = d
	}
	return out
}

// Exports describes what the module exports, in order.
func (m *Module) Exports() []ExportDesc {
	out := make([]ExportDesc, len(m.m.Exports))
	for i, e := range m.m.Exports {
		d := ExportDesc{Name: e.Name, Kind: e.Kind}
		switch e.Kind {
		case KindFunc:
			d.Func = m.types[m.funcType[e.Index]]
		case KindTable:
			d.Table = m.tableType(e.Index)
		case KindMemory:
			d.Memory = m.memoryType()
		case KindGlobal:
			d.Global = m.globalType(e.Index)
		}
		out[i] = d
	}
	return out
}

func (m *Module) tableType(i uint32) TableType {
	if int(i) < len(m.impTables) {
		return m.m.Imports[m.impTables[i]].Table
	}
	return m.m.Tables[int(i)-len(m.impTables)]
}

func (m *Module) memoryType() MemoryType {
	if len(m.impMems) > 0 {
		return m.m.Imports[m.impMems[0]].Memory
	}
	return m.m.Memories[0]
}

func (m *Module) globalType(i uint32) GlobalType {
	if int(i) < len(m.impGlobals) {
		return m.m.Imports[m.impGlobals[i]].Global
	}
	return m.m.Globals[int(i)-len(m.impGlobals)].Type
}

// Name is the module name from the name section, if any.
func (m *Module) Name() string { return m.m.Name }

// FuncName is the name of function idx from the name section, or else the
// name it is exported by, or "".
func (m *Module) FuncName(idx uint32) string { return m.m.FuncName(idx) }

// Close releases the module's code once its last instance is closed.
// Instantiating a closed module fails.
func (m *Module) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return errors.New("module closed twice")
	}
	m.closed = true
	m.mu.Unlock()
	if m.live.Load() == 0 {
		return m.release()
	}
	return nil
}

// release frees the pooled contexts and the code; it runs once, when the
// module is closed and has no live instances.
func (m *Module) release() error {
	m.mu.Lock()
	idle, img := m.idle, m.img
	m.idle, m.img = nil, nil
	m.mu.Unlock()
	var err error
	for _, c := range idle {
		err = errors.Join(err, c.Close())
	}
	if img != nil {
		err = errors.Join(err, images.release(img))
	}
	return err
}

// context returns a pooled or fresh vmctx for a new instance.
func (m *Module) context() (*native.Context, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, errors.New("instantiate: module is closed")
	}
	m.live.Add(1)
	if n := len(m.idle); n > 0 {
		c := m.idle[n-1]
		m.idle = m.idle[:n-1]
		m.mu.Unlock()
		return c, nil
	}
	m.mu.Unlock()
	c, err := native.NewContext(native.Config{ModuleSize: m.moduleSize, ArgSlots: m.argSlots, StackSize: m.rt.cfg.StackSize})
	if err != nil {
		m.dropLive()
		return nil, err
	}
	return c, nil
}

// recycle takes back an instance's vmctx, cleared, or closes it;
// trapped says whether a call of the instance trapped.
func (m *Module) recycle(c *native.Context, trapped bool) error {
	var err error
	if c.Header().ExitSP != 0 {
		err = c.Close()
	} else {
		clear(c.Module())
		if st := c.Stack(); st != nil {
			err = st.Recycle(trapped)
		}
		h := c.Header()
		h.MemoryBase, h.MemoryLen = 0, 0
		c.ClearInterrupt()
		m.mu.Lock()
		if !m.closed && len(m.idle) < m.rt.cfg.InstancePoolSize {
			m.idle = append(m.idle, c)
			c = nil
		}
		m.mu.Unlock()
		if c != nil {
			err = c.Close()
		}
	}
	return errors.Join(err, m.dropLive())
}

func (m *Module) dropLive() error {
	if m.live.Add(-1) == 0 {
		m.mu.Lock()
		closed := m.closed
		m.mu.Unlock()
		if closed {
			return m.release()
		}
	}
	return nil
}

// builtForWasm1 reports whether the artifact was compiled without the bulk-memory feature, whose
// instantiation semantics replaced 1.0's all-or-nothing segment initialisation.
func builtForWasm1(options []string) bool {
	for _, o := range options {
		if v, ok := strings.CutPrefix(o, artifact.OptionFeatures); ok {
			for _, f := range strings.Split(v, "|") {
				if f == "bulk-memory" {
					return false
				}
			}
			return true
		}
	}
	return false
}
