package wasm

import "fmt"

func (d *decoder) elementSection() error {
	n, err := d.c.count(1)
	if err != nil {
		return err
	}
	d.m.Elements = make([]ElementSegment, 0, d.c.prealloc(n, 2))
	for i := 0; i < n; i++ {
		d.m.Elements = append(d.m.Elements, ElementSegment{})
		if err := d.element(&d.m.Elements[i]); err != nil {
			return err
		}
	}
	return nil
}

// element decodes one segment. The flag's bits: 0 passive or declarative,
// 1 explicit table index (active) or declarative (otherwise), 2 expressions
// instead of function indices.
func (d *decoder) element(seg *ElementSegment) error {
	seg.Offset = d.c.offset()
	seg.ElemType = FuncRef
	flag, err := d.c.u32()
	if err != nil {
		return err
	}
	if d.f&(FeatureBulkMemory|FeatureReferenceTypes) == 0 {
		// WebAssembly 1.0: the flag is the table index.
		seg.Table = flag
		if seg.OffsetExpr, err = d.constExpr(); err != nil {
			return err
		}
		return d.funcIndices(seg)
	}
	if flag > 7 {
		return d.c.errAt(seg.Offset, fmt.Sprintf("malformed elements segment kind %d", flag))
	}
	switch {
	case flag&1 == 0:
		seg.Mode = SegmentActive
		if flag&2 != 0 {
			if seg.Table, err = d.c.u32(); err != nil {
				return err
			}
		}
		if seg.OffsetExpr, err = d.constExpr(); err != nil {
			return err
		}
	case flag&2 == 0:
		seg.Mode = SegmentPassive
	default:
		seg.Mode = SegmentDeclarative
	}
	// Flags 0 and 4 have an implicit funcref type; the others spell it out.
	explicitType := flag&3 != 0
	if flag&4 == 0 {
		if explicitType {
			off := d.c.offset()
			kind, err := d.c.byte()
			if err != nil {
				return err
			}
			if kind != 0 {
				return d.c.errAt(off, "malformed element kind")
			}
		}
		return d.funcIndices(seg)
	}
	if explicitType {
		if seg.ElemType, err = d.refType(); err != nil {
			return err
		}
	}
	cnt, err := d.c.count(1)
	if err != nil {
		return err
	}
	seg.UsesExprs = true
	seg.Exprs = make([]ConstExpr, 0, d.c.prealloc(cnt, 1))
	for i := 0; i < cnt; i++ {
		e, err := d.constExpr()
		if err != nil {
			return err
		}
		seg.Exprs = append(seg.Exprs, e)
	}
	return nil
}

func (d *decoder) funcIndices(seg *ElementSegment) error {
	cnt, err := d.c.count(1)
	if err != nil {
		return err
	}
	seg.FuncIndices = make([]uint32, cnt)
	for i := range seg.FuncIndices {
		if seg.FuncIndices[i], err = d.c.u32(); err != nil {
			return err
		}
	}
	return nil
}
