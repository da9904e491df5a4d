package notify_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/notify"
	"github.com/ficus-dev/ficus/rollout"
)

// receiver is a real HTTP server that answers with the statuses given, in order (the last one
// repeating), and records every request it got.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	body      []byte
	signature string
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{body, req.Header.Get(notify.SignatureHeader)})
		status := r.statuses[min(len(r.got), len(r.statuses))-1]
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func start(t *testing.T, hooks []notify.Webhook, o notify.Options) *notify.Notifier {
	t.Helper()
	if o.Backoff == 0 {
		o.Backoff = time.Millisecond
	}
	n, err := notify.New(hooks, o)
	if err != nil {
		t.Fatal(err)
	}
	go n.Run(t.Context())
	return n
}

// waitCounts polls the notifier's counts until they are want or the deadline passes.
func waitCounts(t *testing.T, n *notify.Notifier, want [3]int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, f, x := n.Counts()
		if [3]int64{d, f, x} == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("counts (delivered, failed, dropped) = %d, %d, %d; want %v", d, f, x, want)
		}
		time.Sleep(time.Millisecond)
	}
}

var event = rollout.Event{Time: time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC), Route: "users",
	Kind: rollout.EventRolledBack, Step: 2, StepName: "weight 20%", Actor: rollout.ActorRollout,
	Reason: "modern error rate 5.00%", Evidence: &rollout.Analysis{Verdict: rollout.Fail, Reason: "error_rate failed"}}

func TestASignedMessageVerifiesWithTheSecret(t *testing.T) {
	r := newReceiver(t, 200)
	n := start(t, []notify.Webhook{{URL: r.srv.URL, Secret: "k3y"}}, notify.Options{})
	n.Emit(event)
	waitCounts(t, n, [3]int64{1, 0, 0})
	got := r.requests()[0]
	if !notify.Verify("k3y", got.body, got.signature) {
		t.Errorf("signature %q does not verify", got.signature)
	}
	if notify.Verify("other", got.body, got.signature) {
		t.Error("signature verifies with the wrong secret")
	}
	var m notify.Message
	if err := json.Unmarshal(got.body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Event != rollout.EventRolledBack || m.Route != "users" || m.Step != 2 || m.Reason != event.Reason ||
		m.Evidence == nil || m.Evidence.Verdict != rollout.Fail || !m.Time.Equal(event.Time) {
		t.Errorf("message = %+v", m)
	}
}

func TestAnUnsignedWebhookGetsNoSignature(t *testing.T) {
	r := newReceiver(t, 200)
	n := start(t, []notify.Webhook{{URL: r.srv.URL}}, notify.Options{})
	n.Emit(event)
	waitCounts(t, n, [3]int64{1, 0, 0})
	if sig := r.requests()[0].signature; sig != "" {
		t.Errorf("signature %q on an unsigned webhook", sig)
	}
}

func TestDeliveries(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		retries  int
		attempts int
		counts   [3]int64
	}{
		{"server errors are retried until one succeeds", []int{503, 502, 200}, 3, 3, [3]int64{1, 0, 0}},
		{"a delivery gives up after its retries", []int{500}, 2, 3, [3]int64{0, 1, 0}},
		{"no retries means one attempt", []int{500}, 0, 1, [3]int64{0, 1, 0}},
		{"a client error is not retried", []int{400}, 3, 1, [3]int64{0, 1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver(t, tc.statuses...)
			n := start(t, []notify.Webhook{{URL: r.srv.URL, Retries: tc.retries}}, notify.Options{})
			n.Emit(event)
			waitCounts(t, n, tc.counts)
			if got := len(r.requests()); got != tc.attempts {
				t.Errorf("%d attempts, want %d", got, tc.attempts)
			}
		})
	}
}

func TestAnUnreachableWebhookIsRetriedThenGivenUp(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	n := start(t, []notify.Webhook{{URL: url, Retries: 2, Timeout: time.Second}}, notify.Options{})
	n.Emit(event)
	waitCounts(t, n, [3]int64{0, 1, 0})
}

func TestAWebhookGetsOnlyTheEventsItAskedFor(t *testing.T) {
	r := newReceiver(t, 200)
	hook := notify.Webhook{URL: r.srv.URL, Events: []rollout.EventKind{rollout.EventCompleted}}
	n := start(t, []notify.Webhook{hook}, notify.Options{})
	n.Emit(event)
	done := event
	done.Kind = rollout.EventCompleted
	n.Emit(done)
	waitCounts(t, n, [3]int64{1, 0, 0})
	var m notify.Message
	if err := json.Unmarshal(r.requests()[0].body, &m); err != nil || m.Event != rollout.EventCompleted {
		t.Errorf("got %+v, %v; want only the completed event", m, err)
	}
}

// Emit is called with the rollout controller's lock held: a full queue must drop, never block.
func TestEmitDropsAndCountsWhenTheQueueIsFull(t *testing.T) {
	n, err := notify.New([]notify.Webhook{{URL: "http://127.0.0.1:1"}}, notify.Options{Queue: 1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for range 3 {
			n.Emit(event)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Emit blocked on a full queue")
	}
	if _, _, dropped := n.Counts(); dropped != 2 {
		t.Errorf("dropped = %d, want 2", dropped)
	}
}

func TestWebhooksFromConfig(t *testing.T) {
	retries := 0
	hooks := notify.Webhooks(config.Notifications{Webhooks: []config.Webhook{
		{URL: "http://a/hook", Secret: "s", Events: []string{"started", "completed"}, Timeout: config.Duration(time.Second), Retries: &retries},
	}})
	h := hooks[0]
	if len(hooks) != 1 || h.URL != "http://a/hook" || h.Secret != "s" || h.Timeout != time.Second || h.Retries != 0 ||
		len(h.Events) != 2 || h.Events[1] != rollout.EventCompleted {
		t.Errorf("webhooks = %+v", hooks)
	}
}

func TestAJudgementThatChangedNothingIsNotSent(t *testing.T) {
	r := newReceiver(t, http.StatusOK)
	n := start(t, []notify.Webhook{{URL: r.srv.URL}}, notify.Options{})
	quiet := event
	quiet.Kind = rollout.EventAnalysed
	n.Emit(quiet)
	n.Emit(event)
	waitCounts(t, n, [3]int64{1, 0, 0})
	var m notify.Message
	if err := json.Unmarshal(r.requests()[0].body, &m); err != nil || m.Event != event.Kind {
		t.Errorf("got %+v, %v; want only the %s event", m, err, event.Kind)
	}
}
