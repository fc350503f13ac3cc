// Package httpapi implements Parcel's public HTTP API (version 1).
package httpapi

import (
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/redis/go-redis/v9"

	"parcel.example/server/internal/storage"
)

const (
	defaultPartSize = 8 << 20   // 8 MiB
	maxPartSize     = 512 << 20 // parts above this are rejected with 413
	maxParts        = 10000
)

type Deps struct {
	DB      *sql.DB
	Storage storage.Backend
	Queue   *redis.Client
	Logger  *slog.Logger
	Keys    *KeyStore
}

type Server struct{ Deps }

func NewServer(d Deps) *Server { return &Server{d} }

// Routes wires the v1 API: uploads are created, filled part by part, then completed.
func (s *Server) Routes() http.Handler {
	r := chi.NewRouter()
	r.Use(RequestID, Recover(s.Logger), AccessLog(s.Logger))
	r.Get("/healthz", s.health)

	r.Route("/v1", func(r chi.Router) {
		r.With(RequireAPIKey(s.Keys, "files:write")).Post("/uploads", s.createUpload)
		r.With(RequireAPIKey(s.Keys, "files:write")).Get("/uploads/{id}/parts", s.listParts)
		r.With(RequireAPIKey(s.Keys, "files:write")).Put("/uploads/{id}/parts/{n}", s.putPart)
		r.With(RequireAPIKey(s.Keys, "files:write")).Post("/uploads/{id}/complete", s.completeUpload)
		r.With(RequireAPIKey(s.Keys, "files:read")).Get("/files/{id}", s.getFile)
		r.With(RequireAPIKey(s.Keys, "files:write")).Delete("/files/{id}", s.deleteFile)
	})
	return r
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]apiError{"error": {Code: code, Message: message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if err := s.DB.PingContext(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "db_down", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type createUploadRequest struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
}

// createUpload opens an upload session and tells the client what part size to use.
func (s *Server) createUpload(w http.ResponseWriter, r *http.Request) {
	var req createUploadRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil || req.Name == "" || req.Size <= 0 {
		writeError(w, http.StatusBadRequest, "bad_request", "name and a positive size are required")
		return
	}
	partSize := int64(defaultPartSize)
	for req.Size/partSize >= maxParts { // very large files get bigger parts
		partSize *= 2
	}
	p := PrincipalFrom(r.Context())
	var id string
	err := s.DB.QueryRowContext(r.Context(),
		`INSERT INTO uploads (tenant_id, name, size, content_type, part_size, expires_at)
		 VALUES ($1, $2, $3, $4, $5, now() + interval '24 hours') RETURNING id`,
		p.TenantID, req.Name, req.Size, req.ContentType, partSize).Scan(&id)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not create upload")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "part_size": partSize,
		"expires_at": time.Now().Add(24 * time.Hour).UTC()})
}

// putPart stores one part. The body's SHA-256 is computed while streaming and
// echoed back so the client can detect corruption; a mismatch with the
// X-Parcel-Checksum header is rejected with 422 and nothing is stored.
func (s *Server) putPart(w http.ResponseWriter, r *http.Request) {
	uploadID := chi.URLParam(r, "id")
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 1 || n > maxParts {
		writeError(w, http.StatusBadRequest, "bad_part_number", "part numbers run from 1 to 10000")
		return
	}
	if r.ContentLength > maxPartSize {
		writeError(w, http.StatusRequestEntityTooLarge, "part_too_large", "parts are at most 512 MiB")
		return
	}
	hash := sha256.New()
	body := io.TeeReader(http.MaxBytesReader(w, r.Body, maxPartSize), hash)
	key := storage.PartKey(PrincipalFrom(r.Context()).TenantID, uploadID, n)
	if err := s.Storage.PutPart(r.Context(), key, body, r.ContentLength); err != nil {
		writeError(w, http.StatusServiceUnavailable, "storage_unavailable", "try again")
		return
	}
	got := "sha256=" + base64.StdEncoding.EncodeToString(hash.Sum(nil))
	if want := r.Header.Get("X-Parcel-Checksum"); want != "" && want != got {
		_ = s.Storage.Delete(r.Context(), key)
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"checksum": got})
		return
	}
	_, err = s.DB.ExecContext(r.Context(),
		`INSERT INTO upload_parts (upload_id, number, checksum) VALUES ($1, $2, $3)
		 ON CONFLICT (upload_id, number) DO UPDATE SET checksum = EXCLUDED.checksum`, uploadID, n, got)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not record part")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"number": n, "checksum": got})
}

func (s *Server) listParts(w http.ResponseWriter, r *http.Request) {
	rows, err := s.DB.QueryContext(r.Context(),
		`SELECT number, checksum FROM upload_parts WHERE upload_id = $1 ORDER BY number`, chi.URLParam(r, "id"))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not list parts")
		return
	}
	defer rows.Close()
	parts := []map[string]any{}
	for rows.Next() {
		var n int
		var sum string
		_ = rows.Scan(&n, &sum)
		parts = append(parts, map[string]any{"number": n, "checksum": sum})
	}
	writeJSON(w, http.StatusOK, map[string]any{"parts": parts})
}

// completeUpload assembles the parts into one object and queues thumbnail and scan jobs.
func (s *Server) completeUpload(w http.ResponseWriter, r *http.Request) {
	uploadID := chi.URLParam(r, "id")
	tenant := PrincipalFrom(r.Context()).TenantID
	object, err := s.Storage.Assemble(r.Context(), tenant, uploadID)
	if errors.Is(err, storage.ErrMissingParts) {
		writeError(w, http.StatusConflict, "missing_parts", err.Error())
		return
	} else if err != nil {
		writeError(w, http.StatusServiceUnavailable, "storage_unavailable", "try again")
		return
	}
	for _, kind := range []string{"thumbnail", "scan"} {
		body, _ := json.Marshal(map[string]any{"tenant_id": tenant, "object_key": object.Key,
			"kind": kind, "size": object.Size})
		s.Queue.XAdd(r.Context(), &redis.XAddArgs{Stream: "parcel:jobs", Values: map[string]any{"body": body}})
	}
	writeJSON(w, http.StatusOK, object)
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request) {
	info, err := s.Storage.Stat(r.Context(), storage.ObjectKey(PrincipalFrom(r.Context()).TenantID, chi.URLParam(r, "id")))
	if errors.Is(err, storage.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no such file")
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) deleteFile(w http.ResponseWriter, r *http.Request) {
	key := storage.ObjectKey(PrincipalFrom(r.Context()).TenantID, chi.URLParam(r, "id"))
	if err := s.Storage.Delete(r.Context(), key); err != nil && !errors.Is(err, storage.ErrNotFound) {
		writeError(w, http.StatusServiceUnavailable, "storage_unavailable", "try again")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
