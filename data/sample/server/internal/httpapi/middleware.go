package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	requestIDKey
)

var errUnknownKey = errors.New("unknown or revoked API key")

// Principal is who is calling: the tenant that owns the API key and the key's scopes.
type Principal struct {
	TenantID string
	KeyID    string
	Scopes   []string
}

// Can reports whether the key was granted the scope, e.g. "files:write".
func (p Principal) Can(scope string) bool {
	for _, s := range p.Scopes {
		if s == scope || s == "*" {
			return true
		}
	}
	return false
}

// KeyStore looks API keys up by the SHA-256 of their secret; plaintext keys are never stored.
type KeyStore struct{ db *sql.DB }

func NewKeyStore(db *sql.DB) *KeyStore { return &KeyStore{db: db} }

func (s *KeyStore) Lookup(ctx context.Context, secret string) (Principal, error) {
	sum := sha256.Sum256([]byte(secret))
	var p Principal
	var scopes string
	var expires sql.NullTime
	err := s.db.QueryRowContext(ctx,
		`SELECT id, tenant_id, scopes, expires_at FROM api_keys
		  WHERE secret_sha256 = $1 AND revoked_at IS NULL`,
		hex.EncodeToString(sum[:])).Scan(&p.KeyID, &p.TenantID, &scopes, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, errUnknownKey
	}
	if err != nil {
		return Principal{}, err
	}
	if expires.Valid && time.Now().After(expires.Time) {
		return Principal{}, errUnknownKey
	}
	p.Scopes = strings.Split(scopes, ",")
	return p, nil
}

// RequireAPIKey is the authentication middleware in front of every public
// route: it checks the API key sent with each request and turns away callers
// that are not authenticated.
//
// The Authorization header must be "Bearer pk_live_..." (or pk_test_ against
// the sandbox). Missing or malformed credentials get 401; a valid key without
// the scope the route needs gets 403. On success the Principal is stored in the
// request context for handlers to read with PrincipalFrom.
func RequireAPIKey(keys *KeyStore, scope string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			header := r.Header.Get("Authorization")
			token, ok := strings.CutPrefix(header, "Bearer ")
			if !ok || !(strings.HasPrefix(token, "pk_live_") || strings.HasPrefix(token, "pk_test_")) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="parcel"`)
				writeError(w, http.StatusUnauthorized, "missing_credentials", "send Authorization: Bearer <api key>")
				return
			}
			principal, err := keys.Lookup(r.Context(), token)
			if err != nil {
				writeError(w, http.StatusUnauthorized, "invalid_key", "the API key is unknown, expired or revoked")
				return
			}
			if scope != "" && !principal.Can(scope) {
				writeError(w, http.StatusForbidden, "insufficient_scope", "this key lacks the scope "+scope)
				return
			}
			ctx := context.WithValue(r.Context(), principalKey, principal)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// PrincipalFrom returns the authenticated caller; handlers behind RequireAPIKey always have one.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey).(Principal)
	return p
}

// RequireAdminToken protects the internal endpoints with a shared token, compared in constant time.
func RequireAdminToken(token string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			given := r.Header.Get("X-Parcel-Admin-Token")
			if token == "" || subtle.ConstantTimeCompare([]byte(given), []byte(token)) != 1 {
				writeError(w, http.StatusForbidden, "forbidden", "admin token required")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequestID tags each request with an id (taken from X-Request-ID when a proxy set one).
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if id == "" {
			id = uuid.NewString()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }
func (r *statusRecorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// AccessLog writes one structured log line per request.
func AccessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"bytes", rec.bytes, "duration_ms", time.Since(start).Milliseconds(),
				"request_id", r.Context().Value(requestIDKey), "tenant", PrincipalFrom(r.Context()).TenantID)
		})
	}
}

// Recover turns a panic in a handler into a 500 instead of killing the connection.
func Recover(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					logger.Error("panic", "value", v, "stack", string(debug.Stack()))
					writeError(w, http.StatusInternalServerError, "internal", "internal error")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}
