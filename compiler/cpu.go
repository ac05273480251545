package compiler

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// CPUNative is the CPU level of the machine compiling: every feature it
// has that the target knows.
const CPUNative = "native"

// CPULevels returns the names of target's CPU levels, the default first,
// then CPUNative when target is this machine's architecture.
func CPULevels(target string) ([]string, error) {
	t, err := lookupTarget(target)
	if err != nil {
		return nil, err
	}
	return levelNames(t, true), nil
}

// ParseCPU returns the CPU features of a level of target (see CPULevels),
// for Options.CPU. An unknown level, or a level of another architecture,
// is an error that lists the valid ones.
func ParseCPU(target, level string) (artifact.Features, error) {
	t, err := lookupTarget(target)
	if err != nil {
		return 0, err
	}
	if level == CPUNative {
		h := artifact.DetectHost()
		if h.Arch != t.Arch() {
			return 0, fmt.Errorf("CPU level native: this machine is %v, not %v (valid for %v: %s)", h.Arch, t.Arch(), t.Arch(), levelList(t, false))
		}
		f := h.Features & t.Arch().Known()
		if missing := backend.Floor(t.CPULevels()) &^ f; missing != 0 {
			return 0, fmt.Errorf("CPU level native: this machine lacks %v, which %s code always needs", missing, t.Name())
		}
		return f, nil
	}
	for _, l := range t.CPULevels() {
		if l.Name == level {
			return l.Features, nil
		}
	}
	for _, name := range backend.Names() {
		if other, _ := backend.Lookup(name); other != nil && other != t {
			for _, l := range other.CPULevels() {
				if l.Name == level && l.Name != t.CPULevels()[0].Name {
					return 0, fmt.Errorf("CPU level %q is for %s, not %s (valid for %s: %s)", level, name, t.Name(), t.Name(), levelList(t, true))
				}
			}
		}
	}
	return 0, fmt.Errorf("unknown CPU level %q for %s (valid: %s)", level, t.Name(), levelList(t, true))
}

// CPUName names a feature set of target: its level's name if it is one,
// else the features' list.
func CPUName(target string, f artifact.Features) string {
	t, err := lookupTarget(target)
	if err != nil {
		return f.String()
	}
	levels := t.CPULevels()
	if f == 0 && len(levels) > 0 {
		return levels[0].Name
	}
	for _, l := range levels {
		if l.Features == f {
			return l.Name
		}
	}
	return f.String()
}

// CPUHelp describes target's CPU levels for a command's help text.
func CPUHelp(target string) string {
	t, err := lookupTarget(target)
	if err != nil {
		return ""
	}
	var sb strings.Builder
	for i, l := range t.CPULevels() {
		fmt.Fprintf(&sb, "  %-10s %s", l.Name, l.Doc)
		if i == 0 {
			sb.WriteString("; the default")
		}
		sb.WriteByte('\n')
	}
	fmt.Fprintf(&sb, "  %-10s every feature of the machine compiling (the artifact may not run elsewhere)\n", CPUNative)
	return sb.String()
}

// levelNames lists t's levels, and with native CPUNative when t is this
// machine's architecture.
func levelNames(t backend.Target, native bool) []string {
	var names []string
	for _, l := range t.CPULevels() {
		names = append(names, l.Name)
	}
	if native && artifact.DetectHost().Arch == t.Arch() {
		names = append(names, CPUNative)
	}
	return names
}

func levelList(t backend.Target, native bool) string {
	return strings.Join(levelNames(t, native), ", ")
}

func lookupTarget(name string) (backend.Target, error) {
	if name == "" {
		name = runtime.GOARCH
	}
	return backend.Lookup(name)
}

// resolveCPU checks Options.CPU against the target: 0 is its default
// level; a set must hold only the target's features and every feature
// its code needs.
func resolveCPU(t backend.Target, cpu artifact.Features) (artifact.Features, error) {
	levels := t.CPULevels()
	if cpu == 0 {
		return levels[0].Features, nil
	}
	if extra := cpu &^ t.Arch().Known(); extra != 0 {
		return 0, fmt.Errorf("CPU features %v are not %v features", extra, t.Arch())
	}
	if missing := backend.Floor(levels) &^ cpu; missing != 0 {
		return 0, fmt.Errorf("not supported: CPU features %v without %v, which every %s level includes", cpu, missing, t.Name())
	}
	return cpu, nil
}
