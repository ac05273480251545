package serve

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
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
			var start time.Duration
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
			_ = start
		})
	}
}
