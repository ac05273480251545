package runtime

import (
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/internal/native"
)

// dataImage is a module's initial memory contents, made once per loaded
// artifact and mapped copy-on-write into each instance's memory instead of
// copying the data segments (see native.DataImage).
type dataImage struct {
	*native.DataImage
	// dropped is the dataDropped of a fresh instance: every active
	// segment dropped. Instances share it until a data.drop.
	dropped []bool
}

// Below these sizes copying the segments costs less than mapping the
// image (an mmap per instance and an madvise when its memory is
// released): the image pays off with many segments (a Go program has tens
// of thousands) or many bytes.
const (
	imageMinBytes    = 64 << 10
	imageMinSegments = 256
)

// dataImage returns the module's data image, made on first use, or nil if
// its data segments are to be copied.
func (m *Module) dataImage() *native.DataImage {
	img := m.img
	if img == nil {
		return nil
	}
	img.dataOnce.Do(func() { img.data = makeDataImage(m) })
	if img.data == nil {
		return nil
	}
	return img.data.DataImage
}

// makeDataImage makes the image of m's memory, or returns nil when the
// segments must be copied instead: when the memory is imported (its
// contents are not the instance's to replace), when a table is imported (a
// failed instantiation leaves its functions callable there, and the spec
// has them see the memory without the data segments, applied after the
// element segments), when a segment's offset is not a constant or does not
// fit the initial memory (instantiation reports that as it does without an
// image), when there is too little data to be worth it, or when the system
// refuses (no memfd): the copy is always right.
func makeDataImage(m *Module) *dataImage {
	am := m.m
	if len(am.Memories) != 1 || len(m.impMems) != 0 || len(m.impTables) != 0 {
		return nil
	}
	size := am.Memories[0].Min * abi.WasmPageSize
	var segs []native.DataSegment
	dropped := make([]bool, len(am.Datas))
	total := 0
	for i, seg := range am.Datas {
		if seg.Mode != artifact.Active {
			continue
		}
		if len(seg.Offset) != 1 || seg.Offset[0].Op != artifact.OpI32Const || seg.Memory != 0 {
			return nil
		}
		off := uint32(seg.Offset[0].Imm)
		if uint64(off)+uint64(seg.Size) > size {
			return nil
		}
		dropped[i] = true
		total += int(seg.Size)
		segs = append(segs, native.DataSegment{Offset: off, Bytes: m.segment(i)})
	}
	if total < imageMinBytes && len(segs) < imageMinSegments {
		return nil
	}
	img, err := native.NewDataImage(segs, uintptr(size))
	if err != nil {
		return nil
	}
	return &dataImage{DataImage: img, dropped: dropped}
}
