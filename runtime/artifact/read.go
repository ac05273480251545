package artifact

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"strings"
)

// maxSections bounds the section header table; wasiaot writes eight at most.
const maxSections = 64

// Options change how the readers represent what they read; they check the
// same things either way.
type Options struct {
	// LazySites keeps the trap and call site tables in their encoded form,
	// checked in full but not decoded: Code.Traps and Code.Calls stay nil
	// and Code.TrapAt, CallAt, TrapSites and CallSites read the encoded
	// tables (which Parse copies out of b). A large module loaded to run
	// then does not pay for a slice entry per site, for sites it looks up
	// only when it traps.
	LazySites bool
}

// Parse reads and checks an artifact held in memory. The returned Text and
// Rodata alias b. Parse checks the digests of every byte (ErrCorrupt), the
// encoding and the internal consistency of the metadata; Verify checks that
// this machine can run the code, Artifact.SignedBy who signed it.
func Parse(b []byte) (*Artifact, error) { return ParseWith(b, Options{}) }

// ParseWith is Parse with options.
func ParseWith(b []byte, o Options) (*Artifact, error) {
	a, err := parse(memSource(b), uint64(len(b)), o)
	if err != nil {
		return nil, err
	}
	l := &a.Layout
	a.Text = nilIfEmpty(b[l.TextOffset : l.TextOffset+l.TextSize])
	a.Rodata = nilIfEmpty(b[l.RodataOffset : l.RodataOffset+l.RodataSize])
	return a, nil
}

// ParseReaderAt reads and checks an artifact of the given size from r (an
// *os.File, typically) without keeping .text or .rodata: it reads them to
// check their digests, but Text and Rodata stay nil and Layout says where
// they are. Code to run must come from the bytes checked, not from a second
// read of the file (runtime.LoadFile reads once, into memory).
func ParseReaderAt(r io.ReaderAt, size int64) (*Artifact, error) {
	return ParseReaderAtWith(r, size, Options{})
}

// ParseReaderAtWith is ParseReaderAt with options.
func ParseReaderAtWith(r io.ReaderAt, size int64, o Options) (*Artifact, error) {
	if size < 0 {
		return nil, errf(ErrMalformed, "negative file size %d", size)
	}
	return parse(readerSource{r, new([]byte)}, uint64(size), o)
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// source hands out byte ranges already checked against the file size.
type source interface {
	bytes(off, n uint64) ([]byte, error)
	// hash writes n bytes at off to h.
	hash(h hash.Hash, off, n uint64) error
}

type memSource []byte

func (m memSource) bytes(off, n uint64) ([]byte, error) { return m[off : off+n], nil }

func (m memSource) hash(h hash.Hash, off, n uint64) error {
	h.Write(m[off : off+n])
	return nil
}

type readerSource struct {
	r   io.ReaderAt
	buf *[]byte // for hash, shared by the calls of one parse
}

func (s readerSource) bytes(off, n uint64) ([]byte, error) {
	b := make([]byte, n)
	// A full read at the end of the input may come with io.EOF.
	if got, err := s.r.ReadAt(b, int64(off)); err != nil && uint64(got) != n {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, errf(ErrTruncated, "truncated: reading %d bytes at %#x: %v", n, off, err)
		}
		return nil, fmt.Errorf("artifact: reading %d bytes at %#x: %w", n, off, err)
	}
	return b, nil
}

func (s readerSource) hash(h hash.Hash, off, n uint64) error {
	if len(*s.buf) == 0 {
		*s.buf = make([]byte, 32<<10)
	}
	got, err := io.CopyBuffer(h, io.NewSectionReader(s.r, int64(off), int64(n)), *s.buf)
	if err != nil {
		return fmt.Errorf("artifact: reading %d bytes at %#x: %w", n, off, err)
	}
	if uint64(got) != n {
		return errf(ErrTruncated, "truncated: reading %d bytes at %#x: EOF", n, off)
	}
	return nil
}

type shdr struct {
	name                   string
	typ                    elf.SectionType
	flags                  elf.SectionFlag
	addr, off, size, align uint64
}

type phdr struct {
	typ                     elf.ProgType
	flags                   elf.ProgFlag
	off, vaddr, filesz, mem uint64
	align                   uint64
}

// inFile checks that [off, off+n) lies in a file of the given size.
func inFile(off, n, size uint64, what string) error {
	if off > size || n > size-off {
		return errf(ErrTruncated, "truncated: %s [%#x,%#x) extends past the end of the file (%#x bytes)", what, off, off+n, size)
	}
	return nil
}

// elfFile is what readHeaders finds: the sections, the wasiaot ones by
// name, and where the program headers are.
type elfFile struct {
	arch         Arch
	machine      elf.Machine
	phoff, phnum uint64
	shs          []shdr
	byName       map[string]*shdr
}

func parse(src source, size uint64, o Options) (*Artifact, error) {
	f, err := readHeaders(src, size)
	if err != nil {
		return nil, err
	}
	byName := f.byName
	meta := byName[secMeta]
	if meta == nil {
		return nil, errf(ErrBadMagic, "no %s section, not a wasiaot artifact", secMeta)
	}
	text, rodata := byName[secText], byName[secRodata]
	if text == nil || rodata == nil {
		return nil, errf(ErrMalformed, "missing %s or %s section", secText, secRodata)
	}
	a := &Artifact{}
	digest, err := checkDigests(src, size, f, meta)
	if err != nil {
		return nil, err
	}
	metab, err := src.bytes(meta.off, meta.size)
	if err != nil {
		return nil, err
	}
	sites, err := decodeMetadata(metab, a)
	if err != nil {
		return nil, err
	}
	if a.Header.Arch != f.arch {
		return nil, errf(ErrMalformed, "ELF machine %v but metadata says %v", f.machine, a.Header.Arch)
	}
	if err := checkSegments(src, f.phoff, f.phnum, text, rodata, a); err != nil {
		return nil, err
	}
	a.Layout.Digest = digest
	if sig := byName[secSig]; sig != nil {
		if a.Signature, err = readSignature(src, sig); err != nil {
			return nil, err
		}
		a.Layout.SignatureOffset = sig.off
	}
	if err := validateRead(a, text.size, rodata.size, sites, o.LazySites); err != nil {
		return nil, err
	}
	if _, ok := src.(memSource); ok {
		// The caller keeps b and may change it.
		for _, t := range []*encodedSites{a.Code.traps, a.Code.calls} {
			if t != nil {
				t.enc = bytes.Clone(t.enc)
			}
		}
	}
	return a, nil
}

// checkDigests checks the file against its digest table before anything
// else reads the sections, and returns the SHA-256 of the table. A file
// without one is refused; an older format is named as such.
func checkDigests(src source, size uint64, f *elfFile, meta *shdr) ([32]byte, error) {
	dg := f.byName[secDigest]
	if dg == nil {
		if meta.size >= 12 {
			if h, err := src.bytes(meta.off, 12); err == nil && string(h[:8]) == metaMagic {
				if v := binary.LittleEndian.Uint32(h[8:]); v != FormatVersion {
					return [32]byte{}, errf(ErrVersion, "format version %d, this runtime reads %d", v, FormatVersion)
				}
			}
		}
		return [32]byte{}, errf(ErrMalformed, "no %s section: the file carries no digest", secDigest)
	}
	tb, err := src.bytes(dg.off, dg.size)
	if err != nil {
		return [32]byte{}, err
	}
	p, err := planDigests(tb, dg, f.shs, f.byName[secSig])
	if err != nil {
		return [32]byte{}, err
	}
	if err := p.check(src, size); err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(tb), nil
}

// readHeaders reads and checks the ELF header and the section headers.
func readHeaders(src source, size uint64) (*elfFile, error) {
	le := binary.LittleEndian
	if size < ehdrSize {
		return nil, errf(ErrTruncated, "truncated: file is %d bytes, the ELF header needs %d", size, ehdrSize)
	}
	eh, err := src.bytes(0, ehdrSize)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(eh[:4], []byte(elf.ELFMAG)) {
		return nil, errf(ErrBadMagic, "bad magic %q, not an ELF file", eh[:4])
	}
	switch {
	case eh[elf.EI_CLASS] != byte(elf.ELFCLASS64):
		return nil, errf(ErrMalformed, "ELF class %v, want ELFCLASS64", elf.Class(eh[elf.EI_CLASS]))
	case eh[elf.EI_DATA] != byte(elf.ELFDATA2LSB):
		return nil, errf(ErrMalformed, "ELF data encoding %v, want little-endian", elf.Data(eh[elf.EI_DATA]))
	case eh[elf.EI_VERSION] != byte(elf.EV_CURRENT) || le.Uint32(eh[20:]) != uint32(elf.EV_CURRENT):
		return nil, errf(ErrMalformed, "ELF version %d, want 1", eh[elf.EI_VERSION])
	case elf.Type(le.Uint16(eh[16:])) != elf.ET_DYN:
		return nil, errf(ErrMalformed, "ELF type %v, want ET_DYN", elf.Type(le.Uint16(eh[16:])))
	case le.Uint16(eh[52:]) != ehdrSize || le.Uint16(eh[54:]) != phdrSize || le.Uint16(eh[58:]) != shdrSize:
		return nil, errf(ErrMalformed, "ELF header sizes %d/%d/%d, want %d/%d/%d",
			le.Uint16(eh[52:]), le.Uint16(eh[54:]), le.Uint16(eh[58:]), ehdrSize, phdrSize, shdrSize)
	}
	machine := elf.Machine(le.Uint16(eh[18:]))
	var arch Arch
	switch machine {
	case elf.EM_X86_64:
		arch = ArchAMD64
	case elf.EM_AARCH64:
		arch = ArchARM64
	default:
		return nil, errf(ErrArch, "ELF machine %v is neither amd64 nor arm64", machine)
	}

	phoff, phnum := le.Uint64(eh[32:]), uint64(le.Uint16(eh[56:]))
	shoff, shnum := le.Uint64(eh[40:]), uint64(le.Uint16(eh[60:]))
	shstrndx := uint64(le.Uint16(eh[62:]))
	if err := inFile(shoff, shnum*shdrSize, size, "section header table"); err != nil {
		return nil, err
	}
	if err := inFile(phoff, phnum*phdrSize, size, "program header table"); err != nil {
		return nil, err
	}
	if shnum > maxSections {
		return nil, errf(ErrMalformed, "%d sections, at most %d allowed", shnum, maxSections)
	}
	if shstrndx >= shnum {
		return nil, errf(ErrMalformed, "section name table index %d out of range (%d sections)", shstrndx, shnum)
	}

	shb, err := src.bytes(shoff, shnum*shdrSize)
	if err != nil {
		return nil, err
	}
	shs := make([]shdr, shnum)
	nameOffs := make([]uint32, shnum)
	for i := range shs {
		h := shb[i*shdrSize:]
		nameOffs[i] = le.Uint32(h)
		s := &shs[i]
		s.typ = elf.SectionType(le.Uint32(h[4:]))
		s.flags = elf.SectionFlag(le.Uint64(h[8:]))
		s.addr, s.off, s.size, s.align = le.Uint64(h[16:]), le.Uint64(h[24:]), le.Uint64(h[32:]), le.Uint64(h[48:])
		if s.typ != elf.SHT_NOBITS && s.typ != elf.SHT_NULL && inFile(s.off, s.size, size, "") != nil {
			return nil, inFile(s.off, s.size, size, fmt.Sprintf("section %d", i))
		}
	}
	strs := shs[shstrndx]
	if strs.typ != elf.SHT_STRTAB {
		return nil, errf(ErrMalformed, "section name table has type %v", strs.typ)
	}
	strb, err := src.bytes(strs.off, strs.size)
	if err != nil {
		return nil, err
	}
	byName := map[string]*shdr{}
	for i := range shs {
		if i == 0 {
			continue
		}
		o := uint64(nameOffs[i])
		end := bytes.IndexByte(strb[min(o, uint64(len(strb))):], 0)
		if end < 0 {
			return nil, errf(ErrMalformed, "section %d name at %d is not in the section name table", i, o)
		}
		shs[i].name = string(strb[o : o+uint64(end)])
		switch shs[i].name {
		case secText, secRodata, secMeta, secSig, secDigest:
			if byName[shs[i].name] != nil {
				return nil, errf(ErrMalformed, "two %s sections", shs[i].name)
			}
			if shs[i].typ != elf.SHT_PROGBITS {
				return nil, errf(ErrMalformed, "section %s has type %v, want SHT_PROGBITS", shs[i].name, shs[i].typ)
			}
			byName[shs[i].name] = &shs[i]
		}
	}
	return &elfFile{arch: arch, machine: machine, phoff: phoff, phnum: phnum, shs: shs, byName: byName}, nil
}

// checkSegments requires exactly two PT_LOAD segments that coincide with
// .text (read+execute) and .rodata (read only), page aligned and disjoint,
// and records them in a.Layout.
func checkSegments(src source, phoff, phnum uint64, text, rodata *shdr, a *Artifact) error {
	le := binary.LittleEndian
	phb, err := src.bytes(phoff, phnum*phdrSize)
	if err != nil {
		return err
	}
	var loads []phdr
	for i := uint64(0); i < phnum; i++ {
		h := phb[i*phdrSize:]
		p := phdr{
			typ: elf.ProgType(le.Uint32(h)), flags: elf.ProgFlag(le.Uint32(h[4:])),
			off: le.Uint64(h[8:]), vaddr: le.Uint64(h[16:]), filesz: le.Uint64(h[32:]), mem: le.Uint64(h[40:]),
			align: le.Uint64(h[48:]),
		}
		switch p.typ {
		case elf.PT_LOAD:
			loads = append(loads, p)
		case elf.PT_GNU_STACK:
			if p.flags&elf.PF_X != 0 {
				return errf(ErrMalformed, "executable stack requested")
			}
		case elf.PT_INTERP, elf.PT_DYNAMIC, elf.PT_TLS:
			return errf(ErrMalformed, "program header %d has unsupported type %v", i, p.typ)
		}
	}
	if len(loads) != 2 {
		return errf(ErrMalformed, "%d PT_LOAD segments, want 2 (.text and .rodata)", len(loads))
	}
	want := [2]struct {
		s     *shdr
		flags elf.ProgFlag
		sflag elf.SectionFlag
	}{
		{text, elf.PF_R | elf.PF_X, elf.SHF_ALLOC | elf.SHF_EXECINSTR},
		{rodata, elf.PF_R, elf.SHF_ALLOC},
	}
	align := loads[0].align
	if align < 1<<12 || align > 1<<20 || align&(align-1) != 0 {
		return errf(ErrMalformed, "segment alignment %#x is not a power of two in [4 KiB, 1 MiB]", align)
	}
	for i, p := range loads {
		w := want[i]
		name := w.s.name
		switch {
		case p.flags != w.flags:
			return errf(ErrMalformed, "segment for %s has flags %v, want %v", name, p.flags, w.flags)
		case w.s.flags != w.sflag:
			return errf(ErrMalformed, "section %s has flags %v, want %v", name, w.s.flags, w.sflag)
		case p.off != w.s.off || p.vaddr != w.s.addr || p.filesz != w.s.size || p.mem != w.s.size:
			return errf(ErrMalformed, "segment %d does not coincide with section %s", i, name)
		case p.align != align:
			return errf(ErrMalformed, "segments have different alignments %#x and %#x", align, p.align)
		case p.off%align != 0 || p.vaddr%align != 0:
			return errf(ErrMalformed, "segment for %s at offset %#x, address %#x is not aligned to %#x", name, p.off, p.vaddr, align)
		case p.vaddr > 1<<47 || p.mem > 1<<32:
			return errf(ErrMalformed, "segment for %s at address %#x, size %#x is out of range", name, p.vaddr, p.mem)
		}
	}
	t, r := loads[0], loads[1]
	tEnd, rEnd := alignUp(t.vaddr+t.mem, align), alignUp(r.vaddr+r.mem, align)
	if t.vaddr < rEnd && r.vaddr < tEnd || t.vaddr == r.vaddr {
		return errf(ErrMalformed, "segments .text [%#x,%#x) and .rodata [%#x,%#x) overlap", t.vaddr, tEnd, r.vaddr, rEnd)
	}
	if t.off < alignUp(r.off+r.filesz, align) && r.off < alignUp(t.off+t.filesz, align) {
		return errf(ErrMalformed, "segments .text and .rodata overlap in the file")
	}
	a.Layout = Layout{
		TextOffset: t.off, TextAddr: t.vaddr, TextSize: t.filesz,
		RodataOffset: r.off, RodataAddr: r.vaddr, RodataSize: r.filesz,
		PageAlign: align,
	}
	return nil
}

func readSignature(src source, s *shdr) (*Signature, error) {
	if s.size != sigSize {
		return nil, errf(ErrMalformed, "%s section is %d bytes, want %d", secSig, s.size, sigSize)
	}
	b, err := src.bytes(s.off, s.size)
	if err != nil {
		return nil, err
	}
	if algo := binary.LittleEndian.Uint32(b); algo != sigAlgo {
		return nil, errf(ErrSignature, "unknown signature algorithm %d", algo)
	}
	sig := &Signature{}
	copy(sig.PublicKey[:], b[4:])
	copy(sig.Sig[:], b[4+32:])
	return sig, nil
}

// Verify checks that host can run a: same arch, every CPU feature the code
// assumes present, a page size that divides the segment alignment, and the
// vmctx ABI version the runtime implements.
func Verify(a *Artifact, host Host) error {
	if a.Header.Arch != host.Arch {
		return errf(ErrArch, "built for %v, this machine is %v", a.Header.Arch, host.Arch)
	}
	if missing := a.Header.Features &^ host.Features; missing != 0 {
		built := ""
		for _, o := range a.Header.Options {
			if level, ok := strings.CutPrefix(o, OptionCPU); ok {
				built = fmt.Sprintf(" (it was built with --cpu %s)", level)
			}
		}
		return errf(ErrFeatures, "needs CPU features %v that this CPU lacks%s; rebuild it with --cpu baseline, or run it on a machine that has them", missing, built)
	}
	if host.PageSize != 0 && a.Layout.PageAlign%host.PageSize != 0 {
		return errf(ErrMalformed, "segments aligned to %#x bytes cannot be mapped with %#x-byte pages", a.Layout.PageAlign, host.PageSize)
	}
	if host.ABIVersion != 0 && a.Header.ABIVersion != host.ABIVersion {
		return errf(ErrVersion, "code expects ABI version %d, this runtime implements %d", a.Header.ABIVersion, host.ABIVersion)
	}
	return nil
}
