package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// artifactSummary is what inspect reports for an artifact; it is also the
// --json output.
type artifactSummary struct {
	File          string            `json:"file"`
	Size          int               `json:"size"`
	FormatVersion int               `json:"format_version"`
	Target        string            `json:"target"`
	CPUFeatures   string            `json:"cpu_features"`
	Compiler      string            `json:"compiler"`
	ABIVersion    uint32            `json:"abi_version"`
	OptLevel      uint8             `json:"opt_level"`
	BuildOptions  []string          `json:"build_options"`
	SourceSHA256  string            `json:"source_wasm_sha256"`
	Digest        string            `json:"digest"`
	DigestStatus  string            `json:"digest_status"`
	Signature     *signatureSummary `json:"signature,omitempty"`
	TextBytes     uint64            `json:"text_bytes"`
	RodataBytes   uint64            `json:"rodata_bytes"`
	Imports       []importSummary   `json:"imports"`
	Exports       []exportSummary   `json:"exports"`
	Funcs         funcsSummary      `json:"functions"`
	Memories      []string          `json:"memories"`
	Tables        []string          `json:"tables"`
	Globals       int               `json:"globals"`
	DataSegments  int               `json:"data_segments"`
	ElemSegments  int               `json:"elem_segments"`
	TrapSites     int               `json:"trap_sites"`
	CallSites     int               `json:"call_sites"`
}

type signatureSummary struct {
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"`
	Valid     bool   `json:"valid"`
}

// inspectArtifact describes the artifact b read from path. Reading it
// checks its digests; a damaged one is an error.
func inspectArtifact(w io.Writer, path string, b []byte, top int, asJSON bool) error {
	a, err := artifact.Parse(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s := summarizeArtifact(path, len(b), a, top)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	printArtifact(w, s)
	return nil
}

func summarizeArtifact(path string, size int, a *artifact.Artifact, top int) *artifactSummary {
	h, m := &a.Header, &a.Module
	s := &artifactSummary{
		File: path, Size: size, FormatVersion: artifact.FormatVersion,
		Target: h.Arch.String(), CPUFeatures: h.Features.String(), Compiler: h.CompilerVersion,
		ABIVersion: h.ABIVersion, OptLevel: h.OptLevel, BuildOptions: h.Options,
		SourceSHA256: hex.EncodeToString(h.SourceSHA256[:]),
		Digest:       hex.EncodeToString(a.Layout.Digest[:]),
		DigestStatus: "verified: every byte but the signature matches",
		TextBytes:    a.Layout.TextSize, RodataBytes: a.Layout.RodataSize,
		Globals: len(m.Globals), DataSegments: len(m.Datas), ElemSegments: len(m.Elems),
		TrapSites: len(a.Code.Traps), CallSites: len(a.Code.Calls),
	}
	if s.CPUFeatures == "" {
		s.CPUFeatures = "none beyond the baseline"
	}
	if sig := a.Signature; sig != nil {
		pub := ed25519.PublicKey(sig.PublicKey[:])
		s.Signature = &signatureSummary{
			Algorithm: "ed25519", KeyID: artifact.KeyID(pub), PublicKey: hex.EncodeToString(pub),
			Valid: a.SignedBy([]ed25519.PublicKey{pub}) == nil,
		}
	}
	typeString := func(t uint32) string {
		if int(t) >= len(m.Types) {
			return "?"
		}
		ft := m.Types[t]
		return fmt.Sprintf("%s -> %s", valTypes(ft.Params), valTypes(ft.Results))
	}
	limits := func(l artifact.Limits, unit string) string {
		if l.HasMax {
			return fmt.Sprintf("min %d max %d %s", l.Min, l.Max, unit)
		}
		return fmt.Sprintf("min %d %s, no max", l.Min, unit)
	}
	kinds := [...]string{"func", "table", "memory", "global"}
	for _, im := range m.Imports {
		is := importSummary{Module: im.Module, Name: im.Name, Kind: kinds[im.Kind&3]}
		switch im.Kind {
		case artifact.KindFunc:
			is.Type = typeString(im.TypeIndex)
		case artifact.KindMemory:
			is.Type = limits(im.Memory.Limits, "pages")
		case artifact.KindTable:
			is.Type = im.Table.Elem.String() + " " + limits(im.Table.Limits, "elements")
		case artifact.KindGlobal:
			is.Type = im.Global.Type.String()
		}
		s.Imports = append(s.Imports, is)
	}
	nimp := m.NumImportedFuncs()
	for _, e := range m.Exports {
		es := exportSummary{Name: e.Name, Kind: kinds[e.Kind&3], Index: e.Index}
		if e.Kind == artifact.KindFunc {
			es.What = m.FuncName(e.Index)
		}
		s.Exports = append(s.Exports, es)
	}
	var funcs []funcSummary
	for i, f := range m.Funcs {
		idx := nimp + uint32(i)
		funcs = append(funcs, funcSummary{Index: idx, Name: m.FuncName(idx), Size: int(f.Size), Type: typeString(f.TypeIndex)})
		s.Funcs.CodeBytes += int(f.Size)
	}
	s.Funcs.Imported, s.Funcs.Defined = int(nimp), len(m.Funcs)
	sort.SliceStable(funcs, func(i, j int) bool { return funcs[i].Size > funcs[j].Size })
	if top >= 0 && top < len(funcs) {
		funcs = funcs[:top]
	}
	s.Funcs.Largest = funcs
	for _, mt := range m.Memories {
		s.Memories = append(s.Memories, limits(mt.Limits, "pages"))
	}
	for _, tt := range m.Tables {
		s.Tables = append(s.Tables, tt.Elem.String()+" "+limits(tt.Limits, "elements"))
	}
	return s
}

func valTypes(ts []artifact.ValType) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, t.String())
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func printArtifact(w io.Writer, s *artifactSummary) {
	fmt.Fprintf(w, "%s: wasiaot artifact, format version %d, %d bytes\n", s.File, s.FormatVersion, s.Size)
	fmt.Fprintf(w, "target:        %s, CPU features %s\n", s.Target, s.CPUFeatures)
	fmt.Fprintf(w, "compiler:      %s, ABI version %d, -O%d", s.Compiler, s.ABIVersion, s.OptLevel)
	if len(s.BuildOptions) > 0 {
		fmt.Fprintf(w, ", %s", strings.Join(s.BuildOptions, " "))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "source wasm:   sha256 %s\n", s.SourceSHA256)
	fmt.Fprintf(w, "digest:        %s (%s)\n", s.Digest, s.DigestStatus)
	if sig := s.Signature; sig != nil {
		status := "valid"
		if !sig.Valid {
			status = "INVALID: does not match the contents"
		}
		fmt.Fprintf(w, "signature:     %s by key %s (%s), %s\n", sig.Algorithm, sig.KeyID, sig.PublicKey, status)
	} else {
		fmt.Fprintln(w, "signature:     none")
	}
	fmt.Fprintf(w, "sizes:         .text %d bytes, .rodata %d bytes, %d trap sites, %d call sites\n", s.TextBytes, s.RodataBytes, s.TrapSites, s.CallSites)
	fmt.Fprintf(w, "functions:     %d imported, %d defined, %d bytes of code\n", s.Funcs.Imported, s.Funcs.Defined, s.Funcs.CodeBytes)
	fmt.Fprintf(w, "imports (%d):\n", len(s.Imports))
	for _, im := range s.Imports {
		fmt.Fprintf(w, "  %s.%s  %s %s\n", im.Module, im.Name, im.Kind, im.Type)
	}
	fmt.Fprintf(w, "exports (%d):\n", len(s.Exports))
	for _, e := range s.Exports {
		fmt.Fprintf(w, "  %s  %s %d", e.Name, e.Kind, e.Index)
		if e.What != "" && e.What != e.Name {
			fmt.Fprintf(w, " (%s)", e.What)
		}
		fmt.Fprintln(w)
	}
	if len(s.Funcs.Largest) > 0 {
		fmt.Fprintln(w, "largest functions:")
		for _, f := range s.Funcs.Largest {
			name := f.Name
			if name == "" {
				name = "-"
			}
			fmt.Fprintf(w, "  %8d bytes  func %d %s %s\n", f.Size, f.Index, name, f.Type)
		}
	}
	fmt.Fprintf(w, "memories:      %s\n", orNone(s.Memories))
	fmt.Fprintf(w, "tables:        %s\n", orNone(s.Tables))
	fmt.Fprintf(w, "globals %d, data segments %d, element segments %d\n", s.Globals, s.DataSegments, s.ElemSegments)
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, "; ")
}
