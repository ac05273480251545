package serve

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/wasi"
)

// BenchmarkRequest runs the hello program through the handler, without a
// network: the server's own cost per request, instance start included.
func BenchmarkRequest(b *testing.B) {
	for _, prog := range []string{"c/hello", "go/hello"} {
		b.Run(prog, func(b *testing.B) {
			cfg := oneRoute("/", artifactPath(b, prog), Limits{})
			cfg.WatchInterval = -1
			s, err := New(cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			h := s.Handler()
			req := httptest.NewRequest("GET", "/x", nil)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Errorf("status %d: %s", w.Code, w.Body)
						return
					}
				}
			})
			b.StopTimer()
			sum, n := histogram(b, s, "wasiaot_serve_instance_start_seconds")
			b.ReportMetric(sum/float64(n)*1e9, "ns/start")
			if sum, n = histogram(b, s, "wasiaot_serve_instance_start_cpu_seconds"); n > 0 {
				b.ReportMetric(sum/float64(n)*1e9, "cpu-ns/start")
			}
		})
	}
}

// histogram returns the sum and count of one of s's histograms.
func histogram(b *testing.B, s *Server, name string) (float64, uint64) {
	mfs, err := s.metrics.reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			h := mf.GetMetric()[0].GetHistogram()
			return h.GetSampleSum(), h.GetSampleCount()
		}
	}
	b.Fatalf("no metric %s", name)
	return 0, 0
}

// BenchmarkInstantiate is the instance start a request pays before its
// guest runs: the WASI context, instantiating (data segments included) and
// closing the instance again.
func BenchmarkInstantiate(b *testing.B) {
	for _, prog := range []string{"c/hello", "c/echo", "go/hello"} {
		b.Run(prog, func(b *testing.B) {
			rt := runtime.New(runtime.Config{})
			defer rt.Close()
			m, err := rt.LoadFile(artifactPath(b, prog))
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			imports := wasi.ContextImports()
			b.ReportAllocs()
			for b.Loop() {
				host, err := wasi.New(wasi.Config{Args: []string{"app"}})
				if err != nil {
					b.Fatal(err)
				}
				inst, err := m.Instantiate(wasi.WithHost(context.Background(), host), imports)
				if err != nil {
					b.Fatal(err)
				}
				if err := inst.Close(); err != nil {
					b.Fatal(err)
				}
				host.Close()
			}
		})
	}
}
