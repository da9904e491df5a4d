package config

import (
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/rollout"
)

// Every default of the configuration file, in one place. docs/config.md lists them too.
const (
	DefaultListen          = "127.0.0.1:8080"
	DefaultAdminListen     = "127.0.0.1:9090"
	DefaultStore           = "ficus.db"
	DefaultBackendHeader   = "X-Ficus-Backend"
	DefaultOverrideHeader  = "X-Ficus-Override"
	DefaultOverrideCookie  = "ficus_override"
	DefaultLogLevel        = "info"
	DefaultLogFormat       = "text"
	DefaultShutdownTimeout = 30 * time.Second
	DefaultConnectTimeout  = 5 * time.Second
	DefaultResponseHeader  = 60 * time.Second
	DefaultIdleTimeout     = 90 * time.Second
	DefaultMaxIdleConns    = 512
	DefaultMaxFails        = 1
	DefaultCooldown        = 10 * time.Second
	DefaultStage           = ficus.StageLegacy
	DefaultShadowWorkers   = 8
	DefaultShadowQueue     = 1024
	DefaultShadowTimeout   = 5 * time.Second
	DefaultShadowMaxBody   = 1 << 20
	DefaultShadowHeader    = "X-Ficus-Shadow"
	DefaultShadowSamples   = 5
	DefaultNoiseRelative   = 0.2
	DefaultNoiseAbsolute   = 0.0003
	DefaultMirrorSample    = 1.0

	DefaultRolloutStrategy   = string(rollout.StrategyCanary)
	DefaultRolloutInterval   = rollout.DefaultInterval
	DefaultPrometheusTimeout = 5 * time.Second
	DefaultWebhookTimeout    = 5 * time.Second
	DefaultWebhookRetries    = 3

	DefaultMigrationSchema    = "public"
	DefaultMigrationWorkers   = 4
	DefaultMigrationChunkRows = 100_000
	DefaultMigrationOnError   = "stop"
	DefaultMigrationRejectDir = "rejects"
)

// defaulter is implemented by the types that have defaults. The decoder calls setDefaults on every
// value it creates (a list element, a pointer target) before decoding into it, so that keys absent
// from the file keep their default and keys present, even empty, keep what the file says.
type defaulter interface{ setDefaults() }

// setDefaults fills every zero field that has a default. Parse calls it on an empty Config before
// decoding; Validate calls it on a Config built in code.
func (c *Config) setDefaults() {
	setString(&c.Listen, DefaultListen)
	c.Admin.setDefaults()
	setString(&c.Store, DefaultStore)
	if c.BackendHeader == nil {
		h := DefaultBackendHeader
		c.BackendHeader = &h
	}
	if c.Override != nil {
		c.Override.setDefaults()
	}
	c.Log.setDefaults()
	setDuration(&c.ShutdownTimeout, DefaultShutdownTimeout)
	c.Shadow.setDefaults()
	c.Diff.Noise.setDefaults()
	c.Backends.Legacy.setDefaults()
	c.Backends.Modern.setDefaults()
	for i := range c.Routes {
		c.Routes[i].setDefaults()
	}
	if c.Prometheus != nil {
		c.Prometheus.setDefaults()
	}
	for i := range c.Notifications.Webhooks {
		c.Notifications.Webhooks[i].setDefaults()
	}
	if c.Migration != nil {
		c.Migration.setDefaults()
	}
}

func (a *Admin) setDefaults() { setString(&a.Listen, DefaultAdminListen) }

func (o *Override) setDefaults() {
	setString(&o.Header, DefaultOverrideHeader)
	setString(&o.Cookie, DefaultOverrideCookie)
}

func (l *Log) setDefaults() {
	setString(&l.Level, DefaultLogLevel)
	setString(&l.Format, DefaultLogFormat)
}

func (b *Backend) setDefaults() {
	setDuration(&b.Timeouts.Connect, DefaultConnectTimeout)
	setDuration(&b.Timeouts.ResponseHeader, DefaultResponseHeader)
	setDuration(&b.Timeouts.Idle, DefaultIdleTimeout)
	if b.MaxIdleConns == 0 {
		b.MaxIdleConns = DefaultMaxIdleConns
	}
	if b.Health.MaxFails == 0 {
		b.Health.MaxFails = DefaultMaxFails
	}
	setDuration(&b.Health.Cooldown, DefaultCooldown)
}

func (r *Route) setDefaults() {
	if r.Stage == "" {
		r.Stage = DefaultStage
	}
	r.Mirror.setDefaults()
	if r.Rollout != nil {
		r.Rollout.setDefaults()
	}
}

func (r *Rollout) setDefaults() {
	setString(&r.Strategy, DefaultRolloutStrategy)
	setDuration(&r.Interval, DefaultRolloutInterval)
}

func (p *Prometheus) setDefaults() { setDuration(&p.Timeout, DefaultPrometheusTimeout) }

func (w *Webhook) setDefaults() {
	setDuration(&w.Timeout, DefaultWebhookTimeout)
	if w.Retries == nil {
		n := DefaultWebhookRetries
		w.Retries = &n
	}
}

func (s *Shadow) setDefaults() {
	setInt(&s.Workers, DefaultShadowWorkers)
	setInt(&s.Queue, DefaultShadowQueue)
	setDuration(&s.Timeout, DefaultShadowTimeout)
	if s.MaxBody == 0 {
		s.MaxBody = DefaultShadowMaxBody
	}
	setString(&s.Header, DefaultShadowHeader)
	setInt(&s.Samples, DefaultShadowSamples)
}

func (n *Noise) setDefaults() {
	if n.Relative == 0 {
		n.Relative = DefaultNoiseRelative
	}
	if n.Absolute == 0 {
		n.Absolute = DefaultNoiseAbsolute
	}
}

func (m *Mirror) setDefaults() {
	if m.Sample == nil {
		v := DefaultMirrorSample
		m.Sample = &v
	}
}

func (m *Migration) setDefaults() {
	setString(&m.Schema, DefaultMigrationSchema)
	setInt(&m.Workers, DefaultMigrationWorkers)
	setInt(&m.ChunkRows, DefaultMigrationChunkRows)
	setString(&m.OnError, DefaultMigrationOnError)
	setString(&m.RejectDir, DefaultMigrationRejectDir)
}

func setInt(i *int, def int) {
	if *i == 0 {
		*i = def
	}
}

func setString(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

func setDuration(d *Duration, def time.Duration) {
	if *d == 0 {
		*d = Duration(def)
	}
}
