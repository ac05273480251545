package runtime

import (
	"context"
	"testing"
)

// FuzzLoadInstantiate feeds mutated artifacts to Load and, when they load
// and have no start function (whose code would be arbitrary), instantiates
// them: metadata that passed the artifact reader must never panic the
// runtime.
func FuzzLoadInstantiate(f *testing.F) {
	for _, def := range []func(*builder){arith, memModule, segModule, libModule, userModule, hostModule} {
		f.Add(build(f, def))
	}
	rt := New(Config{StackSize: 64 << 10, MemoryLimitPages: 16})
	f.Cleanup(func() { rt.Close() })
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := rt.Load(b)
		if err != nil {
			return
		}
		defer m.Close()
		if m.m.HasStart {
			return
		}
		im, _ := segImports(t, 0)
		if inst, err := m.Instantiate(context.Background(), im); err == nil {
			inst.Close()
		}
	})
}
