package config

import "github.com/ficus-dev/ficus/rollout"

// Prometheus is the Prometheus server the rollouts' metric gates query.
type Prometheus struct {
	// URL is the server's base URL, e.g. http://prometheus:9090; required.
	URL string `yaml:"url"`
	// Timeout bounds each query. Default 5s.
	Timeout Duration `yaml:"timeout"`
}

// Notifications says who is told about rollouts' transitions.
type Notifications struct {
	// Webhooks each receive a JSON POST per event. Empty: no webhook.
	Webhooks []Webhook `yaml:"webhooks"`
}

// Webhook is an HTTP endpoint told about rollout events.
type Webhook struct {
	// URL receives the POSTs; http:// or https://, required.
	URL string `yaml:"url"`
	// SecretEnv or SecretFile, when one is set, holds a key with which every body is signed
	// (X-Ficus-Signature: sha256=HMAC). Neither: bodies are not signed.
	SecretEnv  string `yaml:"secret_env"`
	SecretFile string `yaml:"secret_file"`
	// Events lists the event kinds sent (started, promoted, rolled_back, ...). Empty: every kind.
	Events []string `yaml:"events"`
	// Timeout bounds each delivery attempt. Default 5s.
	Timeout Duration `yaml:"timeout"`
	// Retries is how many times a delivery that failed (network error or 5xx) is retried, with
	// backoff. Nil means the default, 3; 0 tries once.
	Retries *int `yaml:"retries"`

	// Secret is the resolved signing key, filled by Load; "" when unsigned. Not part of the YAML.
	Secret string `yaml:"-"`
}

// WebhookEvents lists the event kinds a webhook may ask for.
var WebhookEvents = []string{
	string(rollout.EventStarted), string(rollout.EventStep), string(rollout.EventPromoted),
	string(rollout.EventPaused), string(rollout.EventResumed), string(rollout.EventInconclusive),
	string(rollout.EventFailed), string(rollout.EventRolledBack), string(rollout.EventHeld),
	string(rollout.EventCompleted), string(rollout.EventAborted),
}
