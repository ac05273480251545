package testsuite

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Script is one wast2json command file: the commands of one .wast file, in order.
type Script struct {
	Path     string // the .json file
	Source   string // the .wast it was converted from
	Commands []Command
}

// Command is one wast command as wast2json writes it.
type Command struct {
	Type       string  `json:"type"`
	Line       int     `json:"line"`
	Name       string  `json:"name"`        // module name ($M) for module and register
	As         string  `json:"as"`          // register: the import module name
	Filename   string  `json:"filename"`    // the .wasm (or .wat) file of module/assert_* commands
	Text       string  `json:"text"`        // expected error text of assert_* commands
	ModuleType string  `json:"module_type"` // "binary" or "text"
	Action     *Action `json:"action"`
	Expected   []Value `json:"expected"`
}

// Action is an invoke or a global get.
type Action struct {
	Type   string  `json:"type"` // "invoke" or "get"
	Module string  `json:"module"`
	Field  string  `json:"field"`
	Args   []Value `json:"args"`
}

// Value is a typed argument or expected result. Value holds a decimal string for scalars
// (or "nan:canonical"/"nan:arithmetic"), or a list of lane strings for v128.
type Value struct {
	Type     string          `json:"type"`
	LaneType string          `json:"lane_type"`
	Value    json.RawMessage `json:"value"`
}

// LoadScript reads a wast2json command file.
func LoadScript(path string) (*Script, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw struct {
		SourceFilename string    `json:"source_filename"`
		Commands       []Command `json:"commands"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Script{Path: path, Source: raw.SourceFilename, Commands: raw.Commands}, nil
}

// Name is the script's suite and file name, e.g. "v2/i32.json" (the corpus keeps each suite's
// files in <suite>/testdata/).
func (s *Script) Name() string {
	return filepath.Base(filepath.Dir(filepath.Dir(s.Path))) + "/" + filepath.Base(s.Path)
}

// ModuleBytes reads the module file a command names, from the script's directory.
func (s *Script) ModuleBytes(c *Command) ([]byte, error) {
	return os.ReadFile(filepath.Join(filepath.Dir(s.Path), c.Filename))
}
