package artifact

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"slices"
)

// The .wasiaot.digest section makes every byte of the file count: it holds
// the SHA-256 of each listed section (.text, .rodata, .wasiaot, .symtab and
// .strtab as written) and a last SHA-256 of everything else (ELF header,
// program and section headers, padding, the other sections and this table),
// with the last digest itself and the 64 signature bytes taken as zero. A
// changed byte is in a listed section, whose digest then differs, or
// elsewhere, where the last digest sees it; the error names the section.
//
//	0      u32       algorithm (1 = SHA-256)
//	4      u32       n, the number of listed sections
//	8      n times   u32 section index, [32]u8 SHA-256 of the section's bytes
//	8+36n  [32]u8    SHA-256 of the rest of the file
const (
	secDigest       = ".wasiaot.digest"
	digestAlgo      = 1 // SHA-256
	digestEntrySize = 4 + sha256.Size
)

// digestedSections are the sections the writer lists in .wasiaot.digest.
var digestedSections = []string{secText, secRodata, secMeta, ".symtab", ".strtab"}

func digestTableSize(n int) uint64 { return 8 + uint64(n)*digestEntrySize + sha256.Size }

// digestPlan is what a digest table says to hash.
type digestPlan struct {
	table   uint64        // file offset of the table
	entries []digestEntry // in table order
	holes   []hole        // listed sections and zeroed fields, sorted by offset
	rest    [32]byte      // stored digest of the rest
}

type digestEntry struct {
	name      string
	off, size uint64
	sum       [32]byte
}

// hole is a range the rest digest skips (a listed section) or reads as
// zeros.
type hole struct {
	off, size uint64
	zero      bool
}

// planDigests reads the digest table tb of the section dg and checks that
// what it lists makes sense: known sections, listed once, apart from each
// other, from the table and from the signature.
func planDigests(tb []byte, dg *shdr, shs []shdr, sig *shdr) (*digestPlan, error) {
	le := binary.LittleEndian
	if len(tb) < 8 {
		return nil, errf(ErrMalformed, "%s section is %d bytes, its header needs 8", secDigest, len(tb))
	}
	if algo := le.Uint32(tb); algo != digestAlgo {
		return nil, errf(ErrMalformed, "%s: unknown digest algorithm %d", secDigest, algo)
	}
	n := uint64(le.Uint32(tb[4:]))
	if n > uint64(len(shs)) || uint64(len(tb)) != digestTableSize(int(n)) {
		return nil, errf(ErrMalformed, "%s section is %d bytes, %d listed sections need %d", secDigest, len(tb), n, digestTableSize(int(min(n, maxSections))))
	}
	p := &digestPlan{table: dg.off}
	copy(p.rest[:], tb[8+n*digestEntrySize:])
	p.holes = append(p.holes, hole{dg.off + 8 + n*digestEntrySize, sha256.Size, true})
	apart := []hole{{dg.off, dg.size, false}}
	if sig != nil {
		if sig.size != sigSize {
			return nil, errf(ErrMalformed, "%s section is %d bytes, want %d", secSig, sig.size, sigSize)
		}
		p.holes = append(p.holes, hole{sig.off + sigFieldOffset, 64, true})
		apart = append(apart, hole{sig.off, sig.size, false})
	}
	last := -1
	for i := range n {
		e := tb[8+i*digestEntrySize:]
		idx := int(le.Uint32(e))
		if idx <= last || idx >= len(shs) {
			return nil, errf(ErrMalformed, "%s entry %d: section index %d out of order or range (%d sections)", secDigest, i, idx, len(shs))
		}
		last = idx
		s := &shs[idx]
		if s == dg || s == sig || s.typ == elf.SHT_NULL || s.typ == elf.SHT_NOBITS {
			return nil, errf(ErrMalformed, "%s entry %d: section %d cannot be listed", secDigest, i, idx)
		}
		d := digestEntry{name: s.name, off: s.off, size: s.size}
		if d.name == "" {
			d.name = fmt.Sprintf("section %d", idx)
		}
		copy(d.sum[:], e[4:])
		p.entries = append(p.entries, d)
		p.holes = append(p.holes, hole{s.off, s.size, false})
		apart = append(apart, hole{s.off, s.size, false})
	}
	slices.SortFunc(apart, byOffset)
	for i := 1; i < len(apart); i++ {
		if apart[i].off < apart[i-1].off+apart[i-1].size {
			return nil, errf(ErrMalformed, "%s: digested sections overlap at %#x", secDigest, apart[i].off)
		}
	}
	slices.SortFunc(p.holes, byOffset)
	return p, nil
}

// byOffset orders ranges by offset, an empty one before a non-empty one at
// the same offset, so that apart ranges follow each other.
func byOffset(a, b hole) int {
	if c := cmpU64(a.off, b.off); c != 0 {
		return c
	}
	return cmpU64(a.size, b.size)
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var zeros [64]byte

// restSum hashes the size bytes of src outside the listed sections, the
// zeroed fields read as zeros.
func (p *digestPlan) restSum(src source, size uint64) ([32]byte, error) {
	h := sha256.New()
	at := uint64(0)
	for _, x := range p.holes {
		if x.off < at {
			// planDigests keeps the ranges apart; this is its safety net.
			return [32]byte{}, errf(ErrMalformed, "%s: digested ranges overlap at %#x", secDigest, x.off)
		}
		if err := src.hash(h, at, x.off-at); err != nil {
			return [32]byte{}, err
		}
		if x.zero {
			h.Write(zeros[:x.size])
		}
		at = x.off + x.size
	}
	if err := src.hash(h, at, size-at); err != nil {
		return [32]byte{}, err
	}
	return [32]byte(h.Sum(nil)), nil
}

func sectionSum(src source, off, n uint64) ([32]byte, error) {
	h := sha256.New()
	if err := src.hash(h, off, n); err != nil {
		return [32]byte{}, err
	}
	return [32]byte(h.Sum(nil)), nil
}

// check compares the stored digests with the file's bytes: the rest first,
// as it covers the table that holds the others.
func (p *digestPlan) check(src source, size uint64) error {
	got, err := p.restSum(src, size)
	if err != nil {
		return err
	}
	if got != p.rest {
		return errf(ErrCorrupt, "headers digest mismatch (ELF, program and section headers, padding, %s and the sections it does not list)", secDigest)
	}
	for _, e := range p.entries {
		got, err := sectionSum(src, e.off, e.size)
		if err != nil {
			return err
		}
		if got != e.sum {
			return errf(ErrCorrupt, "%s digest mismatch", e.name)
		}
	}
	return nil
}

// seal fills in the digest table of the artifact b, whose table already
// lists its sections, and returns the SHA-256 of the table.
func seal(b []byte) ([32]byte, error) {
	f, err := readHeaders(memSource(b), uint64(len(b)))
	if err != nil {
		return [32]byte{}, err
	}
	dg := f.byName[secDigest]
	if dg == nil {
		return [32]byte{}, errf(ErrMalformed, "no %s section", secDigest)
	}
	tb := b[dg.off : dg.off+dg.size]
	p, err := planDigests(tb, dg, f.shs, f.byName[secSig])
	if err != nil {
		return [32]byte{}, err
	}
	for i, e := range p.entries {
		sum, _ := sectionSum(memSource(b), e.off, e.size)
		copy(tb[8+i*digestEntrySize+4:], sum[:])
	}
	// The rest digest reads its own field and the signature as zeros.
	rest, err := p.restSum(memSource(b), uint64(len(b)))
	if err != nil {
		return [32]byte{}, err
	}
	copy(tb[8+len(p.entries)*digestEntrySize:], rest[:])
	return sha256.Sum256(tb), nil
}
