package wasm

import "fmt"

// Module is a decoded binary module. Byte slices in it alias Raw.
type Module struct {
	Raw          []byte
	Types        []FuncType
	Imports      []Import
	Functions    []uint32 // type index of each defined function
	Tables       []TableType
	Memories     []MemoryType
	Globals      []Global
	Exports      []Export
	Start        uint32
	HasStart     bool
	Elements     []ElementSegment
	DataCount    uint32
	HasDataCount bool
	Code         []Code
	Data         []DataSegment
	Customs      []Custom
	Names        Names
	// Warnings records problems in custom sections, which do not make a module invalid.
	Warnings []string
	// SectionOffsets holds the offset of each non-custom section's id byte,
	// indexed by section id (1 type ... 12 data count); 0 when absent.
	SectionOffsets [13]int

	numImports [4]int
	importsBy  [4][]uint32 // positions in Imports, per kind
}

// NumImportedFuncs is the number of function imports; they come first in the function index space.
func (m *Module) NumImportedFuncs() int { return m.numImports[ExternFunc] }

// NumImportedTables is the number of table imports.
func (m *Module) NumImportedTables() int { return m.numImports[ExternTable] }

// NumImportedMemories is the number of memory imports.
func (m *Module) NumImportedMemories() int { return m.numImports[ExternMemory] }

// NumImportedGlobals is the number of global imports.
func (m *Module) NumImportedGlobals() int { return m.numImports[ExternGlobal] }

// NumFuncs is the size of the function index space.
func (m *Module) NumFuncs() int { return m.numImports[ExternFunc] + len(m.Functions) }

// NumTables is the size of the table index space.
func (m *Module) NumTables() int { return m.numImports[ExternTable] + len(m.Tables) }

// NumMemories is the size of the memory index space.
func (m *Module) NumMemories() int { return m.numImports[ExternMemory] + len(m.Memories) }

// NumGlobals is the size of the global index space.
func (m *Module) NumGlobals() int { return m.numImports[ExternGlobal] + len(m.Globals) }

// IndexImports recomputes the per-kind import counts that the index-space
// methods rely on. Decode calls it; call it after editing Imports by hand.
func (m *Module) IndexImports() {
	m.numImports = [4]int{}
	m.importsBy = [4][]uint32{}
	for i := range m.Imports {
		k := m.Imports[i].Kind
		m.numImports[k]++
		m.importsBy[k] = append(m.importsBy[k], uint32(i))
	}
}

// nthImport returns the n-th import of kind k.
func (m *Module) nthImport(k ExternKind, n int) *Import {
	return &m.Imports[m.importsBy[k][n]]
}

// FuncTypeIndex returns the type index of a function in the function index space.
func (m *Module) FuncTypeIndex(funcIndex uint32) (uint32, bool) {
	n := uint64(m.numImports[ExternFunc])
	if uint64(funcIndex) < n {
		return m.nthImport(ExternFunc, int(funcIndex)).TypeIndex, true
	}
	i := uint64(funcIndex) - n
	if i >= uint64(len(m.Functions)) {
		return 0, false
	}
	return m.Functions[i], true
}

// FuncType returns the signature of a function in the function index space.
func (m *Module) FuncType(funcIndex uint32) (*FuncType, bool) {
	ti, ok := m.FuncTypeIndex(funcIndex)
	if !ok || uint64(ti) >= uint64(len(m.Types)) {
		return nil, false
	}
	return &m.Types[ti], true
}

// TableType returns the type of a table in the table index space.
func (m *Module) TableType(index uint32) (*TableType, bool) {
	n := uint64(m.numImports[ExternTable])
	if uint64(index) < n {
		return &m.nthImport(ExternTable, int(index)).Table, true
	}
	i := uint64(index) - n
	if i >= uint64(len(m.Tables)) {
		return nil, false
	}
	return &m.Tables[i], true
}

// MemoryType returns the type of a memory in the memory index space.
func (m *Module) MemoryType(index uint32) (*MemoryType, bool) {
	n := uint64(m.numImports[ExternMemory])
	if uint64(index) < n {
		return &m.nthImport(ExternMemory, int(index)).Memory, true
	}
	i := uint64(index) - n
	if i >= uint64(len(m.Memories)) {
		return nil, false
	}
	return &m.Memories[i], true
}

// GlobalType returns the type of a global in the global index space.
func (m *Module) GlobalType(index uint32) (*GlobalType, bool) {
	n := uint64(m.numImports[ExternGlobal])
	if uint64(index) < n {
		return &m.nthImport(ExternGlobal, int(index)).Global, true
	}
	i := uint64(index) - n
	if i >= uint64(len(m.Globals)) {
		return nil, false
	}
	return &m.Globals[i].Type, true
}

// FuncName returns the name-section name of a function, or "" if it has none.
func (m *Module) FuncName(funcIndex uint32) string {
	return m.Names.Funcs[funcIndex]
}

// Error locates a decode or validation failure.
type Error struct {
	Section   string // "type", "import", "code", ... or "" for the header
	FuncIndex int    // function index in the function index space, or -1
	Offset    int    // byte offset in the module
	Msg       string
}

func (e *Error) Error() string {
	s := ""
	if e.Section != "" {
		s = e.Section + " section, "
	}
	if e.FuncIndex >= 0 {
		s += fmt.Sprintf("function %d, ", e.FuncIndex)
	}
	return s + fmt.Sprintf("offset %#x: %s", e.Offset, e.Msg)
}
