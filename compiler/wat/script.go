package wat

import "bytes"

// ScriptModule is one module form of a .wast script.
type ScriptModule struct {
	Line    int    // line of the module keyword
	Command string // "module" or the assertion that holds it, e.g. "assert_invalid"
	Text    []byte // the (module ...) form, ready for Parse
}

// ScriptModules splits a .wast script into its commands and returns, in
// order, every module form: top-level modules and the modules of
// assertions. Other commands (register, invoke, get, ...) are skipped.
func ScriptModules(src []byte) ([]ScriptModule, error) {
	nodes, err := readAll(src)
	if err != nil {
		return nil, locate(src, err)
	}
	var out []ScriptModule
	if len(nodes) > 0 && fieldKinds[nodes[0].head()] {
		// A script that is just module fields is one module.
		return []ScriptModule{{Line: 1, Command: "module", Text: src}}, nil
	}
	for _, n := range nodes {
		if !n.isList() {
			return nil, locate(src, errAt(n.pos, "unexpected token"))
		}
		cmd := n.head()
		mod := n
		if cmd != "module" {
			if len(n.list) < 2 || n.list[1].head() != "module" {
				continue
			}
			mod = n.list[1]
		}
		out = append(out, ScriptModule{
			Line:    1 + bytes.Count(src[:mod.list[0].pos], []byte{'\n'}),
			Command: cmd,
			Text:    src[mod.pos:mod.end],
		})
	}
	return out, nil
}
