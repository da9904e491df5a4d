package pathtmpl

import "testing"

func TestInfer(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"the root stays the root", "/", "/"},
		{"a path of words is kept", "/api/users/me", "/api/users/me"},
		{"a numeric segment is an id", "/api/users/42", "/api/users/{id}"},
		{"every id segment is replaced", "/users/42/orders/7", "/users/{id}/orders/{id}"},
		{"a trailing slash is kept", "/users/42/", "/users/{id}/"},
		{"empty segments are kept", "/users//42", "/users//{id}"},
		{"a lower-case uuid is an id", "/o/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "/o/{id}"},
		{"an upper-case uuid is an id", "/o/3F2504E0-4F89-11D3-9A0C-0305E82C3301/items", "/o/{id}/items"},
		{"a uuid with a wrong group length is not", "/o/3f2504e0-4f89-11d3-9a0c-0305e82c330", "/o/3f2504e0-4f89-11d3-9a0c-0305e82c330"},
		{"16 hex digits are an id", "/blobs/deadbeefcafebabe", "/blobs/{id}"},
		{"15 hex digits are not", "/blobs/deadbeefcafebab", "/blobs/deadbeefcafebab"},
		{"a sha1 is an id", "/commits/da39a3ee5e6b4b0d3255bfef95601890afd80709", "/commits/{id}"},
		{"a long alphanumeric with digits is an id", "/carts/user1234567890abcdefgh", "/carts/{id}"},
		{"a long word without digits is not", "/docs/internationalization", "/docs/internationalization"},
		{"a short alphanumeric is not", "/api/v2/items", "/api/v2/items"},
		{"a base64url token is an id", "/share/dGhpc0lzQVRva2VuXzEy-x", "/share/{id}"},
		{"a padded base64url token is an id", "/share/dGhpc0lzQVRva2VuMTI0NQ==", "/share/{id}"},
		{"a slug with digits is not a token", "/blog/how-to-install-go-1-26-today", "/blog/how-to-install-go-1-26-today"},
		{"a date is not an id", "/reports/2026-11-23", "/reports/2026-11-23"},
		{"a file name is not an id", "/static/app.js", "/static/app.js"},
		{"a percent-encoded segment is not an id", "/q/%20123", "/q/%20123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Infer(tt.path); got != tt.want {
				t.Errorf("Infer(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestInferDoesNotAllocateForAPathWithoutIDs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = Infer("/api/users/me/orders") }); n != 0 {
		t.Errorf("Infer allocated %v times", n)
	}
}

func FuzzInfer(f *testing.F) {
	for _, s := range []string{"/", "/users/42", "//", "/a/3f2504e0-4f89-11d3-9a0c-0305e82c3301/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		got := Infer(path)
		if Infer(got) != got {
			t.Errorf("Infer is not idempotent: %q -> %q -> %q", path, got, Infer(got))
		}
	})
}
