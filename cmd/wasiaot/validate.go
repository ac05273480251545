package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	flag "github.com/spf13/pflag"

	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
)

// featureNames maps --features words to feature sets.
var featureNames = map[string]wasm.Features{
	"v1":              wasm.FeaturesV1,
	"v2":              wasm.FeaturesV2,
	"mutable-global":  wasm.FeatureMutableGlobal,
	"sign-ext":        wasm.FeatureSignExt,
	"sat-conv":        wasm.FeatureSatConv,
	"multi-value":     wasm.FeatureMultiValue,
	"bulk-memory":     wasm.FeatureBulkMemory,
	"reference-types": wasm.FeatureReferenceTypes,
	"simd":            wasm.FeatureSIMD,
	"tail-call":       wasm.FeatureTailCall,
	"extended-const":  wasm.FeatureExtendedConst,
}

const featuresHelp = `WebAssembly features to accept, comma-separated: v1 (WebAssembly 1.0), v2 (2.0: adds
sign-ext, sat-conv, multi-value, bulk-memory, reference-types, simd), and the proposals
tail-call and extended-const. Example: --features v2,tail-call`

func addFeaturesFlag(fs *flag.FlagSet) *string {
	return fs.String("features", "v2", featuresHelp)
}

func parseFeatures(s string) (wasm.Features, error) {
	var f wasm.Features
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		v, ok := featureNames[w]
		if !ok {
			return 0, usageError{fmt.Sprintf("unknown feature %q in --features", w)}
		}
		f |= v
	}
	return f, nil
}

// readModule reads a binary module, or a text-format module (anything not starting with the
// binary magic), which it converts to binary.
func readModule(path string, f wasm.Features, limit int64) ([]byte, error) {
	b, err := readInput(path, limit, sniffModule)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(b, []byte("\x00asm")) {
		return b, nil
	}
	bin, err := wat.Parse(b, f)
	if err != nil {
		return nil, fmt.Errorf("%s: text format: %w", path, err)
	}
	return bin, nil
}

// loadModule reads, decodes and validates a .wasm file. Errors name the file.
func loadModule(path string, f wasm.Features) (*wasm.Module, error) {
	b, err := readModule(path, f, defaultMaxInput)
	if err != nil {
		return nil, err
	}
	m, err := wasm.Decode(b, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := validate.Validate(m, f); err != nil {
		return m, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func runValidate(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet(stdout, "validate", `Usage: wasiaot validate [flags] FILE.wasm|FILE.wat...

Decode and validate WebAssembly modules (binary, or the text format) as the WebAssembly
specification defines it.
Prints "FILE: valid" for each valid module; for an invalid one prints where the problem is
(section, function index, byte offset) and what was expected, and exits with status 1.
`)
	features := addFeaturesFlag(fs)
	quiet := fs.BoolP("quiet", "q", false, "print nothing for valid modules")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"no input: give one or more .wasm files"}
	}
	f, err := parseFeatures(*features)
	if err != nil {
		return err
	}
	if fs.NArg() == 1 {
		if _, err := loadModule(fs.Arg(0), f); err != nil {
			return err
		}
		if !*quiet {
			fmt.Fprintf(stdout, "%s: valid\n", fs.Arg(0))
		}
		return nil
	}
	invalid := 0
	for _, path := range fs.Args() {
		if _, err := loadModule(path, f); err != nil {
			fmt.Fprintln(stderr, err)
			invalid++
		} else if !*quiet {
			fmt.Fprintf(stdout, "%s: valid\n", path)
		}
	}
	if invalid > 0 {
		return fmt.Errorf("%d of %d modules are invalid", invalid, fs.NArg())
	}
	return nil
}
