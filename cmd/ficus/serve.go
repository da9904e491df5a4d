package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/diff"
	"github.com/ficus-dev/ficus/gateway"
	migload "github.com/ficus-dev/ficus/migrate/load"
	"github.com/ficus-dev/ficus/notify"
	"github.com/ficus-dev/ficus/prom"
	"github.com/ficus-dev/ficus/store/sqlite"
	"github.com/ficus-dev/ficus/telemetry"
)

func init() { commands = append(commands, newServeCmd) }

func newServeCmd(g *globals) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway (proxy listener) and the admin listener",
		Long: `serve runs the gateway in front of the legacy and modern backends of the config file, and the
admin listener with the REST API (/api/v1), /metrics, /healthz and /readyz.

Route stages changed at run time (ficus route set, the API) are kept in the store and survive a
restart. SIGHUP reloads the config file; when the new file is invalid the old config stays in force
and the problems are logged. SIGINT or SIGTERM stop gracefully: in-flight requests are drained for
up to shutdown_timeout.`,
		Example: `  ficus serve --config ficus.yaml
  kill -HUP $(pidof ficus)   # reload the config file`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), path, g.stderr, nil)
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "ficus.yaml", "config file")
	return cmd
}

// serveReady, when not nil, receives the bound proxy and admin addresses once both listen; tests use it
// to run serve on port 0.
type serveReady func(proxy, admin net.Addr)

func serve(ctx context.Context, path string, stderr io.Writer, ready serveReady) error {
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	log, err := telemetry.NewLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, cfg.Store)
	if err != nil {
		return err
	}
	defer st.Close()

	states, err := control.LoadStates(ctx, st)
	if err != nil {
		return err
	}
	reg, metrics := telemetry.NewRegistry()
	if m := cfg.Migration; m != nil && m.TargetURL != "" {
		// The progress of a load that `ficus migrate run` does, read from the target's state.
		reg.MustRegister(&migload.Collector{Target: m.TargetURL})
	}
	accessLog, closeAccess, err := openAccessLog(cfg.Log)
	if err != nil {
		return err
	}
	defer closeAccess()
	// The parallel run's results: loaded from the store before the gateway records anything, flushed
	// back while serving and once more after the gateway's shadow workers have stopped.
	collector := newCollector(cfg)
	var svc *control.Service // set below; the API asks only once serving
	diffs, err := control.NewDiffs(ctx, st, collector, control.DiffsOptions{Logger: log,
		RouteExists: func(name string) bool { _, err := svc.Route(ctx, name); return err == nil }})
	if err != nil {
		return err
	}
	flushCtx, stopFlush := context.WithCancel(context.WithoutCancel(ctx))
	flushed := make(chan error, 1)
	go func() { flushed <- diffs.Run(flushCtx) }()
	defer func() {
		stopFlush()
		if err := <-flushed; err != nil {
			log.Error("saving diff results", "error", err.Error())
		}
	}()

	gw, err := gateway.New(cfg, states, gateway.Options{Registerer: reg, Logger: log, AccessLog: accessLog, Recorder: collector})
	if err != nil {
		return fmt.Errorf("start gateway: %w", err)
	}
	defer gw.Close()
	svc, err = control.New(ctx, cfg, st, gw, control.Options{})
	if err != nil {
		return err
	}

	// Rollouts judge each route from the gateway's own windows (and Prometheus when configured), act
	// through the control service, and tell webhooks. Stopped before the gateway, so that no decision
	// is taken on a gateway that no longer serves.
	notifier, err := notify.New(notify.Webhooks(cfg.Notifications), notify.Options{Registerer: reg, Logger: log})
	if err != nil {
		return err
	}
	rollouts, err := control.NewRollouts(ctx, svc, st, control.RolloutsOptions{
		Observer:      gw.RolloutObserver(collector),
		Metrics:       prom.FromConfig(cfg.Prometheus),
		LegacyHealthy: gw.LegacyHealthy,
		Notify:        notifier,
		Logger:        log,
	})
	if err != nil {
		return err
	}
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var background sync.WaitGroup
	background.Go(func() { notifier.Run(bgCtx) })
	background.Go(func() {
		if err := rollouts.Run(bgCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("rollouts stopped", "error", err.Error())
		}
	})
	defer func() { stopBackground(); background.Wait() }()

	var adminHandler atomic.Pointer[http.Handler]
	setAdmin := func(cfg *config.Config) {
		h := admin.New(admin.Options{Routes: svc, Audit: st, Diffs: diffs, Rollouts: rollouts, Tokens: cfg.Admin.Tokens, Metrics: metrics, Logger: log,
			Ready: func() error { return st.Ping(context.Background()) }, Verify: verifyService(cfg)})
		adminHandler.Store(&h)
	}
	setAdmin(cfg)

	proxySrv, err := gateway.NewProxyServer(cfg, gw)
	if err != nil {
		return err
	}
	proxyLn, err := listen(cfg.Listen, "proxy")
	if err != nil {
		return err
	}
	adminLn, err := listen(cfg.Admin.Listen, "admin")
	if err != nil {
		proxyLn.Close()
		return err
	}
	adminSrv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*adminHandler.Load()).ServeHTTP(w, r) }),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	// SIGHUP is caught before anyone is told ficus is up, so that a reload asked for at once does not
	// find the default action (exit) still in place.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	errc := make(chan error, 2)
	go func() { errc <- serveOn(proxySrv, proxyLn) }()
	go func() { errc <- serveOn(adminSrv, adminLn) }()
	log.Info("ficus serving", "proxy", proxyLn.Addr().String(), "admin", adminLn.Addr().String(),
		"config", cfg.File, "store", cfg.Store, "routes", len(cfg.Routes))
	if ready != nil {
		ready(proxyLn.Addr(), adminLn.Addr())
	}

	current := cfg
	for {
		select {
		case <-hup:
			next, err := reload(current, svc, gw, log)
			if err == nil {
				current = next
				setAdmin(next)
			}
		case err := <-errc:
			shutdown(current, proxySrv, adminSrv, log)
			return err
		case <-ctx.Done():
			log.Info("shutting down", "drain_timeout", current.ShutdownTimeout.D().String())
			return shutdown(current, proxySrv, adminSrv, log)
		}
	}
}

// reload reads the config file again and installs it when it is valid. Listener addresses and the store
// cannot change without a restart; such changes are logged and ignored.
func reload(old *config.Config, svc *control.Service, gw *gateway.Gateway, log *slog.Logger) (*config.Config, error) {
	next, err := config.Load(old.File)
	if err != nil {
		log.Error("reload failed; keeping the running config", "config", old.File, "error", err.Error())
		return nil, err
	}
	if next.Listen != old.Listen || next.Admin.Listen != old.Admin.Listen || next.Store != old.Store || !sameTLS(next.TLS, old.TLS) {
		log.Warn("listen addresses, TLS and store change only on restart; keeping the running ones")
		next.Listen, next.Admin.Listen, next.Store, next.TLS = old.Listen, old.Admin.Listen, old.Store, old.TLS
	}
	err = svc.Reload(next, func(states []ficus.RouteState) error { return gw.Reload(next, states) })
	if err != nil {
		log.Error("reload failed; keeping the running config", "config", old.File, "error", err.Error())
		return nil, err
	}
	log.Info("config reloaded", "config", next.File, "routes", len(next.Routes))
	return next, nil
}

func sameTLS(a, b *config.ServerTLS) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func listen(addr, what string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener: %w", what, err)
	}
	return ln, nil
}

// server is what serve needs of the proxy listener's *gateway.Server and the admin's *http.Server.
type server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// serveOn serves ln until the server shuts down; the proxy's server decides on TLS itself.
func serveOn(srv server, ln net.Listener) error {
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func shutdown(cfg *config.Config, proxy, admin server, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout.D())
	defer cancel()
	// The proxy drains first so that the admin API (and /readyz) stay up while it does.
	perr := proxy.Shutdown(ctx)
	aerr := admin.Shutdown(ctx)
	if err := errors.Join(perr, aerr); err != nil {
		log.Warn("shutdown did not drain everything in time", "error", err.Error())
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func openAccessLog(c config.Log) (io.Writer, func(), error) {
	if !c.Access {
		return nil, func() {}, nil
	}
	if c.AccessFile == "" || c.AccessFile == "-" {
		return os.Stdout, func() {}, nil
	}
	f, err := os.OpenFile(c.AccessFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open access log: %w", err)
	}
	return f, func() { f.Close() }, nil
}

// newCollector gathers the parallel run's comparisons with the config's sample count and noise
// thresholds. Samples reach it already redacted by each route's comparer; the collector redacts them
// once more with the built-in detectors, unless the config turned redaction off.
func newCollector(cfg *config.Config) *diff.Collector {
	o := diff.CollectorOptions{
		Samples:      cfg.Shadow.Samples,
		RelThreshold: cfg.Diff.Noise.Relative,
		AbsThreshold: cfg.Diff.Noise.Absolute,
	}
	if cfg.Diff.Redact.Disabled {
		o.Redactor = func(string) *diff.Redactor { return nil }
	}
	return diff.NewCollector(o)
}
