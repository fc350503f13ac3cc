package storage

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Disk stores objects as files under a root directory. Writes go to a
// temporary file in the same directory and are renamed into place, so a
// reader never sees a half-written object and a crash leaves only *.tmp
// litter (removed by `parcel-admin fsck`).
type Disk struct {
	root  string
	fsync bool
	perm  fs.FileMode
}

func NewDisk(cfg DiskConfig) (*Disk, error) {
	perm := fs.FileMode(cfg.DirPerms)
	if perm == 0 {
		perm = 0o750
	}
	if err := os.MkdirAll(cfg.Root, perm); err != nil {
		return nil, err
	}
	return &Disk{root: cfg.Root, fsync: cfg.Fsync, perm: perm}, nil
}

func (d *Disk) path(key string) string {
	return filepath.Join(d.root, filepath.FromSlash(key))
}

// writeAtomic streams r into a temp file, fsyncs it if configured, and renames it to dst.
func (d *Disk) writeAtomic(dst string, r io.Reader) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(dst), d.perm); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".*.tmp")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	n, err := io.Copy(tmp, r)
	if err == nil && d.fsync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), dst)
}

func (d *Disk) PutPart(ctx context.Context, key string, body io.Reader, size int64) error {
	_, err := d.writeAtomic(d.path(key), body)
	return err
}

// Assemble concatenates the parts in order into the final object.
func (d *Disk) Assemble(ctx context.Context, tenantID, uploadID string) (Object, error) {
	final := ObjectKey(tenantID, uploadID)
	if obj, err := d.Stat(ctx, final); err == nil {
		return obj, nil // already assembled: "complete" was retried
	}
	dir := d.path(strings.TrimSuffix(PartKey(tenantID, uploadID, 0), "00000"))
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || len(entries) == 0 {
		return Object{}, ErrMissingParts
	} else if err != nil {
		return Object{}, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })

	readers := make([]io.Reader, 0, len(entries))
	outer := sha256.New()
	for _, e := range entries {
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return Object{}, err
		}
		defer f.Close()
		part := sha256.New()
		if _, err := io.Copy(part, f); err != nil {
			return Object{}, err
		}
		outer.Write(part.Sum(nil))
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return Object{}, err
		}
		readers = append(readers, f)
	}
	size, err := d.writeAtomic(d.path(final), io.MultiReader(readers...))
	if err != nil {
		return Object{}, err
	}
	_ = os.RemoveAll(dir)
	return Object{
		Key:       final,
		Size:      size,
		Checksum:  "sha256=" + base64.StdEncoding.EncodeToString(outer.Sum(nil)) + "-" + itoa(len(entries)),
		CreatedAt: time.Now().UTC(),
	}, nil
}

func (d *Disk) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	f, err := os.Open(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

func (d *Disk) Stat(ctx context.Context, key string) (Object, error) {
	info, err := os.Stat(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return Object{}, ErrNotFound
	} else if err != nil {
		return Object{}, err
	}
	return Object{Key: key, Size: info.Size(), CreatedAt: info.ModTime().UTC()}, nil
}

func (d *Disk) Delete(ctx context.Context, key string) error {
	err := os.Remove(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	return err
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
