package wasi_test

import (
	"os"
	"testing"

	"github.com/wasiaot/wasiaot/runtime"
)

// BenchmarkLoadHello is what LoadFile of the hello artifact costs, the
// digest check included: "uncached" reads, checks and maps the file every
// time, "cached" finds the image of an earlier load.
func BenchmarkLoadHello(b *testing.B) {
	src := os.Getenv("WASIAOT_BENCH_HELLO")
	if src == "" {
		src = "testdata/c/exitcode.wasm"
	}
	path := buildArtifact(b, src)
	rt := runtime.New(runtime.Config{})
	defer rt.Close()
	for _, name := range []string{"uncached", "cached"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if name == "uncached" {
					if err := runtime.FlushArtifactCache(); err != nil {
						b.Fatal(err)
					}
				}
				mod, err := rt.LoadFile(path)
				if err != nil {
					b.Fatal(err)
				}
				mod.Close()
			}
		})
	}
}
