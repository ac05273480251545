package artifact

import (
	"debug/elf"
	"encoding/binary"
	"io"
	"slices"
)

// ELF sizes and the names of the sections this package reads.
const (
	ehdrSize  = 64
	phdrSize  = 56
	shdrSize  = 64
	symSize   = 24
	numPhdrs  = 3 // PT_LOAD .text, PT_LOAD .rodata, PT_GNU_STACK
	sigSize   = 4 + 32 + 64
	sigAlgo   = 1 // ed25519
	secText   = ".text"
	secRodata = ".rodata"
	secMeta   = ".wasiaot"
	secSig    = ".wasiaot.sig"
)

// Write validates a and writes it to w as an ELF64 shared object.
func Write(w io.Writer, a *Artifact) error {
	b, err := Marshal(a)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal validates a and returns its bytes as an ELF64 shared object. Equal
// input gives equal bytes.
func Marshal(a *Artifact) ([]byte, error) {
	if err := validate(a, uint64(len(a.Text)), uint64(len(a.Rodata))); err != nil {
		return nil, err
	}
	b, _ := marshalSealed(a, encodeMetadata(a))
	return b, nil
}

// marshalSealed is marshal with the digest table filled in; it also returns
// the SHA-256 of the table (what a signature signs).
func marshalSealed(a *Artifact, meta []byte) ([]byte, [32]byte) {
	b := marshal(a, meta)
	d, err := seal(b)
	if err != nil {
		// marshal lays out a file its own reader accepts.
		panic("artifact: sealing a file just written: " + err.Error())
	}
	return b, d
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }

type section struct {
	name      string
	typ       elf.SectionType
	flags     elf.SectionFlag
	addr      uint64
	off, size uint64
	link      uint32
	info      uint32
	align     uint64
	entsize   uint64
	data      []byte
	nameOff   uint32
}

// marshal lays the file out as:
//
//	ELF header, program headers
//	.text     at the first page boundary, vaddr = file offset
//	.rodata   at the next page boundary, vaddr = file offset
//	.wasiaot, [.wasiaot.sig,] .wasiaot.digest, .symtab, .strtab, .shstrtab, section headers
func marshal(a *Artifact, meta []byte) []byte {
	page := a.Header.Arch.pageAlign()
	le := binary.LittleEndian

	textOff := alignUp(ehdrSize+numPhdrs*phdrSize, page)
	rodataOff := alignUp(textOff+uint64(len(a.Text)), page)
	if rodataOff == textOff {
		rodataOff += page // keep the two segments apart even when .text is empty
	}
	symtab, strtab := symbolTable(a, textOff)

	secs := []*section{
		{},
		{name: secText, typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, addr: textOff, off: textOff, align: 16, data: a.Text},
		{name: secRodata, typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC, addr: rodataOff, off: rodataOff, align: 16, data: a.Rodata},
		{name: secMeta, typ: elf.SHT_PROGBITS, align: 8, data: meta},
	}
	if s := a.Signature; s != nil {
		sig := le.AppendUint32(nil, sigAlgo)
		sig = append(sig, s.PublicKey[:]...)
		sig = append(sig, s.Sig[:]...)
		secs = append(secs, &section{name: secSig, typ: elf.SHT_PROGBITS, align: 8, data: sig})
	}
	// The digest table lists .text, .rodata, .wasiaot, .symtab and .strtab;
	// seal fills in the sums.
	digest := &section{name: secDigest, typ: elf.SHT_PROGBITS, align: 8, data: make([]byte, digestTableSize(len(digestedSections)))}
	secs = append(secs, digest)
	strIdx := uint32(len(secs) + 1)
	secs = append(secs,
		&section{name: ".symtab", typ: elf.SHT_SYMTAB, align: 8, entsize: symSize, link: strIdx, info: 1, data: symtab},
		&section{name: ".strtab", typ: elf.SHT_STRTAB, align: 1, data: strtab},
		&section{name: ".shstrtab", typ: elf.SHT_STRTAB, align: 1},
	)
	shstr := []byte{0}
	for _, s := range secs[1:] {
		s.nameOff = uint32(len(shstr))
		shstr = append(append(shstr, s.name...), 0)
	}
	secs[len(secs)-1].data = shstr
	le.PutUint32(digest.data, digestAlgo)
	le.PutUint32(digest.data[4:], uint32(len(digestedSections)))
	n := 0
	for i, s := range secs {
		if slices.Contains(digestedSections, s.name) {
			le.PutUint32(digest.data[8+n*digestEntrySize:], uint32(i))
			n++
		}
	}

	end := rodataOff + uint64(len(a.Rodata))
	for _, s := range secs[3:] {
		s.off = alignUp(end, s.align)
		end = s.off + uint64(len(s.data))
	}
	shoff := alignUp(end, 8)
	out := make([]byte, shoff+uint64(len(secs))*shdrSize)

	// ELF header.
	copy(out, elf.ELFMAG)
	out[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	out[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	out[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	out[elf.EI_OSABI] = byte(elf.ELFOSABI_NONE)
	le.PutUint16(out[16:], uint16(elf.ET_DYN))
	le.PutUint16(out[18:], uint16(a.Header.Arch.machine()))
	le.PutUint32(out[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(out[24:], 0) // no entry point
	le.PutUint64(out[32:], ehdrSize)
	le.PutUint64(out[40:], shoff)
	le.PutUint32(out[48:], 0) // flags
	le.PutUint16(out[52:], ehdrSize)
	le.PutUint16(out[54:], phdrSize)
	le.PutUint16(out[56:], numPhdrs)
	le.PutUint16(out[58:], shdrSize)
	le.PutUint16(out[60:], uint16(len(secs)))
	le.PutUint16(out[62:], uint16(len(secs)-1))

	// Program headers.
	ph := out[ehdrSize:]
	putPhdr := func(i int, typ elf.ProgType, flags elf.ProgFlag, off, size, align uint64) {
		p := ph[i*phdrSize:]
		le.PutUint32(p[0:], uint32(typ))
		le.PutUint32(p[4:], uint32(flags))
		le.PutUint64(p[8:], off)
		le.PutUint64(p[16:], off) // vaddr
		le.PutUint64(p[24:], off) // paddr
		le.PutUint64(p[32:], size)
		le.PutUint64(p[40:], size)
		le.PutUint64(p[48:], align)
	}
	putPhdr(0, elf.PT_LOAD, elf.PF_R|elf.PF_X, textOff, uint64(len(a.Text)), page)
	putPhdr(1, elf.PT_LOAD, elf.PF_R, rodataOff, uint64(len(a.Rodata)), page)
	putPhdr(2, elf.PT_GNU_STACK, elf.PF_R|elf.PF_W, 0, 0, 16)

	// Section contents and headers.
	for i, s := range secs {
		copy(out[s.off:], s.data)
		if i == 0 {
			continue
		}
		h := out[shoff+uint64(i)*shdrSize:]
		le.PutUint32(h[0:], s.nameOff)
		le.PutUint32(h[4:], uint32(s.typ))
		le.PutUint64(h[8:], uint64(s.flags))
		le.PutUint64(h[16:], s.addr)
		le.PutUint64(h[24:], s.off)
		le.PutUint64(h[32:], uint64(len(s.data)))
		le.PutUint32(h[40:], s.link)
		le.PutUint32(h[44:], s.info)
		le.PutUint64(h[48:], s.align)
		le.PutUint64(h[56:], s.entsize)
	}
	return out
}

// symbolTable builds .symtab and .strtab from Symbols: one STT_FUNC each,
// all in .text (section 1).
func symbolTable(a *Artifact, textAddr uint64) (symtab, strtab []byte) {
	le := binary.LittleEndian
	syms := Symbols(a)
	strtab = []byte{0}
	symtab = make([]byte, symSize, symSize*(1+len(syms)))
	for _, sym := range syms {
		var s [symSize]byte
		le.PutUint32(s[0:], uint32(len(strtab)))
		s[4] = byte(elf.ST_INFO(elf.STB_GLOBAL, elf.STT_FUNC))
		s[5] = byte(elf.STV_DEFAULT)
		le.PutUint16(s[6:], 1)
		le.PutUint64(s[8:], textAddr+uint64(sym.Offset))
		le.PutUint64(s[16:], uint64(sym.Size))
		symtab = append(symtab, s[:]...)
		strtab = append(append(strtab, sym.Name...), 0)
	}
	return symtab, strtab
}
