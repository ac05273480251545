// Package cache keeps compiled artifacts in a directory so that running
// the same module again skips compilation: Cache.Load compiles a module
// once and later loads the stored artifact, which costs a file read and
// the loader's digest check.
//
// An entry is named by the SHA-256 of everything that decides the
// artifact's bytes: the module, the compiler (its version and the build
// of the program it is linked into), the target and the options that
// change the output (features, optimisation level). Options that do not
// (Parallelism, Progress, DumpSSA) are not part of the key.
//
// Entries are untrusted input like any artifact: the runtime checks the
// digest of every byte before anything runs, and an entry that fails to
// load (corrupted, truncated, built for another CPU) is compiled again
// and replaced. The directory is created 0700 and must belong to the
// user; entries are written to a new temporary file in it (O_EXCL, so a
// planted symbolic link is never followed) and renamed into place, so
// concurrent runs never see half an entry. Only regular files are
// loaded. When the entries exceed the size cap, the least recently used
// (by modification time, which a hit refreshes) are removed.
package cache

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/runtime/abi"
)

// DefaultMaxSize is the size cap of a cache opened with maxSize 0: 1 GiB,
// a few dozen large programs (a Go test binary's artifact is 10-40 MB).
const DefaultMaxSize = 1 << 30

// EnvDir names the environment variable that overrides DefaultDir.
const EnvDir = "WASIAOT_CACHE_DIR"

// staleTemp is the age after which a temporary file left by a process
// that died while writing an entry is removed.
const staleTemp = time.Hour

// DefaultDir is $WASIAOT_CACHE_DIR if set, else the wasiaot directory in
// the user's cache directory (os.UserCacheDir: $XDG_CACHE_HOME or
// ~/.cache on Linux).
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: %w (set %s)", err, EnvDir)
	}
	return filepath.Join(base, "wasiaot"), nil
}

// Cache is a directory of compiled artifacts. It is safe for concurrent
// use, by goroutines and by processes sharing the directory.
type Cache struct {
	dir     string
	maxSize int64
	// OnError, if set, is told about failures that do not stop Load: an
	// entry that could not be stored, or removed.
	OnError func(error)
}

// Open opens the cache in dir, creating it (0700) if needed. maxSize caps
// the bytes of its entries; 0 means DefaultMaxSize. dir must be a
// directory that belongs to the user and that nobody else may write to.
func Open(dir string, maxSize int64) (*Cache, error) {
	if maxSize < 0 {
		return nil, fmt.Errorf("cache size cap %d is negative", maxSize)
	}
	if maxSize == 0 {
		maxSize = DefaultMaxSize
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("cache: %s is not a directory", dir)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return nil, fmt.Errorf("cache: %s belongs to another user: refusing to use it", dir)
	}
	if st.Mode().Perm() != 0o700 {
		// Ours but open to others (made by hand, or by an older tool):
		// entries are code this process will run, so close it.
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("cache: %s is mode %v and cannot be made 0700: %w", dir, st.Mode().Perm(), err)
		}
	}
	return &Cache{dir: dir, maxSize: maxSize}, nil
}

// Dir is the cache's directory.
func (c *Cache) Dir() string { return c.dir }

// MaxSize is the cap on the bytes of the cache's entries.
func (c *Cache) MaxSize() int64 { return c.maxSize }

// Key is the name of the entry for wasmBytes compiled with opts: a hex
// SHA-256 of the module and of everything else that changes the artifact.
func Key(wasmBytes []byte, opts compiler.Options) string {
	target := opts.Target
	if target == "" {
		target = goruntime.GOARCH
	}
	features := opts.Features
	if features == 0 {
		features = wasm.FeaturesV2
	}
	src := sha256.Sum256(wasmBytes)
	h := sha256.New()
	fmt.Fprintf(h, "wasiaot cache 1\ncompiler %s\nbuild %s\nabi %d\ntarget %s\nfeatures %s\nopt %d\ncpu %s\nregalloc %s\nmodule %x\n",
		compiler.Version, compilerBuild(), abi.Version, target, features, opts.OptLevel, compiler.CPUName(target, opts.CPU), opts.RegAlloc, src)
	return hex.EncodeToString(h.Sum(nil))
}

// Path is the file of the entry with key.
func (c *Cache) Path(key string) string { return filepath.Join(c.dir, key+".so") }

// Load returns wasmBytes compiled with opts and loaded by rt: from the
// cache if it holds a good entry (hit is true), else compiled now and
// stored. A failure to store is reported to OnError, not returned: the
// module is loaded all the same. Entries are not signed: rt must not
// require signatures (runtime.Config.TrustedKeys), as code compiled by
// this process needs none.
func (c *Cache) Load(rt *runtime.Runtime, wasmBytes []byte, opts compiler.Options) (m *runtime.Module, hit bool, err error) {
	key := Key(wasmBytes, opts)
	path := c.Path(key)
	if m, ok := c.lookup(rt, path); ok {
		return m, true, nil
	}
	so, err := compiler.Compile(wasmBytes, opts)
	if err != nil {
		return nil, false, err
	}
	m, err = rt.Load(so)
	if err != nil {
		return nil, false, err
	}
	if err := c.store(path, so); err != nil {
		c.report(err)
	} else {
		c.evict(path)
	}
	return m, false, nil
}

// lookup loads the entry at path if it is a regular file of ours that
// loads; anything else there is removed.
func (c *Cache) lookup(rt *runtime.Runtime, path string) (*runtime.Module, bool) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, false
	}
	if !st.Mode().IsRegular() {
		// Not something this package writes (a symbolic link, a FIFO):
		// never open it. store replaces it.
		return nil, false
	}
	m, err := rt.LoadFile(path)
	if err != nil {
		// Corrupted, truncated, or not for this machine: compile again.
		return nil, false
	}
	now := time.Now()
	if err := os.Chtimes(path, now, now); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.report(err)
	}
	return m, true
}

// store writes so as the entry at path: a new temporary file in the
// directory (O_EXCL: it never opens an existing file or follows a link),
// renamed over path, which replaces whatever name was there (a link is
// replaced, not followed).
func (c *Cache) store(path string, so []byte) error {
	if int64(len(so)) > c.maxSize {
		return nil // would evict everything and still not fit
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	_, err = tmp.Write(so)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// evict removes the least recently used entries until the cache is within
// its cap, keeping keep (the entry just stored), and temporary files left
// by processes that died.
func (c *Cache) evict(keep string) {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		c.report(fmt.Errorf("cache: %w", err))
		return
	}
	type entry struct {
		path  string
		size  int64
		mtime time.Time
	}
	var entries []entry
	var total int64
	now := time.Now()
	for _, de := range des {
		name := de.Name()
		p := filepath.Join(c.dir, name)
		info, err := de.Info()
		if err != nil {
			continue // removed meanwhile
		}
		switch {
		case strings.HasPrefix(name, ".tmp-"):
			if now.Sub(info.ModTime()) > staleTemp {
				c.remove(p)
			}
		case isEntryName(name) && info.Mode().IsRegular():
			total += info.Size()
			if p != keep {
				entries = append(entries, entry{p, info.Size(), info.ModTime()})
			}
		}
	}
	if total <= c.maxSize {
		return
	}
	slices.SortFunc(entries, func(a, b entry) int { return a.mtime.Compare(b.mtime) })
	for _, e := range entries {
		if total <= c.maxSize {
			break
		}
		c.remove(e.path)
		total -= e.size
	}
}

func (c *Cache) remove(path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.report(fmt.Errorf("cache: %w", err))
	}
}

func (c *Cache) report(err error) {
	if c.OnError != nil {
		c.OnError(err)
	}
}

// isEntryName says whether name is KEY.so.
func isEntryName(name string) bool {
	key, ok := strings.CutSuffix(name, ".so")
	if !ok || len(key) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(key)
	return err == nil
}

// compilerBuild identifies the build of the running program, which holds
// the compiler: its Go build ID, which changes with any change to the
// code linked in, so that a rebuilt compiler never reuses entries of an
// older one whose version string was the same. Without it (not an ELF
// executable), the module versions and VCS revision from the build
// information.
var compilerBuild = sync.OnceValue(func() string {
	if id := goBuildID(); id != "" {
		return id
	}
	var sb strings.Builder
	if bi, ok := debug.ReadBuildInfo(); ok {
		sb.WriteString(bi.GoVersion + " " + bi.Main.Version)
		for _, s := range bi.Settings {
			if strings.HasPrefix(s.Key, "vcs.") {
				sb.WriteString(" " + s.Key + "=" + s.Value)
			}
		}
		for _, d := range bi.Deps {
			sb.WriteString(" " + d.Path + "@" + d.Version)
		}
	}
	return sb.String()
})

// goBuildID reads the Go build ID note of the running executable.
func goBuildID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	b, err := s.Data()
	if err != nil || len(b) < 16 {
		return ""
	}
	// namesz, descsz, type, "Go\x00\x00", then the ID.
	namesz, descsz := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])
	if namesz != 4 || string(b[12:16]) != "Go\x00\x00" || uint64(16)+uint64(descsz) > uint64(len(b)) {
		return ""
	}
	return strconv.Quote(string(b[16 : 16+descsz]))
}
