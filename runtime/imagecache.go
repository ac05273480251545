package runtime

import (
	"crypto/ed25519"
	"errors"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/internal/native"
)

// fileKey identifies one version of a file: writing to a file changes its
// ctime (and mtime), replacing it changes its inode.
type fileKey struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // nanoseconds since the epoch
}

func keyOf(st *syscall.Stat_t) fileKey {
	return fileKey{
		dev: uint64(st.Dev), ino: st.Ino, size: st.Size,
		mtime: syscall.TimespecToNsec(st.Mtim), ctime: syscall.TimespecToNsec(st.Ctim),
	}
}

// image is an artifact file as LoadFile made it ready to run: parsed,
// verified and mapped. The Modules loaded from one version of a file share
// its image; nothing in it changes after mapImage, and nothing of an
// instance lives in it (instances keep their state in their vmctx, linear
// memory, tables and globals), so sharing it shares nothing writable.
type image struct {
	key  fileKey
	host artifact.Host // verified for, and described by info
	size int64         // the file's size, what it counts against the budget
	art  *artifact.Artifact
	info *modInfo
	code *native.Code // read+execute; nil when the artifact has no text
	// signer is the key of a valid signature, or nil; set by signerOnce.
	signer     ed25519.PublicKey
	signerOnce sync.Once

	dataOnce sync.Once  // makes data
	data     *dataImage // nil if the module's data segments are copied
	perfOnce sync.Once  // writePerfMap
	perfErr  error
	text     uintptr
	rodata   []byte // read-only, inside code's mapping (or on the heap without text)

	// Guarded by images.mu.
	refs   int  // Modules using it
	cached bool // in images.m
}

// free unmaps the image; it runs once, when nothing uses it any more.
func (img *image) free() error {
	var err error
	if img.data != nil {
		err = img.data.Close()
	}
	if img.code == nil {
		return err
	}
	return errors.Join(err, img.code.Release())
}

// images is the process's cache of images, keyed by file version. Images
// in use stay while they are used; unused ones stay, least recently used
// evicted first, within imageBudget, so that a process that loads the same
// file again and again (a Runtime per request, say) maps it once.
var images imageCache

// imageBudget bounds the unused images kept: how many, and the sum of
// their files' sizes. Variables for tests.
var imageBudget = struct {
	n     int
	bytes int64
}{8, 64 << 20}

// racyWindow is how recently a file may have changed and still be cached.
// Filesystems stamp files from a coarse clock (a jiffy, or a whole second
// or two on some), so a file rewritten twice within one tick can keep its
// ctime: one that changed so recently could change again unseen. Files
// whose timestamps carry no fraction of a second get racyWindowCoarse.
var racyWindow, racyWindowCoarse = 50 * time.Millisecond, 2 * time.Second

type imageCache struct {
	mu        sync.Mutex
	m         map[fileKey]*image
	idle      []*image // unused cached images, least recently used first
	idleBytes int64
}

// acquire returns the cached image of key with one more reference, or nil.
func (c *imageCache) acquire(key fileKey, host artifact.Host) *image {
	c.mu.Lock()
	defer c.mu.Unlock()
	img := c.m[key]
	if img == nil || img.host != host {
		return nil
	}
	if img.refs == 0 {
		c.idle = slices.DeleteFunc(c.idle, func(x *image) bool { return x == img })
		c.idleBytes -= img.size
	}
	img.refs++
	return img
}

// add caches img, made for its key from a file read after start, unless
// the file had changed within racyWindow of start (a write after start in
// the same timestamp tick would have kept its ctime) or another load of
// the same version got there first. Older versions of the file leave the
// cache: no stat will find them again.
func (c *imageCache) add(img *image, start time.Time) {
	started := start.UnixNano()
	var stale []*image
	c.mu.Lock()
	if c.m == nil {
		c.m = map[fileKey]*image{}
	}
	for k, old := range c.m {
		if k.dev == img.key.dev && k.ino == img.key.ino && k != img.key {
			stale = append(stale, c.drop(old)...)
		}
	}
	window := racyWindow
	if img.key.mtime%1e9 == 0 && img.key.ctime%1e9 == 0 {
		window = racyWindowCoarse
	}
	if c.m[img.key] == nil && started-img.key.ctime >= int64(window) {
		img.cached = true
		c.m[img.key] = img
	}
	c.mu.Unlock()
	freeAll(stale)
}

// drop removes img from the cache and returns it if it is unused and so
// must be freed; a used one is freed by its last release.
func (c *imageCache) drop(img *image) []*image {
	delete(c.m, img.key)
	img.cached = false
	if img.refs != 0 {
		return nil
	}
	c.idle = slices.DeleteFunc(c.idle, func(x *image) bool { return x == img })
	c.idleBytes -= img.size
	return []*image{img}
}

// release drops a reference to img. An unused image stays cached within
// the budget; what does not fit is unmapped.
func (c *imageCache) release(img *image) error {
	c.mu.Lock()
	img.refs--
	if img.refs > 0 {
		c.mu.Unlock()
		return nil
	}
	if !img.cached {
		c.mu.Unlock()
		return img.free()
	}
	c.idle = append(c.idle, img)
	c.idleBytes += img.size
	var evicted []*image
	for len(c.idle) > imageBudget.n || c.idleBytes > imageBudget.bytes {
		evicted = append(evicted, c.drop(c.idle[0])...)
	}
	c.mu.Unlock()
	return freeAll(evicted)
}

// FlushArtifactCache empties the process's cache of artifact files (see
// the package doc, "Artifact files"): mappings no Module uses are unmapped
// now, the others when their last Module closes, and the next LoadFile of
// any file reads and maps it again.
func FlushArtifactCache() error { return images.flush() }

// flush unmaps every unused image and forgets the used ones, which are
// unmapped by their last release.
func (c *imageCache) flush() error {
	var unused []*image
	c.mu.Lock()
	for _, img := range c.m {
		unused = append(unused, c.drop(img)...)
	}
	c.mu.Unlock()
	return freeAll(unused)
}

func freeAll(imgs []*image) error {
	var err error
	for _, img := range imgs {
		err = errors.Join(err, img.free())
	}
	return err
}
