// Package difftest runs random WebAssembly modules in wasiaot, at every
// optimisation level, and in a reference engine (wazero's interpreter),
// and compares what they observably do: each export's results or trap,
// the calls made to host functions, the exported globals and the final
// linear memory.
//
// Modules come from binaryen (wasm-opt -ttf, restricted to the features
// wasiaot supports) and from a generator of this package (Generate) that
// reaches shapes binaryen rarely makes. Engines run in a child process
// (Worker), so that a crash or hang of the host process is caught and
// reported as the most severe finding instead of ending the run.
package difftest

import (
	"fmt"
	"math"
	"strings"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// Plan is what an engine does with a module: instantiate it with logging
// host functions for its imports, then call every exported function in
// export order on the same instance.
type Plan struct {
	Imports []HostImport
	Calls   []Invocation
	Globals []ExportedGlobal
}

// HostImport is one imported function. Every import logs its arguments
// and returns zeros.
type HostImport struct {
	Module, Name    string
	Params, Results []wasm.ValType
}

// Invocation is one call of an export with its arguments as raw words.
type Invocation struct {
	Export          string
	Params, Results []wasm.ValType
	Args            []uint64
}

// ExportedGlobal names an exported global and its type.
type ExportedGlobal struct {
	Name string
	Type wasm.ValType
}

// HostCall is one call of an imported function, as logged.
type HostCall struct {
	Import int // index into Plan.Imports
	Args   []uint64
}

// CallResult is what one invocation did.
type CallResult struct {
	Results []uint64   `json:",omitempty"`
	Trap    string     `json:",omitempty"` // trap class (see trapClass); "" when it returned
	Text    string     `json:",omitempty"` // the engine's own error text
	Log     []HostCall `json:",omitempty"`
}

// Outcome is everything an engine observed for one module.
type Outcome struct {
	Engine string
	// Unsupported is set when the engine declined the module ("not
	// supported: ..."); Err when compiling or instantiating failed
	// otherwise. InitTrap is the trap class of a failed instantiation.
	Unsupported string     `json:",omitempty"`
	Err         string     `json:",omitempty"`
	InitTrap    string     `json:",omitempty"`
	InitLog     []HostCall `json:",omitempty"`
	Calls       []CallResult
	// Stopped is set when the calls stopped early: a timeout or an
	// exhausted stack (implementation limits that differ between engines)
	// leave the state not comparable.
	Stopped  bool     `json:",omitempty"`
	Globals  []uint64 `json:",omitempty"`
	MemPages uint32   `json:",omitempty"`
	MemHash  []uint64 `json:",omitempty"` // FNV-1a of each 4 KiB chunk
	// Crash is set by the parent when the child process died or hung.
	Crash string `json:",omitempty"`
}

// Trap classes: the spec's trap kinds, with the table traps the engines
// word differently merged, plus the outcomes that are no wasm trap.
const (
	TrapTimeout = "timeout"
	TrapStack   = "call stack exhausted"
	TrapTable   = "table access" // out of bounds table access, undefined or uninitialized element
	TrapHost    = "host function error"
	TrapOther   = "other"
)

// trapClass maps an engine's trap text to its class.
func trapClass(text string) string {
	for _, c := range []struct{ sub, class string }{
		{"unreachable", "unreachable"},
		{"integer divide by zero", "integer divide by zero"},
		{"integer overflow", "integer overflow"},
		{"invalid conversion to integer", "invalid conversion to integer"},
		{"out of bounds memory access", "out of bounds memory access"},
		{"out of bounds table access", TrapTable},
		{"invalid table access", TrapTable},
		{"uninitialized element", TrapTable},
		{"undefined element", TrapTable},
		{"indirect call type mismatch", "indirect call type mismatch"},
		{"stack exhausted", TrapStack},
		{"stack overflow", TrapStack},
		{"null reference", "null reference"},
	} {
		if strings.Contains(text, c.sub) {
			return c.class
		}
	}
	return TrapOther
}

// Mismatch is one difference between an engine and the reference.
type Mismatch struct {
	Engine string // "wasiaot -O2"
	Kind   string // crash, hang, compile, instantiate, result, trap, log, global, memory
	Detail string
}

func (m Mismatch) String() string { return m.Engine + ": " + m.Kind + ": " + m.Detail }

// Severity orders mismatch kinds for reports: a crash of the host first.
func (m Mismatch) Severity() int {
	switch m.Kind {
	case "crash":
		return 0
	case "hang":
		return 1
	case "compile":
		return 2
	}
	return 3
}

// Compare returns how got differs from the reference ref under plan, and
// whether the module gave a comparable run at all (false when the
// reference or wasiaot declined it).
func Compare(plan *Plan, ref, got *Outcome) (mm []Mismatch, comparable bool) {
	add := func(kind, format string, args ...any) {
		mm = append(mm, Mismatch{Engine: got.Engine, Kind: kind, Detail: fmt.Sprintf(format, args...)})
	}
	switch {
	case got.Crash != "":
		add("crash", "%s", got.Crash)
		return mm, true
	case ref.Crash != "":
		// The reference runs in the same kind of child: its crash is no
		// finding against wasiaot, but the module is not comparable.
		return nil, false
	case got.Unsupported != "" || ref.Unsupported != "":
		return nil, false
	case ref.Err != "" && ref.InitTrap == "":
		// The reference rejects the module: nothing to compare against.
		return nil, false
	case got.Err != "" && got.InitTrap == "":
		add("compile", "%s", got.Err)
		return mm, true
	case got.InitTrap != ref.InitTrap:
		add("instantiate", "trap %q, reference %q (%s)", got.InitTrap, ref.InitTrap, got.Err)
		return mm, true
	}
	if !sameLog(plan, got.InitLog, ref.InitLog) {
		add("log", "start function: %s, reference %s", fmtLog(plan, got.InitLog), fmtLog(plan, ref.InitLog))
	}
	if got.InitTrap != "" {
		return mm, true
	}
	n := min(len(got.Calls), len(ref.Calls))
	for i := range n {
		inv := &plan.Calls[i]
		g, r := &got.Calls[i], &ref.Calls[i]
		if !sameLog(plan, g.Log, r.Log) {
			add("log", "call %d %s: %s, reference %s", i, inv.Export, fmtLog(plan, g.Log), fmtLog(plan, r.Log))
		}
		if g.Trap == TrapStack || r.Trap == TrapStack {
			return mm, true // implementation limit: the rest is not comparable
		}
		if g.Trap == TrapTimeout || r.Trap == TrapTimeout {
			if g.Trap != r.Trap {
				add("hang", "call %d %s: %s, reference %s", i, inv.Export, describe(g), describe(r))
			}
			return mm, true
		}
		if g.Trap != r.Trap {
			add("trap", "call %d %s: %s, reference %s", i, inv.Export, describe(g), describe(r))
			continue
		}
		if res := wordTypes(inv.Results); g.Trap == "" && !sameValues(res, g.Results, r.Results) {
			add("result", "call %d %s(%s): %s, reference %s", i, inv.Export, fmtValues(wordTypes(inv.Params), inv.Args),
				fmtValues(res, g.Results), fmtValues(res, r.Results))
		}
	}
	if got.Stopped || ref.Stopped || len(got.Calls) != len(ref.Calls) {
		return mm, true
	}
	types := make([]wasm.ValType, len(plan.Globals))
	for i, g := range plan.Globals {
		types[i] = g.Type
	}
	if len(got.Globals) == len(ref.Globals) && !sameValues(types, got.Globals, ref.Globals) {
		add("global", "%s, reference %s", fmtValues(types, got.Globals), fmtValues(types, ref.Globals))
	}
	if got.MemPages != ref.MemPages {
		add("memory", "%d pages, reference %d", got.MemPages, ref.MemPages)
	} else {
		for i := range got.MemHash {
			if i < len(ref.MemHash) && got.MemHash[i] != ref.MemHash[i] {
				add("memory", "bytes differ in [%#x, %#x)", i*memChunk, (i+1)*memChunk)
				break
			}
		}
	}
	return mm, true
}

const memChunk = 4096

func describe(c *CallResult) string {
	if c.Trap == "" {
		return "returned"
	}
	return "trap " + c.Trap
}

// sameValues compares results or globals of the given types: a NaN
// matches any NaN, as the spec leaves the payload of arithmetic NaNs
// open (the generators keep NaN bits from reaching memory or integers);
// references compare by nullness, their values are engine addresses.
func sameValues(types []wasm.ValType, a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		t := wasm.I64
		if i < len(types) {
			t = types[i]
		}
		if !sameValue(t, a[i], b[i]) {
			return false
		}
	}
	return true
}

func sameValue(t wasm.ValType, a, b uint64) bool {
	switch t {
	case wasm.I32:
		return uint32(a) == uint32(b)
	case wasm.F32:
		fa, fb := math.Float32frombits(uint32(a)), math.Float32frombits(uint32(b))
		return uint32(a) == uint32(b) || fa != fa && fb != fb
	case wasm.F64:
		return a == b || math.IsNaN(math.Float64frombits(a)) && math.IsNaN(math.Float64frombits(b))
	case wasm.FuncRef, wasm.ExternRef:
		return (a == 0) == (b == 0)
	case wasm.V128:
		// One half of a vector, whose lane shape is unknown here: equal
		// bits, or NaNs in the same f64 or f32 lanes. Binaryen's --denan
		// leaves vectors alone (this package's generator zeroes NaN lanes,
		// so its vectors match bit for bit).
		if a == b || sameValue(wasm.F64, a, b) {
			return true
		}
		return sameValue(wasm.F32, a&0xffffffff, b&0xffffffff) && sameValue(wasm.F32, a>>32, b>>32)
	}
	return a == b
}

func sameLog(plan *Plan, a, b []HostCall) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Import != b[i].Import || a[i].Import < 0 || a[i].Import >= len(plan.Imports) {
			return false
		}
		if !sameValues(wordTypes(plan.Imports[a[i].Import].Params), a[i].Args, b[i].Args) {
			return false
		}
	}
	return true
}

func fmtLog(plan *Plan, log []HostCall) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, c := range log {
		if i == 8 {
			fmt.Fprintf(&sb, " ... %d calls", len(log))
			break
		}
		if i > 0 {
			sb.WriteByte(' ')
		}
		im := plan.Imports[c.Import]
		fmt.Fprintf(&sb, "%s(%s)", im.Name, fmtValues(wordTypes(im.Params), c.Args))
	}
	sb.WriteByte(']')
	return sb.String()
}

func fmtValues(types []wasm.ValType, vs []uint64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		t := wasm.I64
		if i < len(types) {
			t = types[i]
		}
		switch t {
		case wasm.I32:
			parts[i] = fmt.Sprintf("i32:%d", int32(v))
		case wasm.I64:
			parts[i] = fmt.Sprintf("i64:%d", int64(v))
		case wasm.F32:
			parts[i] = fmt.Sprintf("f32:%v(%#x)", math.Float32frombits(uint32(v)), uint32(v))
		case wasm.F64:
			parts[i] = fmt.Sprintf("f64:%v(%#x)", math.Float64frombits(v), v)
		case wasm.V128:
			parts[i] = fmt.Sprintf("v128-half:%#016x", v)
		default:
			parts[i] = fmt.Sprintf("ref:%#x", v)
		}
	}
	return strings.Join(parts, ",")
}
