package wasi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/wasi"
)

// TestContextImports runs instances of one module side by side on one set
// of imports, each call on the Host its context carries.
func TestContextImports(t *testing.T) {
	src, err := os.ReadFile("testdata/c/argsenv.wasm")
	require.NoError(t, err)
	so, err := compiler.Compile(src, compiler.DefaultOptions())
	require.NoError(t, err)
	rt := runtime.New(runtime.Config{})
	defer rt.Close()
	mod, err := rt.Load(so)
	require.NoError(t, err)
	defer mod.Close()

	imports := wasi.ContextImports()
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 8)
	errs := make([]error, len(outs))
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			host, err := wasi.New(wasi.Config{Args: []string{"argsenv", fmt.Sprint("run", i), "with space", ""},
				Env: []string{"GREETING=hello=world", "EMPTY="}, Stdout: &outs[i]})
			if err != nil {
				errs[i] = err
				return
			}
			defer host.Close()
			ctx := wasi.WithHost(context.Background(), host)
			inst, err := mod.Instantiate(ctx, imports)
			if err != nil {
				errs[i] = err
				return
			}
			defer inst.Close()
			_, err = inst.ExportedFunction("_start").Call(ctx)
			var exit *wasi.ExitError
			if errors.As(err, &exit) && exit.Code == 0 {
				err = nil
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i := range outs {
		require.NoError(t, errs[i])
		require.Contains(t, outs[i].String(), fmt.Sprintf("arg 1: run%d\n", i))
		require.Contains(t, outs[i].String(), "done\n")
	}

	// Without a Host in the context, the first WASI call fails.
	inst, err := mod.Instantiate(context.Background(), imports)
	require.NoError(t, err)
	defer inst.Close()
	_, err = inst.ExportedFunction("_start").Call(context.Background())
	require.ErrorIs(t, err, wasi.ErrNoHost)
}
