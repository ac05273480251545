package artifact

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// unchecked writes a without validating it, to build inconsistent files.
func unchecked(a *Artifact) []byte { return sealed(marshal(a, encodeMetadata(a))) }

// sealed fills in b's digests, when its headers let seal find them, so that
// a damaged file reaches the checks behind the digests.
func sealed(b []byte) []byte {
	_, _ = seal(b)
	return b
}

// mutated writes the sample artifact after applying f, unchecked.
func mutated(f func(a *Artifact)) []byte {
	a := sampleArtifact()
	f(a)
	return unchecked(a)
}

// sectionOffset finds a section with Go's ELF reader (the file is trusted
// here) and returns the offset of its header and of its contents.
func sectionOffset(b []byte, name string) (hdr, data uint64) {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		panic(err)
	}
	shoff := binary.LittleEndian.Uint64(b[40:])
	for i, s := range f.Sections {
		if s.Name == name {
			return shoff + uint64(i)*shdrSize, s.Offset
		}
	}
	panic("no section " + name)
}

// patch applies f to a copy of the sample file.
func patch(f func(b []byte)) []byte {
	b := unchecked(sampleArtifact())
	f(b)
	return sealed(b)
}

// patchMeta applies f to the metadata payload and fixes the checksum.
func patchMeta(f func(p []byte)) []byte {
	return patch(func(b []byte) {
		_, off := sectionOffset(b, secMeta)
		n := binary.LittleEndian.Uint64(b[off+16:])
		p := b[off+metaHeaderSize : off+metaHeaderSize+n]
		f(p)
		binary.LittleEndian.PutUint32(b[off+12:], crc32.Checksum(p, castagnoli))
	})
}

// withChunk replaces the body of chunk id in the sample's metadata.
func withChunk(id int, body []byte) []byte {
	a := sampleArtifact()
	meta := encodeMetadata(a)
	p := meta[metaHeaderSize:]
	var out []byte
	for len(p) > 0 {
		cid, n1 := binary.Uvarint(p)
		size, n2 := binary.Uvarint(p[n1:])
		b := p[n1+n2 : n1+n2+int(size)]
		p = p[n1+n2+int(size):]
		if int(cid) == id {
			b = body
		}
		out = binary.AppendUvarint(out, cid)
		out = binary.AppendUvarint(out, uint64(len(b)))
		out = append(out, b...)
	}
	hdr := binary.LittleEndian.AppendUint32([]byte(metaMagic), FormatVersion)
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(out, castagnoli))
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(out)))
	return sealed(marshal(a, append(hdr, out...)))
}

func uv(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

const (
	phText   = ehdrSize
	phRodata = ehdrSize + phdrSize
)

// corruptions maps a case name to a damaged file; Parse must reject each
// with the error recorded in testdata/corrupt.txt.
func corruptions() map[string][]byte {
	good := unchecked(sampleArtifact())
	c := map[string][]byte{
		"elf-magic":   patch(func(b []byte) { b[0] = 0 }),
		"elf-class":   patch(func(b []byte) { b[elf.EI_CLASS] = byte(elf.ELFCLASS32) }),
		"elf-endian":  patch(func(b []byte) { b[elf.EI_DATA] = byte(elf.ELFDATA2MSB) }),
		"elf-type":    patch(func(b []byte) { b[16] = byte(elf.ET_EXEC) }),
		"elf-machine": patch(func(b []byte) { b[18] = byte(elf.EM_386) }),
		"elf-arch-vs-metadata": patch(func(b []byte) {
			binary.LittleEndian.PutUint16(b[18:], uint16(elf.EM_AARCH64))
		}),
		"elf-shnum":    patch(func(b []byte) { binary.LittleEndian.PutUint16(b[60:], 1000) }),
		"elf-shstrndx": patch(func(b []byte) { binary.LittleEndian.PutUint16(b[62:], binary.LittleEndian.Uint16(b[60:])) }),
		"section-past-end": patch(func(b []byte) {
			h, _ := sectionOffset(b, secMeta)
			binary.LittleEndian.PutUint64(b[h+32:], 1<<62)
		}),
		"no-metadata-section": patch(func(b []byte) {
			h, _ := sectionOffset(b, ".shstrtab")
			_, data := sectionOffset(b, ".shstrtab")
			_ = h
			i := bytes.Index(b[data:], []byte(secMeta+"\x00"))
			b[data+uint64(i)+len64(secMeta)-1] = 'x'
		}),
		"segment-writable": patch(func(b []byte) {
			binary.LittleEndian.PutUint32(b[phText+4:], uint32(elf.PF_R|elf.PF_W|elf.PF_X))
		}),
		"segment-align": patch(func(b []byte) { binary.LittleEndian.PutUint64(b[phText+48:], 0x800) }),
		"segment-misaligned": patch(func(b []byte) {
			h, _ := sectionOffset(b, secText)
			binary.LittleEndian.PutUint64(b[h+16:], 0x1008)
			binary.LittleEndian.PutUint64(b[phText+16:], 0x1008)
		}),
		"segment-not-section": patch(func(b []byte) { binary.LittleEndian.PutUint64(b[phRodata+32:], 0x10) }),
		"segments-overlap": patch(func(b []byte) {
			h, _ := sectionOffset(b, secRodata)
			binary.LittleEndian.PutUint64(b[h+16:], 0x1000)
			binary.LittleEndian.PutUint64(b[phRodata+16:], 0x1000)
		}),
		"meta-magic":   patch(func(b []byte) { _, off := sectionOffset(b, secMeta); b[off] = 'X' }),
		"meta-version": patch(func(b []byte) { _, off := sectionOffset(b, secMeta); b[off+8] = 3 }),
		"meta-checksum": patch(func(b []byte) {
			_, off := sectionOffset(b, secMeta)
			b[off+metaHeaderSize+5] ^= 0x20
		}),
		"meta-length": patch(func(b []byte) {
			_, off := sectionOffset(b, secMeta)
			binary.LittleEndian.PutUint64(b[off+16:], 1<<40)
		}),
		"meta-chunk-order":  patchMeta(func(p []byte) { p[0] = chTypes }),
		"meta-lying-count":  withChunk(chTypes, uv(1<<40)),
		"meta-varint":       withChunk(chTypes, bytes.Repeat([]byte{0xff}, 11)),
		"meta-trailing":     withChunk(chStart, []byte{0, 0}),
		"meta-bad-flag":     withChunk(chStart, []byte{2}),
		"meta-import-kind":  withChunk(chImports, append(uv(1, 1), 'm', 1, 'n', 9)),
		"meta-expr-opcode":  withChunk(chGlobals, []byte{1, byte(I32), 0, 1, 99}),
		"meta-u32-overflow": withChunk(chFuncs, uv(1, 0, 1<<33, 1)),

		"function-outside-text": mutated(func(a *Artifact) { a.Module.Funcs[2].Size = 0x100 }),
		"function-overlap":      mutated(func(a *Artifact) { a.Module.Funcs[1].Offset = 8 }),
		"function-type-index":   mutated(func(a *Artifact) { a.Module.Funcs[0].TypeIndex = 3 }),
		"trap-not-sorted": mutated(func(a *Artifact) {
			a.Code.Traps[0], a.Code.Traps[1] = a.Code.Traps[1], a.Code.Traps[0]
		}),
		"trap-outside-function":  mutated(func(a *Artifact) { a.Code.Traps[1].Func = 3 }),
		"trap-imported-function": mutated(func(a *Artifact) { a.Code.Traps[0].Func = 0 }),
		"trap-kind":              mutated(func(a *Artifact) { a.Code.Traps[0].Kind = 200 }),
		"import-type-index":      mutated(func(a *Artifact) { a.Module.Imports[0].TypeIndex = 7 }),
		"import-memory-limits":   mutated(func(a *Artifact) { a.Module.Imports[2].Memory.Min = 3 }),
		"export-index":           mutated(func(a *Artifact) { a.Module.Exports[2].Index = 7 }),
		"export-duplicate":       mutated(func(a *Artifact) { a.Module.Exports[1].Name = "_start" }),
		"start-index":            mutated(func(a *Artifact) { a.Module.Start = 4 }),
		"start-type":             mutated(func(a *Artifact) { a.Module.Start = 0 }),
		"global-get-index":       mutated(func(a *Artifact) { a.Module.Globals[0].Init[0].Imm = 1 }),
		"global-init-type":       mutated(func(a *Artifact) { a.Module.Globals[1].Init[0].Op = OpI64Const }),
		"elem-table-index":       mutated(func(a *Artifact) { a.Module.Elems[0].Table = 2 }),
		"elem-func-index":        mutated(func(a *Artifact) { a.Module.Elems[0].Funcs[1] = 4 }),
		"elem-ref-func-index":    mutated(func(a *Artifact) { a.Module.Elems[1].Exprs[0][0].Imm = 4 }),
		"data-memory-index":      mutated(func(a *Artifact) { a.Module.Datas[0].Memory = 1 }),
		"data-outside-rodata":    mutated(func(a *Artifact) { a.Module.Datas[1].Size = 100 }),
		"name-index":             mutated(func(a *Artifact) { a.Module.FuncNames[3].Index = 9 }),
		"names-not-sorted":       mutated(func(a *Artifact) { a.Module.FuncNames[2].Index = 1 }),
		"entry-stub-count":       mutated(func(a *Artifact) { a.Code.EntryStubs = a.Code.EntryStubs[:2] }),
		"entry-stub-offset":      mutated(func(a *Artifact) { a.Code.EntryStubs[2] = 0x1000 }),
		"stub-outside-text":      mutated(func(a *Artifact) { a.Code.Stubs[0].Offset = 0x3c }),
		"features-other-arch":    mutated(func(a *Artifact) { a.Header.Features |= FeatureARM64LSE }),
	}
	c["meta-value-type"] = withChunk(chTypes, append(uv(1, 1), 0x42, 0))
	signed := sampleArtifact()
	if err := Sign(signed, testKey(1)); err != nil {
		panic(err)
	}
	sb := unchecked(signed)
	_, sigOff := sectionOffset(sb, secSig)
	c["signature-algorithm"] = bytes.Clone(sb)
	c["signature-algorithm"][sigOff] = 2
	sealed(c["signature-algorithm"])
	c["signature-size"] = bytes.Clone(sb)
	h, _ := sectionOffset(sb, secSig)
	binary.LittleEndian.PutUint64(c["signature-size"][h+32:], sigSize-1)
	c["global-const-range"] = mutated(func(a *Artifact) { a.Module.Globals[1].Init[0].Op = OpF32Const })
	for k := 0; k < 16; k++ {
		c[fmt.Sprintf("truncate-%02d-of-16", k)] = good[:len(good)*k/16]
	}
	c["truncate-last-byte"] = good[:len(good)-1]
	return c
}

func len64(s string) uint64 { return uint64(len(s)) }

// verifications maps a case name to an artifact and a host Verify must
// refuse.
func verifications() map[string]struct {
	a    *Artifact
	host Host
} {
	arm := sampleArtifact()
	arm.Header.Arch, arm.Header.Features = ArchARM64, FeatureARM64LSE
	amd := func(f func(a *Artifact)) *Artifact {
		b, err := Marshal(sampleArtifact())
		if err != nil {
			panic(err)
		}
		a, err := Parse(b)
		if err != nil {
			panic(err)
		}
		f(a)
		return a
	}
	host := Host{Arch: ArchAMD64, Features: FeatureSSE41 | FeatureBMI2 | FeaturePOPCNT, PageSize: 4096, ABIVersion: 3}
	return map[string]struct {
		a    *Artifact
		host Host
	}{
		"verify-arch":     {arm, host},
		"verify-features": {amd(func(a *Artifact) { a.Header.Features |= FeatureAVX2 | FeatureLZCNT | FeatureBMI2 }), host},
		"verify-page":     {amd(func(*Artifact) {}), Host{Arch: ArchAMD64, Features: host.Features, PageSize: 1 << 16}},
		"verify-abi":      {amd(func(a *Artifact) { a.Header.ABIVersion = 2 }), host},
	}
}

func readExpectations(t *testing.T) map[string]string {
	f, err := os.Open("testdata/corrupt.txt")
	require.NoError(t, err)
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, msg, ok := strings.Cut(line, ": ")
		require.True(t, ok, "bad line %q", line)
		want[name] = msg
	}
	require.NoError(t, sc.Err())
	return want
}

// TestCorruptions checks each damaged file and each unsuitable host against
// the exact error in testdata/corrupt.txt.
func TestCorruptions(t *testing.T) {
	want := readExpectations(t)
	got := map[string]string{}
	for name, b := range corruptions() {
		_, err := Parse(b)
		require.Error(t, err, name)
		var ae *Error
		require.ErrorAs(t, err, &ae, name)
		got[name] = err.Error()

		// The file variant must agree.
		_, err2 := ParseReaderAt(bytes.NewReader(b), int64(len(b)))
		require.EqualError(t, err2, err.Error(), name)
	}
	for name, v := range verifications() {
		err := Verify(v.a, v.host)
		require.Error(t, err, name)
		got[name] = err.Error()
	}
	if os.Getenv("ARTIFACT_PRINT_ERRORS") != "" {
		for name, msg := range got {
			fmt.Printf("%s: %s\n", name, msg)
		}
	}
	for name, msg := range got {
		require.Contains(t, want, name, "no expectation for %s", name)
		require.Equal(t, want[name], msg, name)
	}
	for name := range want {
		require.Contains(t, got, name, "expectation for unknown case %s", name)
	}
}

func TestVerifyAccepts(t *testing.T) {
	a, err := Parse(mustMarshal(t, sampleArtifact()))
	require.NoError(t, err)
	require.NoError(t, Verify(a, Host{Arch: ArchAMD64, Features: FeatureSSE41 | FeaturePOPCNT | FeatureAVX, PageSize: 4096, ABIVersion: 3}))
	require.NoError(t, Verify(a, Host{Arch: ArchAMD64, Features: FeatureSSE41 | FeaturePOPCNT}))
}

// TestMarshalValidates checks that the writer refuses what the reader would.
func TestMarshalValidates(t *testing.T) {
	for name, f := range map[string]func(a *Artifact){
		"call site with a trap kind": func(a *Artifact) { a.Code.Calls[2].Kind = trap.Unreachable },
		"function outside .text":     func(a *Artifact) { a.Module.Funcs[2].Size = 0x100 },
		"offset on passive segment":  func(a *Artifact) { a.Module.Datas[1].Offset = ConstExpr{{Op: OpI32Const}} },
		"stray immediate":            func(a *Artifact) { a.Module.Globals[0].Init[2].Imm = 1 },
		"unknown arch":               func(a *Artifact) { a.Header.Arch = 9 },
		"import fields of another kind": func(a *Artifact) {
			a.Module.Imports[0].Global.Mutable = true
		},
	} {
		a := sampleArtifact()
		f(a)
		_, err := Marshal(a)
		require.ErrorIs(t, err, ErrMalformed, name)
	}
}

// TestAllocationBounded checks that no damaged file makes the readers
// allocate much more than the file's own size, whatever its fields claim.
func TestAllocationBounded(t *testing.T) {
	var before, after runtime.MemStats
	for name, b := range corruptions() {
		runtime.ReadMemStats(&before)
		_, _ = Parse(b)
		_, _ = ParseReaderAt(bytes.NewReader(b), int64(len(b)))
		runtime.ReadMemStats(&after)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4*len(b)+64<<10), name)
	}
}

// TestReaderAtShortFile covers a caller that states a size larger than the
// file really is.
func TestReaderAtShortFile(t *testing.T) {
	b := mustMarshal(t, sampleArtifact())
	_, err := ParseReaderAt(bytes.NewReader(b[:len(b)-100]), int64(len(b)))
	require.ErrorIs(t, err, ErrTruncated)
	require.EqualError(t, err, "artifact: truncated: reading 512 bytes at 0x2410: EOF")
}
