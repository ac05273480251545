package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// moduleSummary is what inspect reports; it is also the --json output.
type moduleSummary struct {
	File         string          `json:"file"`
	Size         int             `json:"size"`
	SHA256       string          `json:"sha256"`
	Valid        bool            `json:"valid"`
	Invalid      string          `json:"invalid,omitempty"`
	FeaturesUsed string          `json:"features_used"`
	Types        int             `json:"types"`
	Imports      []importSummary `json:"imports"`
	Exports      []exportSummary `json:"exports"`
	Funcs        funcsSummary    `json:"functions"`
	Memories     []string        `json:"memories"`
	Tables       []string        `json:"tables"`
	Globals      int             `json:"globals"`
	DataSegments int             `json:"data_segments"`
	DataBytes    int             `json:"data_bytes"`
	ElemSegments int             `json:"elem_segments"`
	Start        *uint32         `json:"start,omitempty"`
	Customs      []customSummary `json:"custom_sections"`
	Warnings     []string        `json:"warnings,omitempty"`
}

type importSummary struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Type   string `json:"type"`
}

type exportSummary struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Index uint32 `json:"index"`
	What  string `json:"what,omitempty"` // function name or signature
}

type funcsSummary struct {
	Imported  int           `json:"imported"`
	Defined   int           `json:"defined"`
	CodeBytes int           `json:"code_bytes"`
	Largest   []funcSummary `json:"largest"`
}

type funcSummary struct {
	Index uint32 `json:"index"`
	Name  string `json:"name,omitempty"`
	Size  int    `json:"size"`
	Type  string `json:"type"`
}

type customSummary struct {
	Name string `json:"name"`
	Size int    `json:"size"`
}

func runInspect(stdout, _ io.Writer, args []string) error {
	fs := newFlagSet(stdout, "inspect", `Usage: wasiaot inspect [flags] FILE.wasm|FILE.wat|FILE.so

Describe a WebAssembly module: imports, exports, functions and their code sizes, memory and table
limits, globals, segments, custom sections, and which WebAssembly features it uses. The module
is validated too; an invalid module is still described as far as it decodes, with the validation
error at the end (exit status 1).

Given an artifact (from 'wasiaot build'), describe it: target and CPU features, compiler, the
SHA-256 of the source module, its digest (checked: a damaged artifact is an error) and signature
(signer's key id, valid or not), sizes, functions, imports and exports.
`)
	features := addFeaturesFlag(fs)
	top := fs.Int("top", 10, "how many of the largest functions to list (0 lists none, -1 lists all)")
	asJSON := fs.Bool("json", false, "print the description as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give exactly one .wasm file"}
	}
	f, err := parseFeatures(*features)
	if err != nil {
		return err
	}
	path := fs.Arg(0)
	if b, isArt, err := readIfArtifact(path); err != nil {
		return err
	} else if isArt {
		return inspectArtifact(stdout, path, b, *top, *asJSON)
	}
	m, verr := loadModule(path, f)
	if m == nil {
		return verr // it did not even decode
	}
	s := summarize(path, m, f, *top)
	if verr != nil {
		s.Valid = false
		s.Invalid = verr.Error()
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return err
		}
	} else {
		printSummary(stdout, s)
	}
	if verr != nil {
		return errors.New("module is invalid: " + verr.Error())
	}
	return nil
}

// readIfArtifact reads path if it is an artifact: an ELF file, or any
// file named .so (so a damaged one gets the artifact reader's error).
func readIfArtifact(path string) ([]byte, bool, error) {
	head, err := readInput(path, defaultMaxInput, func(head []byte) error {
		if !bytes.HasPrefix(head, []byte("\x7fELF")) && filepath.Ext(path) != ".so" {
			return errNotArtifact
		}
		return nil
	})
	if errors.Is(err, errNotArtifact) {
		return nil, false, nil
	}
	return head, err == nil, err
}

var errNotArtifact = errors.New("not an artifact")

func summarize(path string, m *wasm.Module, f wasm.Features, top int) *moduleSummary {
	sum := sha256.Sum256(m.Raw)
	s := &moduleSummary{
		File:         path,
		Size:         len(m.Raw),
		SHA256:       hex.EncodeToString(sum[:]),
		Valid:        true,
		FeaturesUsed: featuresUsed(m, f).String(),
		Types:        len(m.Types),
		Globals:      m.NumGlobals(),
		DataSegments: len(m.Data),
		ElemSegments: len(m.Elements),
		Warnings:     m.Warnings,
	}
	if s.FeaturesUsed == "" {
		s.FeaturesUsed = "none beyond WebAssembly 1.0"
	}
	for i := range m.Imports {
		im := &m.Imports[i]
		s.Imports = append(s.Imports, importSummary{im.Module, im.Name, im.Kind.String(), importType(m, im)})
	}
	for _, e := range m.Exports {
		es := exportSummary{Name: e.Name, Kind: e.Kind.String(), Index: e.Index}
		if e.Kind == wasm.ExternFunc {
			es.What = funcLabel(m, e.Index)
		}
		s.Exports = append(s.Exports, es)
	}
	s.Funcs.Imported = m.NumImportedFuncs()
	s.Funcs.Defined = len(m.Functions)
	var funcs []funcSummary
	for i := range m.Code {
		idx := uint32(m.NumImportedFuncs() + i)
		c := &m.Code[i]
		s.Funcs.CodeBytes += c.End - c.Start
		ft := ""
		if t, ok := m.FuncType(idx); ok {
			ft = t.String()
		}
		funcs = append(funcs, funcSummary{Index: idx, Name: m.FuncName(idx), Size: c.End - c.Start, Type: ft})
	}
	sort.SliceStable(funcs, func(i, j int) bool { return funcs[i].Size > funcs[j].Size })
	if top >= 0 && top < len(funcs) {
		funcs = funcs[:top]
	}
	s.Funcs.Largest = funcs
	for i := 0; i < m.NumMemories(); i++ {
		mt, _ := m.MemoryType(uint32(i))
		s.Memories = append(s.Memories, limitsString(mt.Limits, "pages"))
	}
	for i := 0; i < m.NumTables(); i++ {
		tt, _ := m.TableType(uint32(i))
		s.Tables = append(s.Tables, tt.Elem.String()+" "+limitsString(tt.Limits, "elements"))
	}
	for i := range m.Data {
		s.DataBytes += len(m.Data[i].Init)
	}
	if m.HasStart {
		st := m.Start
		s.Start = &st
	}
	for _, c := range m.Customs {
		s.Customs = append(s.Customs, customSummary{c.Name, len(c.Payload)})
	}
	return s
}

func importType(m *wasm.Module, im *wasm.Import) string {
	switch im.Kind {
	case wasm.ExternFunc:
		if int(im.TypeIndex) < len(m.Types) {
			return m.Types[im.TypeIndex].String()
		}
		return fmt.Sprintf("type %d (out of range)", im.TypeIndex)
	case wasm.ExternTable:
		return im.Table.Elem.String() + " " + limitsString(im.Table.Limits, "elements")
	case wasm.ExternMemory:
		return limitsString(im.Memory.Limits, "pages")
	case wasm.ExternGlobal:
		if im.Global.Mutable {
			return "mut " + im.Global.Type.String()
		}
		return im.Global.Type.String()
	}
	return ""
}

func funcLabel(m *wasm.Module, idx uint32) string {
	ft := "?"
	if t, ok := m.FuncType(idx); ok {
		ft = t.String()
	}
	if n := m.FuncName(idx); n != "" {
		return fmt.Sprintf("%q %s", n, ft)
	}
	return ft
}

func limitsString(l wasm.Limits, unit string) string {
	if l.HasMax {
		return fmt.Sprintf("min %d, max %d %s", l.Min, l.Max, unit)
	}
	return fmt.Sprintf("min %d %s, no max", l.Min, unit)
}

// featuresUsed reports the post-1.0 features a module actually uses: operators from function
// bodies and constant expressions, and module-level constructs (types, segments, imports).
func featuresUsed(m *wasm.Module, enabled wasm.Features) wasm.Features {
	var used wasm.Features
	for _, t := range m.Types {
		if len(t.Results) > 1 {
			used |= wasm.FeatureMultiValue
		}
		for _, v := range append(append([]wasm.ValType(nil), t.Params...), t.Results...) {
			switch {
			case v == wasm.V128:
				used |= wasm.FeatureSIMD
			case v.IsRef():
				used |= wasm.FeatureReferenceTypes
			}
		}
	}
	for i := range m.Imports {
		if m.Imports[i].Kind == wasm.ExternGlobal && m.Imports[i].Global.Mutable {
			used |= wasm.FeatureMutableGlobal
		}
	}
	for _, e := range m.Exports {
		if e.Kind == wasm.ExternGlobal {
			if gt, ok := m.GlobalType(e.Index); ok && gt.Mutable {
				used |= wasm.FeatureMutableGlobal
			}
		}
	}
	if m.NumTables() > 1 {
		used |= wasm.FeatureReferenceTypes
	}
	if m.HasDataCount {
		used |= wasm.FeatureBulkMemory
	}
	for i := range m.Data {
		if m.Data[i].Mode == wasm.SegmentPassive {
			used |= wasm.FeatureBulkMemory
		}
	}
	for i := range m.Elements {
		if m.Elements[i].Mode != wasm.SegmentActive || m.Elements[i].UsesExprs {
			used |= wasm.FeatureBulkMemory | wasm.FeatureReferenceTypes
		}
	}
	var ins wasm.Instr
	r := wasm.NewReader(nil, 0, enabled)
	for i := range m.Code {
		c := &m.Code[i]
		r.Reset(c.Body, c.Start, enabled)
		for r.Next(&ins) == nil {
			if ins.Info != nil {
				used |= ins.Info.Feature
			}
			if (ins.Op == wasm.OpBlock || ins.Op == wasm.OpLoop || ins.Op == wasm.OpIf) && ins.BlockType.IsIndex() {
				used |= wasm.FeatureMultiValue
			}
		}
	}
	return used
}

func printSummary(w io.Writer, s *moduleSummary) {
	fmt.Fprintf(w, "%s: %d bytes, sha256 %s\n", s.File, s.Size, s.SHA256)
	fmt.Fprintf(w, "features used: %s\n", strings.ReplaceAll(s.FeaturesUsed, "|", ", "))
	fmt.Fprintf(w, "types: %d\n", s.Types)
	fmt.Fprintf(w, "imports: %d\n", len(s.Imports))
	for _, im := range s.Imports {
		fmt.Fprintf(w, "  %-6s %s.%s %s\n", im.Kind, im.Module, im.Name, im.Type)
	}
	fmt.Fprintf(w, "exports: %d\n", len(s.Exports))
	for _, e := range s.Exports {
		fmt.Fprintf(w, "  %-6s %q = %s %d %s\n", e.Kind, e.Name, e.Kind, e.Index, e.What)
	}
	fmt.Fprintf(w, "functions: %d defined, %d imported, %d bytes of code\n", s.Funcs.Defined, s.Funcs.Imported, s.Funcs.CodeBytes)
	if len(s.Funcs.Largest) > 0 {
		fmt.Fprintf(w, "  largest:\n")
		for _, f := range s.Funcs.Largest {
			name := f.Name
			if name == "" {
				name = "-"
			}
			fmt.Fprintf(w, "  %8d bytes  func %d %s %s\n", f.Size, f.Index, name, f.Type)
		}
	}
	fmt.Fprintf(w, "memories: %d\n", len(s.Memories))
	for i, m := range s.Memories {
		fmt.Fprintf(w, "  memory %d: %s\n", i, m)
	}
	fmt.Fprintf(w, "tables: %d\n", len(s.Tables))
	for i, t := range s.Tables {
		fmt.Fprintf(w, "  table %d: %s\n", i, t)
	}
	fmt.Fprintf(w, "globals: %d\n", s.Globals)
	fmt.Fprintf(w, "data segments: %d (%d bytes)\n", s.DataSegments, s.DataBytes)
	fmt.Fprintf(w, "element segments: %d\n", s.ElemSegments)
	if s.Start != nil {
		fmt.Fprintf(w, "start function: %d\n", *s.Start)
	}
	fmt.Fprintf(w, "custom sections: %d\n", len(s.Customs))
	for _, c := range s.Customs {
		fmt.Fprintf(w, "  %q: %d bytes\n", c.Name, c.Size)
	}
	for _, warn := range s.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if s.Invalid != "" {
		fmt.Fprintf(w, "INVALID: %s\n", s.Invalid)
	}
}
