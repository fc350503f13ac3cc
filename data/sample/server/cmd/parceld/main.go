// Command parceld is the Parcel API server: it accepts uploads, stores them in
// the configured backend and queues media jobs for the workers.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"

	"parcel.example/server/internal/httpapi"
	"parcel.example/server/internal/storage"
)

var (
	configPath = flag.String("config", "/etc/parcel/parcel.yaml", "path to the server configuration")
	listenAddr = flag.String("listen", ":8080", "address to serve the API on")
	drainAfter = flag.Duration("drain", 25*time.Second, "how long to wait for in-flight requests on shutdown")
)

func main() {
	flag.Parse()
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)

	if err := run(logger); err != nil {
		logger.Error("parceld stopped", "error", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	cfg, err := LoadConfig(*configPath)
	if err != nil {
		return err
	}

	db, err := sql.Open("pgx", cfg.Database.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(cfg.Database.MaxConnections)
	db.SetConnMaxIdleTime(5 * time.Minute)

	backend, err := storage.New(cfg.Storage)
	if err != nil {
		return err
	}

	queue := redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr})
	defer queue.Close()

	api := httpapi.NewServer(httpapi.Deps{
		DB:      db,
		Storage: backend,
		Queue:   queue,
		Logger:  logger,
		Keys:    httpapi.NewKeyStore(db),
	})

	server := &http.Server{
		Addr:              *listenAddr,
		Handler:           api.Routes(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}

	return serveUntilSignal(server, logger)
}

// serveUntilSignal runs the server until SIGINT or SIGTERM, then shuts down
// gracefully: it stops accepting new connections and waits up to -drain for
// in-flight requests - typically parts of uploads in progress - to finish
// before returning. Requests still running after that are cut off, and their
// clients retry them against another instance.
func serveUntilSignal(server *http.Server, logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	errs := make(chan error, 1)
	go func() {
		logger.Info("listening", "addr", server.Addr)
		errs <- server.ListenAndServe()
	}()

	select {
	case err := <-errs:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		logger.Info("shutting down", "drain", drainAfter.String())
		shutdownCtx, cancel := context.WithTimeout(context.Background(), *drainAfter)
		defer cancel()
		return server.Shutdown(shutdownCtx)
	}
	return nil
}
