package wat

import "sort"

// appendNames writes the name custom section from the identifiers of the
// text: module, functions, locals of every function, then types, tables,
// memories, globals, element and data segments. Names drop the leading $.
// The layout is the one wast2json writes, so binaries compare byte for byte.
func (m *module) appendNames(out []byte) []byte {
	p := appendName(nil, "name")
	sub := func(id byte, b []byte) {
		p = appendU32(append(p, id), uint32(len(b)))
		p = append(p, b...)
	}
	if m.name != "" {
		sub(0, appendName(nil, m.name[1:]))
	}
	if len(m.funcs.byIndex) > 0 {
		sub(1, nameMap(m.funcs.byIndex))
	}
	locals := appendU32(nil, m.funcs.n)
	for i := uint32(0); i < m.funcs.n; i++ {
		locals = append(appendU32(locals, i), nameMap(m.localNames[i])...)
	}
	sub(2, locals)
	for i, sp := range []*space{&m.typeNames, &m.tables, &m.mems, &m.globals, &m.elems, &m.datas} {
		if len(sp.byIndex) > 0 {
			sub(byte(4+i), nameMap(sp.byIndex))
		}
	}
	return appendSection(out, 0, p)
}

// nameMap encodes index-name pairs in increasing index order.
func nameMap(names map[uint32]string) []byte {
	idx := make([]uint32, 0, len(names))
	for i := range names {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	b := appendU32(nil, uint32(len(idx)))
	for _, i := range idx {
		b = appendName(appendU32(b, i), names[i])
	}
	return b
}
