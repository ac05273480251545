package wasm

import "fmt"

func (d *decoder) customSection(secOff int) error {
	name, err := d.c.name()
	if err != nil {
		return err
	}
	payloadOff := d.c.pos
	payload := d.c.buf[payloadOff:]
	d.c.pos = len(d.c.buf)
	d.m.Customs = append(d.m.Customs, Custom{
		Name: name, Payload: payload, PayloadOffset: d.c.base + payloadOff, Offset: secOff,
	})
	if name == "name" {
		// Custom sections are not validated: a bad name section is only a warning.
		if err := d.m.parseNames(payload, d.c.base+payloadOff); err != nil {
			d.m.Warnings = append(d.m.Warnings, "name section: "+err.Error())
		}
	}
	return nil
}

// parseNames reads the module, function and local name subsections.
func (m *Module) parseNames(b []byte, base int) error {
	c := cursor{buf: b, base: base}
	last := -1
	for !c.eof() {
		off := c.offset()
		id, _ := c.byte()
		size, err := c.u32()
		if err != nil {
			return err
		}
		if uint64(size) > uint64(len(c.buf)-c.pos) {
			return c.errEnd(c.offset())
		}
		sub, _ := c.bytes(int(size))
		if int(id) <= last {
			return c.errAt(off, fmt.Sprintf("subsection %d out of order", id))
		}
		last = int(id)
		sc := cursor{buf: sub, base: c.offset() - len(sub)}
		switch id {
		case 0:
			if m.Names.Module, err = sc.name(); err != nil {
				return err
			}
			m.Names.HasModule = true
		case 1:
			if m.Names.Funcs, err = nameMap(&sc); err != nil {
				return err
			}
		case 2:
			n, err := sc.count(2)
			if err != nil {
				return err
			}
			m.Names.Locals = make(map[uint32]map[uint32]string, n)
			for i := 0; i < n; i++ {
				fn, err := sc.u32()
				if err != nil {
					return err
				}
				if m.Names.Locals[fn], err = nameMap(&sc); err != nil {
					return err
				}
			}
		default:
			continue // other subsections are skipped
		}
		if !sc.eof() {
			return sc.errAt(sc.offset(), "subsection size mismatch")
		}
	}
	return nil
}

func nameMap(c *cursor) (map[uint32]string, error) {
	n, err := c.count(2)
	if err != nil {
		return nil, err
	}
	names := make(map[uint32]string, n)
	for i := 0; i < n; i++ {
		idx, err := c.u32()
		if err != nil {
			return nil, err
		}
		if names[idx], err = c.name(); err != nil {
			return nil, err
		}
	}
	return names, nil
}
