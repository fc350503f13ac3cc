// Package storage hides where Parcel keeps bytes. Two backends exist: "disk"
// (a directory on a local or network filesystem, for single-node installs and
// development) and "s3" (any S3-compatible object store: AWS S3, MinIO, R2).
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

var (
	ErrNotFound     = errors.New("storage: object not found")
	ErrMissingParts = errors.New("storage: upload has missing parts")
)

// Object describes a stored, assembled file.
type Object struct {
	Key         string    `json:"key"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	Checksum    string    `json:"checksum"` // composite: sha256=<b64>-<parts>
	CreatedAt   time.Time `json:"created_at"`
}

// Backend is what the HTTP API needs from a storage system.
//
// Parts are written independently (and possibly concurrently, in any order),
// then Assemble joins them in part-number order into the final object and
// removes them. Implementations must make Assemble idempotent: a client that
// retries "complete" after a timeout must get the same object back.
type Backend interface {
	PutPart(ctx context.Context, key string, body io.Reader, size int64) error
	Assemble(ctx context.Context, tenantID, uploadID string) (Object, error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Stat(ctx context.Context, key string) (Object, error)
	Delete(ctx context.Context, key string) error
}

// Config selects and configures a backend (the "storage" section of parcel.yaml).
type Config struct {
	Backend string     `yaml:"backend"` // "disk" or "s3"
	Disk    DiskConfig `yaml:"disk"`
	S3      S3Config   `yaml:"s3"`
}

type DiskConfig struct {
	Root     string `yaml:"root"`
	Fsync    bool   `yaml:"fsync"`
	DirPerms uint32 `yaml:"dir_perms"`
}

type S3Config struct {
	Bucket         string `yaml:"bucket"`
	Region         string `yaml:"region"`
	Endpoint       string `yaml:"endpoint"` // set for MinIO/R2; empty means AWS
	ForcePathStyle bool   `yaml:"force_path_style"`
	Prefix         string `yaml:"prefix"`
	StorageClass   string `yaml:"storage_class"`
}

// New builds the backend named in the configuration.
func New(cfg Config) (Backend, error) {
	switch cfg.Backend {
	case "disk", "":
		if cfg.Disk.Root == "" {
			return nil, errors.New("storage.disk.root is required")
		}
		return NewDisk(cfg.Disk)
	case "s3":
		if cfg.S3.Bucket == "" {
			return nil, errors.New("storage.s3.bucket is required")
		}
		return NewS3(context.Background(), cfg.S3)
	default:
		return nil, fmt.Errorf("unknown storage backend %q (want disk or s3)", cfg.Backend)
	}
}

// ObjectKey is where a finished file lives: tenants never share a prefix.
func ObjectKey(tenantID, fileID string) string {
	return fmt.Sprintf("t/%s/f/%s", tenantID, fileID)
}

// PartKey is where part n of an in-progress upload lives until assembly.
func PartKey(tenantID, uploadID string, n int) string {
	return fmt.Sprintf("t/%s/u/%s/%05d", tenantID, uploadID, n)
}
