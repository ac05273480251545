package wasi

import "testing"

// UseWalkResolver makes path resolution use walkBeneath instead of
// openat2 until the test ends, so both resolvers run every test.
func UseWalkResolver(t *testing.T) {
	openat2Once.Do(probeOpenat2)
	old := useOpenat2
	useOpenat2 = false
	t.Cleanup(func() { useOpenat2 = old })
}

// withResolvers runs f once per path resolver.
func withResolvers(t *testing.T, f func(t *testing.T)) {
	openat2Once.Do(probeOpenat2)
	if useOpenat2 {
		t.Run("openat2", f)
	}
	t.Run("walk", func(t *testing.T) {
		UseWalkResolver(t)
		f(t)
	})
}
