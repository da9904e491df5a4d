package gateway

import (
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

func TestOverride(t *testing.T) {
	on := &config.Override{Header: "X-Ficus-Override", Cookie: "ficus_override", Secret: "s3cret"}
	tests := []struct {
		name         string
		override     *config.Override
		stage        ficus.Stage
		header       string
		cookie       string
		wantSide     ficus.Side
		wantBy       Reason
		wantRejected bool
	}{
		{name: "the right secret forces modern on a legacy route", override: on, stage: ficus.StageLegacy, header: "modern:s3cret", wantSide: ficus.SideModern, wantBy: ByOverride},
		{name: "the right secret forces legacy on a modern route", override: on, stage: ficus.StageModern, header: "legacy:s3cret", wantSide: ficus.SideLegacy, wantBy: ByOverride},
		{name: "the right secret in the cookie forces a side", override: on, stage: ficus.StageLegacy, cookie: "a=b; ficus_override=modern:s3cret", wantSide: ficus.SideModern, wantBy: ByOverride},
		{name: "the header beats the cookie", override: on, stage: ficus.StageCanary, header: "legacy:s3cret", cookie: "ficus_override=modern:s3cret", wantSide: ficus.SideLegacy, wantBy: ByOverride},
		{name: "a wrong secret is ignored and flagged", override: on, stage: ficus.StageLegacy, header: "modern:guess", wantSide: ficus.SideLegacy, wantBy: ByStage, wantRejected: true},
		{name: "a secret with a matching prefix is ignored", override: on, stage: ficus.StageLegacy, header: "modern:s3cretX", wantSide: ficus.SideLegacy, wantBy: ByStage, wantRejected: true},
		{name: "an unknown side is ignored and flagged", override: on, stage: ficus.StageLegacy, header: "shadow:s3cret", wantSide: ficus.SideLegacy, wantBy: ByStage, wantRejected: true},
		{name: "a value without a colon is ignored and flagged", override: on, stage: ficus.StageModern, header: "modern", wantSide: ficus.SideModern, wantBy: ByStage, wantRejected: true},
		{name: "an empty secret is ignored and flagged", override: on, stage: ficus.StageLegacy, header: "modern:", wantSide: ficus.SideLegacy, wantBy: ByStage, wantRejected: true},
		{name: "a wrong header secret is not rescued by a right cookie", override: on, stage: ficus.StageLegacy, header: "modern:guess", cookie: "ficus_override=modern:s3cret", wantSide: ficus.SideLegacy, wantBy: ByStage, wantRejected: true},
		{name: "with overrides off the header is ignored and not flagged", stage: ficus.StageLegacy, header: "modern:s3cret", wantSide: ficus.SideLegacy, wantBy: ByStage},
		{name: "without an override the stage decides", override: on, stage: ficus.StageModern, wantSide: ficus.SideModern, wantBy: ByStage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config.Config{Override: tt.override, Routes: []config.Route{{Name: "r", Stage: tt.stage, Weight: 50}}}
			r := newRouteRequest("GET", "/")
			if tt.header != "" {
				r.Header.Set("X-Ficus-Override", tt.header)
			}
			if tt.cookie != "" {
				r.Header.Set("Cookie", tt.cookie)
			}
			d, ok := mustCompileTable(t, cfg, nil).Decide(r)
			if !ok {
				t.Fatal("no route matched")
			}
			if tt.stage == ficus.StageCanary && tt.wantBy != ByOverride {
				t.Fatal("bad test: a canary's side depends on the client")
			}
			if d.Side != tt.wantSide || d.By != tt.wantBy || d.OverrideRejected != tt.wantRejected {
				t.Errorf("decision = %s by %s (rejected %v), want %s by %s (rejected %v)",
					d.Side, d.By, d.OverrideRejected, tt.wantSide, tt.wantBy, tt.wantRejected)
			}
		})
	}
}

func TestOverrideWithAnEmptySecretDoesNotCompile(t *testing.T) {
	cfg := &config.Config{Override: &config.Override{Header: "X-Ficus-Override"}, Routes: []config.Route{{Name: "r"}}}
	if _, err := Compile(cfg, nil); err == nil {
		t.Fatal("Compile accepted an override without a secret")
	}
}

func TestOverrideHeaderAndCookieNames(t *testing.T) {
	off := mustCompileTable(t, &config.Config{}, nil)
	if h, c := off.OverrideHeader(), off.OverrideCookie(); h != "" || c != "" {
		t.Errorf("with overrides off the names are %q and %q, want both empty", h, c)
	}
	on := mustCompileTable(t, &config.Config{Override: &config.Override{Header: "x-ficus-override", Cookie: "fo", Secret: "s"}}, nil)
	if h, c := on.OverrideHeader(), on.OverrideCookie(); h != "X-Ficus-Override" || c != "fo" {
		t.Errorf("the names are %q and %q, want the canonical X-Ficus-Override and fo", h, c)
	}
}
