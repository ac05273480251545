package difftest

import (
	"slices"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// FeaturesOf names the features and shapes a module uses, for the
// campaign's coverage counts.
func FeaturesOf(bin []byte) []string {
	m, err := wasm.Decode(bin, Features)
	if err != nil {
		return nil
	}
	set := map[string]bool{}
	add := func(s string) { set[s] = true }
	for _, t := range m.Types {
		if len(t.Results) > 1 {
			add("multi-value results")
		}
		if len(t.Params) >= 16 {
			add("16+ parameters")
		}
	}
	if len(m.Tables) > 1 {
		add("several tables")
	}
	if m.HasStart {
		add("start function")
	}
	for _, d := range m.Data {
		if d.Mode != wasm.SegmentActive {
			add("passive data segments")
		}
	}
	for _, e := range m.Elements {
		if e.Mode != wasm.SegmentActive {
			add("passive/declarative element segments")
		}
	}
	var ins wasm.Instr
	for _, c := range m.Code {
		if c.NumLocals >= 32 {
			add("32+ locals")
		}
		r := wasm.NewReader(c.Body, c.Start, Features)
		depth, maxDepth := 0, 0
		for r.Next(&ins) == nil {
			op := ins.Op
			switch op {
			case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
				depth++
				maxDepth = max(maxDepth, depth)
				if ins.BlockType.IsIndex() {
					add("multi-value blocks")
				}
				if op == wasm.OpLoop {
					add("loops")
				}
			case wasm.OpEnd:
				depth--
			case wasm.OpBrTable:
				add("br_table")
				if len(ins.Labels) > 16 {
					add("br_table with 16+ targets")
				}
			case wasm.OpCallIndirect:
				add("call_indirect")
				if ins.Index2 > 0 {
					add("call_indirect through table 1+")
				}
			case wasm.OpMemoryGrow:
				add("memory.grow")
			case wasm.OpTableGrow:
				add("table.grow")
			case wasm.OpTableGet, wasm.OpTableSet, wasm.OpTableSize, wasm.OpTableFill, wasm.OpTableCopy, wasm.OpTableInit, wasm.OpElemDrop:
				add("table instructions")
			case wasm.OpMemoryInit, wasm.OpDataDrop, wasm.OpMemoryCopy, wasm.OpMemoryFill:
				add("bulk memory")
			case wasm.OpRefNull, wasm.OpRefIsNull, wasm.OpRefFunc:
				add("reference instructions")
			case wasm.OpSelectT:
				add("typed select")
			}
			if op>>16 == 0xfd {
				add("SIMD")
				if info := op.Info(); info != nil && info.Imm == wasm.ImmMemArgLane {
					add("SIMD lane loads/stores")
				}
			}
			switch {
			case op >= wasm.OpI32Extend8S && op <= wasm.OpI64Extend32S:
				add("sign-extension")
			case op >= wasm.OpI32TruncSatF32S && op <= wasm.OpI64TruncSatF64U:
				add("saturating conversions")
			}
		}
		if maxDepth >= 32 {
			add("block nesting 32+")
		}
	}
	var out []string
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
