// Package notify tells people and systems about rollouts: every rollout event becomes a JSON POST to
// the configured webhooks, signed with HMAC-SHA256 when a webhook has a secret, and retried with
// backoff when the receiver fails. Delivery never blocks the rollout: events wait in a bounded queue
// for one worker, and an event that finds the queue full is dropped and counted.
//
// It owns neither the events (package rollout) nor the configuration (package config).
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/rollout"
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body, keyed with the webhook's
// secret, so that a receiver can tell ficus's POSTs from anyone else's.
const SignatureHeader = "X-Ficus-Signature"

// Defaults of a Notifier.
const (
	DefaultQueue      = 256
	DefaultTimeout    = 5 * time.Second
	DefaultBackoff    = time.Second
	DefaultMaxBackoff = 30 * time.Second
)

// Webhook is one receiver.
type Webhook struct {
	// URL receives the POSTs; required.
	URL string
	// Secret signs the bodies; "" sends them unsigned.
	Secret string
	// Events lists the event kinds sent; empty sends every kind.
	Events []rollout.EventKind
	// Timeout bounds one attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a failed delivery (network error, timeout or 5xx) is tried again; 0
	// tries once. A 4xx is not retried: the receiver refused the message and would refuse it again.
	Retries int
}

// Message is the JSON body of a POST.
type Message struct {
	Event    rollout.EventKind `json:"event"`
	Route    string            `json:"route"`
	Time     time.Time         `json:"time"`
	Step     int               `json:"step,omitempty"`
	StepName string            `json:"step_name,omitempty"`
	Actor    string            `json:"actor"`
	Reason   string            `json:"reason"`
	Evidence *rollout.Analysis `json:"evidence,omitempty"`
}

// Options tune a Notifier. The zero value is ready to use.
type Options struct {
	// Client sends the POSTs; nil means an http.Client without its own timeout (each attempt has the
	// webhook's).
	Client *http.Client
	// Queue is how many deliveries may wait for the worker; 0 means DefaultQueue.
	Queue int
	// Backoff is the wait before the first retry, doubled for each next one up to MaxBackoff; 0 means
	// DefaultBackoff and DefaultMaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Registerer registers ficus_notifications_total; nil counts without registering.
	Registerer prometheus.Registerer
	// Logger receives deliveries that failed for good; nil logs nothing.
	Logger *slog.Logger
}

// Notifier delivers rollout events to webhooks. It implements rollout.Events; Run does the sending.
type Notifier struct {
	hooks []Webhook
	o     Options
	queue chan delivery
	sent  *prometheus.CounterVec
	// counts mirrors sent by result (delivered, failed, dropped) for Counts.
	counts [3]atomic.Int64
}

var _ rollout.Events = (*Notifier)(nil)

type delivery struct {
	hook Webhook
	body []byte
}

// New returns a notifier for hooks. Nothing is sent until Run is called.
func New(hooks []Webhook, o Options) (*Notifier, error) {
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Backoff <= 0 {
		o.Backoff, o.MaxBackoff = DefaultBackoff, DefaultMaxBackoff
	}
	if o.MaxBackoff < o.Backoff {
		o.MaxBackoff = o.Backoff
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{hooks: hooks, o: o, queue: make(chan delivery, o.Queue),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficus_notifications_total",
			Help: "Rollout notifications by webhook outcome: delivered, failed (after every retry) or dropped (queue full).",
		}, []string{"result"})}
	if o.Registerer != nil {
		if err := o.Registerer.Register(n.sent); err != nil {
			return nil, fmt.Errorf("register notification metrics: %w", err)
		}
	}
	return n, nil
}

// Emit queues ev for every webhook that wants its kind. It never blocks: when the queue is full the
// delivery is dropped and counted, because a slow receiver must not hold up a rollback.
func (n *Notifier) Emit(ev rollout.Event) {
	if ev.Kind == rollout.EventAnalysed {
		return // a judgement that changed nothing is for the audit log, not for people's inboxes
	}
	var body []byte
	for _, h := range n.hooks {
		if len(h.Events) > 0 && !slices.Contains(h.Events, ev.Kind) {
			continue
		}
		if body == nil {
			var err error
			if body, err = json.Marshal(messageOf(ev)); err != nil {
				n.o.Logger.Error("notification not encodable", "route", ev.Route, "event", ev.Kind, "err", err)
				n.count(1)
				return
			}
		}
		select {
		case n.queue <- delivery{hook: h, body: body}:
		default:
			n.count(2)
		}
	}
}

func messageOf(ev rollout.Event) Message {
	return Message{Event: ev.Kind, Route: ev.Route, Time: ev.Time, Step: ev.Step, StepName: ev.StepName,
		Actor: ev.Actor, Reason: ev.Reason, Evidence: ev.Evidence}
}

// Counts returns how many deliveries were delivered, failed for good and dropped so far.
func (n *Notifier) Counts() (delivered, failed, dropped int64) {
	return n.counts[0].Load(), n.counts[1].Load(), n.counts[2].Load()
}

// results are the values of the metric's label, in the order of Notifier.counts.
var results = [...]string{"delivered", "failed", "dropped"}

func (n *Notifier) count(i int) {
	n.counts[i].Add(1)
	n.sent.WithLabelValues(results[i]).Inc()
}

// Run delivers queued events one at a time until ctx ends; deliveries still queued then are lost.
func (n *Notifier) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-n.queue:
			if err := n.deliver(ctx, d); err != nil {
				n.count(1)
				n.o.Logger.Warn("notification not delivered", "url", d.hook.URL, "err", err)
				continue
			}
			n.count(0)
		}
	}
}

// deliver tries a delivery and its retries, waiting between them with exponential backoff.
func (n *Notifier) deliver(ctx context.Context, d delivery) error {
	wait := n.o.Backoff
	for attempt := 0; ; attempt++ {
		retry, err := n.post(ctx, d)
		if err == nil {
			return nil
		}
		if !retry || attempt >= d.hook.Retries {
			return fmt.Errorf("after %d attempts: %w", attempt+1, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, n.o.MaxBackoff)
	}
}

// post makes one attempt; retry says whether a failure is worth another.
func (n *Notifier) post(ctx context.Context, d delivery) (retry bool, err error) {
	timeout := d.hook.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.hook.URL, bytes.NewReader(d.body))
	if err != nil {
		return false, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ficus")
	if d.hook.Secret != "" {
		req.Header.Set(SignatureHeader, Sign(d.hook.Secret, d.body))
	}
	resp, err := n.o.Client.Do(req)
	if err != nil {
		return true, fmt.Errorf("post webhook: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return true, fmt.Errorf("post webhook: %s", resp.Status)
	case resp.StatusCode >= 300:
		return false, fmt.Errorf("post webhook: %s", resp.Status)
	}
	return false, nil
}

// Sign returns the value of SignatureHeader for body: "sha256=" and the hex HMAC-SHA256 keyed with
// secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is body's signature with secret, in constant time; for receivers.
func Verify(secret string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

// Webhooks converts the config file's webhooks (secrets resolved by config.Load).
func Webhooks(c config.Notifications) []Webhook {
	out := make([]Webhook, 0, len(c.Webhooks))
	for _, w := range c.Webhooks {
		h := Webhook{URL: w.URL, Secret: w.Secret, Timeout: w.Timeout.D()}
		if w.Retries != nil {
			h.Retries = *w.Retries
		}
		for _, e := range w.Events {
			h.Events = append(h.Events, rollout.EventKind(e))
		}
		out = append(out, h)
	}
	return out
}
