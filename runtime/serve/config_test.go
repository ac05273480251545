package serve

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "routes.toml")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func TestLoadConfig(t *testing.T) {
	p := writeConfig(t, `
listen = ":8081"
admin = "127.0.0.1:9091"
verify_keys = ["keys/release.pub"]
read_header_timeout = "2s"

[defaults]
timeout = "3s"
concurrency = 8

[[route]]
prefix = "/api/"
artifact = "api.so"
args = ["--fast"]
env = { MODE = "prod" }
dirs = ["static::/static", "/abs/data"]
timeout = "250ms"
memory_pages = 256
queue = -1

[[route]]
prefix = "/"
artifact = "/srv/site.so"
`)
	c, err := LoadConfig(p)
	require.NoError(t, err)
	dir := filepath.Dir(p)
	require.Equal(t, ":8081", c.Listen)
	require.Equal(t, "127.0.0.1:9091", c.Admin)
	require.Equal(t, []string{filepath.Join(dir, "keys/release.pub")}, c.VerifyKeys)
	require.Equal(t, 2*time.Second, c.ReadHeaderTimeout.D())
	require.Len(t, c.Routes, 2)
	r := c.Routes[0]
	require.Equal(t, "/api/", r.Prefix)
	require.Equal(t, filepath.Join(dir, "api.so"), r.Artifact)
	require.Equal(t, []string{"--fast"}, r.Args)
	require.Equal(t, map[string]string{"MODE": "prod"}, r.Env)
	require.Equal(t, []string{filepath.Join(dir, "static") + "::/static", "/abs/data::/abs/data"}, r.Dirs)
	lim := r.Limits.orDefault(c.Defaults.orDefault(defaultLimits))
	require.Equal(t, Limits{Timeout: Duration(250 * time.Millisecond), MemoryPages: 256, MaxRequestBytes: 8 << 20,
		MaxResponseBytes: 64 << 20, Concurrency: 8, Queue: -1}, lim)
	require.Equal(t, "/srv/site.so", c.Routes[1].Artifact)
	require.Equal(t, "/api", normPrefix(r.Prefix))
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ text, err string }{
		{``, "no routes"},
		{"[[route]]\nprefix = \"/\"\nartifact = \"a.so\"\ntimeuot = \"1s\"\n", "unknown keys: route.timeuot"},
		{"[[route]]\nprefix = \"api\"\nartifact = \"a.so\"\n", "must start with /"},
		{"[[route]]\nprefix = \"/a\"\nartifact = \"a.so\"\n[[route]]\nprefix = \"/a/\"\nartifact = \"b.so\"\n", "same prefix"},
		{"[[route]]\nprefix = \"/\"\n", "no artifact"},
		{"[[route]]\nprefix = \"/\"\nartifact = \"a.so\"\nenv = { PATH_INFO = \"x\" }\n", "PATH_INFO is a CGI meta-variable"},
		{"[[route]]\nprefix = \"/\"\nartifact = \"a.so\"\nenv = { HTTP_X = \"x\" }\n", "HTTP_X is a CGI meta-variable"},
		{"[[route]]\nprefix = \"/\"\nartifact = \"a.so\"\nmemory_pages = 70000\n", "at most 65536"},
		{"[[route]]\nprefix = \"/\"\nartifact = \"a.so\"\ntimeout = \"soon\"\n", "soon"},
		{"[defaults]\nconcurrency = -2\n[[route]]\nprefix = \"/\"\nartifact = \"a.so\"\n", "defaults: concurrency must not be negative"},
		{"listen = [1]", "listen"},
	} {
		_, err := LoadConfig(writeConfig(t, tc.text))
		require.ErrorContains(t, err, tc.err, tc.text)
	}
}
