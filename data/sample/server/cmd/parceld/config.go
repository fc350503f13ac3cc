package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"parcel.example/server/internal/storage"
)

// Config mirrors parcel.yaml. Every field can also be set from the
// environment (PARCEL_ prefix), which wins over the file.
type Config struct {
	Database struct {
		URL            string `yaml:"url"`
		MaxConnections int    `yaml:"max_connections"`
	} `yaml:"database"`
	Redis struct {
		Addr string `yaml:"addr"`
	} `yaml:"redis"`
	Storage storage.Config `yaml:"storage"`
	Uploads struct {
		SessionTTL  time.Duration `yaml:"session_ttl"`
		MaxFileSize int64         `yaml:"max_file_size"`
	} `yaml:"uploads"`
	AdminToken string `yaml:"admin_token"`
}

// LoadConfig reads the YAML file, applies environment overrides and defaults, and validates.
func LoadConfig(path string) (*Config, error) {
	cfg := &Config{}
	raw, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if err == nil {
		if err := yaml.Unmarshal([]byte(os.ExpandEnv(string(raw))), cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	override(&cfg.Database.URL, "PARCEL_DATABASE_URL")
	override(&cfg.Redis.Addr, "PARCEL_REDIS_ADDR")
	override(&cfg.Storage.Backend, "PARCEL_STORAGE_BACKEND")
	override(&cfg.Storage.Disk.Root, "PARCEL_DISK_ROOT")
	override(&cfg.Storage.S3.Bucket, "PARCEL_S3_BUCKET")
	override(&cfg.Storage.S3.Endpoint, "PARCEL_S3_ENDPOINT")
	override(&cfg.AdminToken, "PARCEL_ADMIN_TOKEN")
	if v := os.Getenv("PARCEL_DB_MAX_CONNECTIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("PARCEL_DB_MAX_CONNECTIONS: %w", err)
		}
		cfg.Database.MaxConnections = n
	}

	if cfg.Database.MaxConnections == 0 {
		cfg.Database.MaxConnections = 20
	}
	if cfg.Redis.Addr == "" {
		cfg.Redis.Addr = "localhost:6379"
	}
	if cfg.Uploads.SessionTTL == 0 {
		cfg.Uploads.SessionTTL = 24 * time.Hour
	}
	if cfg.Database.URL == "" {
		return nil, fmt.Errorf("database.url (or PARCEL_DATABASE_URL) is required")
	}
	return cfg, nil
}

func override(field *string, variable string) {
	if v, ok := os.LookupEnv(variable); ok {
		*field = v
	}
}
