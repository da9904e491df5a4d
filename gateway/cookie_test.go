package gateway

import (
	"net/http"
	"slices"
	"testing"
)

func TestStripCookieRemovesOnlyTheOverrideCookie(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"no cookie header", nil, nil},
		{"other cookies stay untouched", []string{"sid=1; theme=dark"}, []string{"sid=1; theme=dark"}},
		{"the override among others", []string{"sid=1; ficus_override=modern:s3cret; theme=dark"}, []string{"sid=1; theme=dark"}},
		{"the override alone drops the header", []string{"ficus_override=modern:s3cret"}, nil},
		{"a cookie whose name only contains it stays", []string{"my_ficus_override_pref=1"}, []string{"my_ficus_override_pref=1"}},
		{"several cookie headers", []string{"a=1", "ficus_override=legacy:x", "b=2; ficus_override=modern:y"}, []string{"a=1", "b=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.in != nil {
				h["Cookie"] = slices.Clone(tt.in)
			}
			stripCookie(h, "ficus_override")
			if got := h["Cookie"]; !slices.Equal(got, tt.want) {
				t.Errorf("Cookie = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStripCookieDoesNotAllocateWithoutTheCookie(t *testing.T) {
	h := http.Header{"Cookie": {"sid=1; theme=dark"}}
	if n := testing.AllocsPerRun(100, func() { stripCookie(h, "ficus_override") }); n != 0 {
		t.Fatalf("%v allocations per request without the cookie", n)
	}
}
