package artifact

import "strconv"

// maxSymbolLen bounds symbol names; C++ and Rust names can be very long.
const maxSymbolLen = 256

// sanitizeSymbol keeps printable ASCII except space and replaces every other
// byte with '_', so tools print the name on one line as it is.
func sanitizeSymbol(name string) string {
	if len(name) > maxSymbolLen {
		name = name[:maxSymbolLen]
	}
	b := []byte(name)
	for i, c := range b {
		if c <= ' ' || c >= 0x7f {
			b[i] = '_'
		}
	}
	return string(b)
}

// funcSymbols returns one unique symbol name per defined function: its name
// from the name section, or else its first export's name, or
// wasm_func_<index>. A clash gets ".<index>"
// appended, then "~<n>" until unique; the result depends only on the input.
func funcSymbols(m *Module) []string {
	nimp := m.NumImportedFuncs()
	out := make([]string, len(m.Funcs))
	used := make(map[string]struct{}, len(m.Funcs))
	names := m.FuncNames
	exported := map[uint32]string{}
	for _, e := range m.Exports {
		if _, ok := exported[e.Index]; e.Kind == KindFunc && !ok {
			exported[e.Index] = e.Name
		}
	}
	for i := range m.Funcs {
		idx := nimp + uint32(i)
		for len(names) > 0 && names[0].Index < idx {
			names = names[1:]
		}
		s := ""
		if len(names) > 0 && names[0].Index == idx {
			s = sanitizeSymbol(names[0].Name)
		} else if e, ok := exported[idx]; ok {
			s = sanitizeSymbol(e)
		}
		if s == "" {
			s = "wasm_func_" + strconv.FormatUint(uint64(idx), 10)
		}
		if _, dup := used[s]; dup {
			s += "." + strconv.FormatUint(uint64(idx), 10)
			base := s
			for n := 2; ; n++ {
				if _, dup := used[s]; !dup {
					break
				}
				s = base + "~" + strconv.Itoa(n)
			}
		}
		used[s] = struct{}{}
		out[i] = s
	}
	return out
}

// Symbol names a range of .text, as the ELF symbol table does.
type Symbol struct {
	Name         string
	Offset, Size uint32
}

// Symbols returns the symbols of a's code, in the order of the ELF symbol
// table: one per defined function (see funcSymbols), per stub
// ("wasiaot.<name>") and per distinct entry stub ("wasiaot.entry.type<N>",
// size 0), every name unique.
func Symbols(a *Artifact) []Symbol {
	names := funcSymbols(&a.Module)
	syms := make([]Symbol, 0, len(names)+len(a.Code.Stubs)+len(a.Code.EntryStubs))
	used := make(map[string]struct{}, len(names))
	for i, f := range a.Module.Funcs {
		syms = append(syms, Symbol{names[i], f.Offset, f.Size})
		used[names[i]] = struct{}{}
	}
	unique := func(s string) string {
		base := s
		for n := 2; ; n++ {
			if _, dup := used[s]; !dup {
				used[s] = struct{}{}
				return s
			}
			s = base + "~" + strconv.Itoa(n)
		}
	}
	for _, s := range a.Code.Stubs {
		syms = append(syms, Symbol{unique("wasiaot." + sanitizeSymbol(s.Name)), s.Offset, s.Size})
	}
	seen := make(map[uint32]bool)
	for t, off := range a.Code.EntryStubs {
		if off != NoStub && !seen[off] {
			seen[off] = true
			syms = append(syms, Symbol{unique("wasiaot.entry.type" + strconv.Itoa(t)), off, 0})
		}
	}
	return syms
}
