package regalloc

// storeOnce removes repeated spill stores (greedy only). A value with one
// definition holds the same bits in its slot whatever store wrote them, so
// once the slot is written right after the definition, every other store
// of the value into its slot is redundant. Splitting a value inside a loop
// leaves such stores on the loop's paths (a register piece that gives way
// to the stack piece again on every iteration); one store after the
// definition replaces them when it executes less often than they do, by
// loop depth. The definition dominates every reload, so the slot is
// written before any read of it.
func (a *Allocator) storeOnce(moves []pmove) []pmove {
	if a.Algorithm != Greedy {
		return moves
	}
	f := a.f
	nv := len(f.VRegClass)
	// a.defAt is countDefs's, from the start of greedy: the joins were
	// made before it, so it still describes every class.
	a.spillW = grow(a.spillW, nv)
	found := false
	for _, m := range moves {
		if m.from.IsReg() && m.to.IsSlot() && m.def < 0 {
			found = true
			break
		}
	}
	if !found {
		return moves
	}
	clear(a.spillW[:nv])
	a.steps += int64(nv)
	weight := func(at int32) float64 {
		return depthWeight[min(a.instrDepth[at], int32(len(depthWeight)-1))]
	}
	isDefStore := func(m pmove, r VReg) bool {
		return m.stage == stagePostDef && m.at == a.defAt[r]+1
	}
	// spillW[r]: the weight of r's stores, or one of these decisions.
	const (
		defStores = -1 // the definition's copy-out stores: drop the others
		storeHere = -2 // drop the stores, store after the definition
	)
	isStore := func(m pmove) (VReg, bool) {
		r := a.find(m.v)
		ok := m.from.IsReg() && m.to.IsSlot() && a.defAt[r] >= 0 && a.slot[r] >= 0 && m.to == SlotLoc(a.slot[r])
		return r, ok
	}
	for _, m := range moves {
		r, ok := isStore(m)
		if !ok || a.spillW[r] < 0 {
			continue
		}
		if isDefStore(m, r) {
			a.spillW[r] = defStores
			continue
		}
		a.spillW[r] += weight(m.at)
	}
	hoisted := false
	for v := range nv {
		r := VReg(v)
		d := a.defAt[r]
		if d < 0 {
			continue
		}
		if w := a.spillW[r]; w < 0 {
			hoisted = true
		} else if w > weight(d) {
			// The location right after the definition: a register,
			// since a definition needs one unless its copy-out stores.
			if l, err := a.locAt(r, a.instrPos[d]+3); err == nil && l.IsReg() {
				a.spillW[r] = storeHere
				hoisted = true
			}
		}
	}
	if !hoisted {
		return moves
	}
	out := moves[:0]
	for _, m := range moves {
		if r, ok := isStore(m); ok && a.spillW[r] < 0 && !isDefStore(m, r) {
			continue
		}
		out = append(out, m)
	}
	for v := range nv {
		r := VReg(v)
		if a.spillW[r] != storeHere {
			continue
		}
		d := a.defAt[r]
		l, _ := a.locAt(r, a.instrPos[d]+3)
		out = append(out, pmove{at: d + 1, stage: stageGap, from: l, to: SlotLoc(a.slot[r]), class: f.VRegClass[r], v: r, def: -1})
	}
	// sortMoves finds a move by its seq: number them again, in order.
	for k := range out {
		out[k].seq = int32(k)
	}
	return out
}
