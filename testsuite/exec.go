package testsuite

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/spectest"
)

// commandTimeout bounds one invocation, so a miscompiled infinite loop fails its command
// instead of hanging the suite.
const commandTimeout = 20 * time.Second

// session is the state of one script's execution: the runtime, the registered instances that
// later modules may import, and the named and current instances actions refer to.
type session struct {
	rt       *runtime.Runtime
	features wasm.Features
	cpu      artifact.Features
	imports  runtime.Imports
	named    map[string]*runtime.Instance
	current  *runtime.Instance
	// unsupported is set when the current module could not be compiled because it uses
	// something the compiler does not support yet; commands on it are skipped with this reason.
	unsupported string
	instances   []*runtime.Instance
}

func newSession(f wasm.Features, cpu artifact.Features) (*session, error) {
	rt := runtime.New(runtime.Config{})
	im, err := spectest.Imports(rt, nil)
	if err != nil {
		return nil, err
	}
	return &session{rt: rt, features: f, cpu: cpu, imports: im, named: map[string]*runtime.Instance{}}, nil
}

func (s *session) close() {
	for i := len(s.instances) - 1; i >= 0; i-- {
		s.instances[i].Close()
	}
	s.rt.Close()
}

// errNotSupported marks a compile failure on a feature the compiler does not support yet.
type errNotSupported struct{ err error }

func (e errNotSupported) Error() string { return e.err.Error() }

// instantiate runs the real pipeline: compile to artifact bytes, load them, instantiate.
func (s *session) instantiate(bin []byte) (*runtime.Instance, error) {
	art, err := compiler.Compile(bin, compiler.Options{Features: s.features, OptLevel: 2, CPU: s.cpu})
	if err != nil {
		if strings.Contains(err.Error(), "not supported: ") {
			return nil, errNotSupported{err}
		}
		return nil, fmt.Errorf("compile: %w", err)
	}
	m, err := s.rt.Load(art)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	inst, err := m.Instantiate(ctx, s.imports)
	if err != nil {
		return nil, err
	}
	s.instances = append(s.instances, inst)
	return inst, nil
}

// instanceFor picks the instance an action names, or the current one.
func (s *session) instanceFor(a *Action) (*runtime.Instance, error) {
	if a.Module != "" {
		inst, ok := s.named[a.Module]
		if !ok {
			return nil, fmt.Errorf("no module named %s", a.Module)
		}
		return inst, nil
	}
	if s.current == nil {
		return nil, errors.New("no current module")
	}
	return s.current, nil
}

// do performs an invoke or get action and returns its results as bits.
func (s *session) do(a *Action) ([]Bits, error) {
	inst, err := s.instanceFor(a)
	if err != nil {
		return nil, err
	}
	if a.Type == "get" {
		g := inst.Global(a.Field)
		if g == nil {
			return nil, fmt.Errorf("no exported global %q", a.Field)
		}
		if g.Type().Type == runtime.V128 {
			lo, hi := g.GetV128()
			return []Bits{{Lo: lo, Hi: hi}}, nil
		}
		return []Bits{{Lo: toSpecRef(g.Type().Type, g.Get())}}, nil
	}
	if a.Type != "invoke" {
		return nil, fmt.Errorf("not supported: action %q", a.Type)
	}
	fn := inst.ExportedFunction(a.Field)
	if fn == nil {
		return nil, fmt.Errorf("no exported function %q", a.Field)
	}
	ft := fn.Type()
	if len(a.Args) != len(ft.Params) {
		return nil, fmt.Errorf("%d arguments for %d parameters", len(a.Args), len(ft.Params))
	}
	var args []uint64
	for i, v := range a.Args {
		b, err := ParseArg(v)
		if err != nil {
			return nil, err
		}
		switch ft.Params[i] {
		case runtime.V128:
			args = append(args, b.Lo, b.Hi)
		case runtime.ExternRef:
			args = append(args, fromSpecRef(v, b.Lo))
		default:
			args = append(args, b.Lo)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	words, err := fn.Call(ctx, args...)
	if err != nil {
		return nil, err
	}
	out := make([]Bits, 0, len(ft.Results))
	for _, t := range ft.Results {
		if len(words) == 0 {
			return nil, errors.New("fewer result words than results")
		}
		if t == runtime.V128 {
			if len(words) < 2 {
				return nil, errors.New("v128 result cut short")
			}
			out = append(out, Bits{Lo: words[0], Hi: words[1]})
			words = words[2:]
			continue
		}
		out = append(out, Bits{Lo: toSpecRef(t, words[0])})
		words = words[1:]
	}
	return out, nil
}

// The runtime uses 0 for a null externref, so the spec's (ref.extern n) travels as n+1.
func fromSpecRef(v Value, n uint64) uint64 {
	if string(v.Value) == `"null"` {
		return 0
	}
	return n + 1
}

func toSpecRef(t runtime.ValType, w uint64) uint64 {
	if t == runtime.ExternRef && w != 0 {
		return w - 1
	}
	return w
}

var trailingNumber = regexp.MustCompile(` \d+$`)

// trapMatches reports whether an error carries the spec's expected trap text. The suite sometimes
// appends detail the runtime does not ("uninitialized element 2"), so that detail is dropped.
func trapMatches(err error, want string) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, want) || strings.Contains(msg, trailingNumber.ReplaceAllString(want, ""))
}

// execute runs one command that needs execution and returns "" on success, or what went wrong.
// skip is set instead when the command depends on an unsupported module.
func (s *session) execute(sc *Script, c *Command) (problem, skip string) {
	switch c.Type {
	case "module":
		bin, err := sc.ModuleBytes(c)
		if err != nil {
			return err.Error(), ""
		}
		s.current, s.unsupported = nil, ""
		inst, err := s.instantiate(bin)
		var ns errNotSupported
		if errors.As(err, &ns) {
			s.unsupported = ns.Error()
			return "", s.unsupported
		}
		if err != nil {
			return fmt.Sprintf("%s: %v", c.Filename, err), ""
		}
		s.current = inst
		if c.Name != "" {
			s.named[c.Name] = inst
		}
		return "", ""
	case "register":
		inst := s.current
		if c.Name != "" {
			inst = s.named[c.Name]
		}
		if inst == nil {
			if s.unsupported != "" {
				return "", s.unsupported
			}
			return "register: no instance", ""
		}
		s.imports.DefineInstance(c.As, inst)
		return "", ""
	case "assert_unlinkable", "assert_uninstantiable":
		bin, err := sc.ModuleBytes(c)
		if err != nil {
			return err.Error(), ""
		}
		_, err = s.instantiate(bin)
		var ns errNotSupported
		if errors.As(err, &ns) {
			return "", ns.Error()
		}
		if err == nil {
			return fmt.Sprintf("%s instantiated, want failure %q", c.Filename, c.Text), ""
		}
		if !trapMatches(err, c.Text) {
			return fmt.Sprintf("%s: want %q, got %v", c.Filename, c.Text, err), ""
		}
		return "", ""
	}
	// Actions on the current or a named module.
	if c.Action == nil {
		return "command without an action", ""
	}
	if c.Action.Module == "" && s.current == nil && s.unsupported != "" {
		return "", s.unsupported
	}
	if c.Action.Module != "" && s.named[c.Action.Module] == nil && s.unsupported != "" {
		return "", s.unsupported
	}
	got, err := s.do(c.Action)
	where := c.Action.Field
	switch c.Type {
	case "action":
		if err != nil {
			return fmt.Sprintf("%s: %v", where, err), ""
		}
	case "assert_return":
		if err != nil {
			return fmt.Sprintf("%s: %v", where, err), ""
		}
		if len(got) != len(c.Expected) {
			return fmt.Sprintf("%s: %d results, want %d", where, len(got), len(c.Expected)), ""
		}
		for i, e := range c.Expected {
			p, perr := ParseExpected(e)
			if perr != nil {
				return fmt.Sprintf("%s: %v", where, perr), ""
			}
			if ok, msg := p.Match(got[i]); !ok {
				return fmt.Sprintf("%s: result %d: %s", where, i, msg), ""
			}
		}
	case "assert_trap", "assert_exhaustion":
		if err == nil {
			return fmt.Sprintf("%s: returned %v, want trap %q", where, got, c.Text), ""
		}
		if !trapMatches(err, c.Text) {
			return fmt.Sprintf("%s: want trap %q, got %v", where, c.Text, err), ""
		}
	default:
		return "", "not supported: command " + c.Type
	}
	return "", ""
}
