package diff

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestRedactorText(t *testing.T) {
	r, err := NewRedactor(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, in, want string }{
		{"an e-mail address", "write to ada.lovelace+x@mail.example.co.uk today", "write to [redacted:email] today"},
		{"a Luhn-valid card number", "4111111111111111", "[redacted:card]"},
		{"a card number with spaces", "card 4111 1111 1111 1111.", "card [redacted:card]."},
		{"a card number with dashes", "5500-0000-0000-0004", "[redacted:card]"},
		{"a 13-digit card number", "4222222222222", "[redacted:card]"},
		{"a 16-digit number failing Luhn is kept", "order 1234567812345678", "order 1234567812345678"},
		{"a 20-digit number is kept", "12345678901234567890", "12345678901234567890"},
		{"a timestamp is kept", "1700000000000", "1700000000000"},
		{"a bearer token", "Authorization: Bearer eyJhbGciOi.abc-def_1", "Authorization: Bearer [redacted:token]"},
		{"a lower-case bearer token", "bearer abcdef123456", "Bearer [redacted:token]"},
		{"a JSON web token", `"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature"`, `"[redacted:token]"`},
		{"a Stripe key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "[redacted:key]"},
		{"an AWS access key id", "AKIAIOSFODNN7EXAMPLE", "[redacted:key]"},
		{"a GitHub token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "[redacted:key]"},
		{"a secret after a secret-like name", `{"client_secret":"9f86d081884c7d659a2feaa0c55ad015"}`, `{"client_secret":"[redacted:secret]"}`},
		{"a secret in a query string", "/cb?access_token=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5", "/cb?access_token=[redacted:secret]"},
		{"a low-entropy value after a secret-like name is kept", `{"token_type":"aaaaaaaaaaaaaaaaaaaa"}`, `{"token_type":"aaaaaaaaaaaaaaaaaaaa"}`},
		{"plain text is kept", "hello world, 42 items", "hello world, 42 items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactorHeadersAndPaths(t *testing.T) {
	r, err := NewRedactor([]string{"$..ssn"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"Authorization", "cookie", "Set-Cookie", "proxy-authorization"} {
		if got := r.Header(h, "anything at all"); got != "[redacted]" {
			t.Errorf("Header(%s) = %q", h, got)
		}
	}
	if got := r.Header("Location", "/u?email=a@b.io"); got != "/u?email=[redacted:email]" {
		t.Errorf("Location = %q", got)
	}
	if got := r.Value("$.people[2].ssn", `"078-05-1120"`); got != `"[redacted]"` {
		t.Errorf("Value under a redacted path = %q", got)
	}
	if got := r.Value("$.people[2].api_key", `"q8Zr2LmX9vB4nT7wK1pY"`); got != `"[redacted:secret]"` {
		t.Errorf("Value under a secret-like name = %q", got)
	}
	d := r.Difference(Difference{Path: "header:Cookie", Kind: KindHeader, Left: "sid=1", Right: "sid=2"})
	if d.Left != "[redacted]" || d.Right != "[redacted]" {
		t.Errorf("Difference on Cookie = %+v", d)
	}
}

// secrets are planted in responses; none may appear in a Result.
var secrets = []string{
	"ada@example.com", "bob.smith@corp.example.org", "4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004",
	"378282246310005", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
	"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "AKIAIOSFODNN7EXAMPLE", "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
	"mF_9.B5f-4.1JqM", "9f86d081884c7d659a2feaa0c55ad015",
}

var (
	anyEmail  = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+\.[A-Za-z]{2,}`)
	digitRuns = regexp.MustCompile(`\d(?:[ \-]?\d){12,18}`)
)

// TestNoSecretSurvivesInAnyOutput plants e-mail addresses, card numbers and tokens everywhere a
// Difference can show a value — changed values, missing and extra subtrees, unordered elements,
// escaped strings, values cut by the length bound, headers, text bodies — and checks the whole Result.
func TestNoSecretSurvivesInAnyOutput(t *testing.T) {
	pad := strings.Repeat("x", 190) // puts the secret across the 200-byte value bound
	left := fmt.Sprintf(`{"email":"ada@example.com","escaped":"ada\u0040example.com","card":"4111111111111111",
		"cards":["4111 1111 1111 1111"],"amex":378282246310005,"long":"%s ada@example.com",
		"jwt":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
		"gone":{"contact":{"mail":"bob.smith@corp.example.org","card":"5500-0000-0000-0004"}},
		"set":[{"key":"AKIAIOSFODNN7EXAMPLE"}],"client_secret":"9f86d081884c7d659a2feaa0c55ad015",
		"order":"1234567812345678"}`, pad)
	right := `{"email":"eve@example.net","escaped":"x","card":"4012888888881881","cards":[],"amex":1,"long":"",
		"jwt":"sk_live_4eC39HqLyjWDarjtT1zdp7dc","set":[{"key":"ghp_16C7e42F292c6912E7710c838347Ae178B4a"}],
		"client_secret":"0","order":"1234567812345670","added":{"auth":"Bearer mF_9.B5f-4.1JqM"}}`
	c := mustCompile(t, Options{
		UnorderedPaths: []string{"$.set"},
		Headers:        []string{"Location", "Set-Cookie", "Authorization", "X-Contact"},
	})
	lh := http.Header{"Location": {"/u?e=ada@example.com"}, "Set-Cookie": {"s=4111111111111111"}, "X-Contact": {"ada@example.com"}}
	rh := http.Header{"Authorization": {"Bearer mF_9.B5f-4.1JqM"}}
	results := []Result{
		c.Compare(Response{Status: 200, Header: lh, Body: []byte(left)}, Response{Status: 200, Header: rh, Body: []byte(right)}),
		c.Compare(Response{Status: 200, Body: []byte("contact ada@example.com\ncard 4111-1111-1111-1111\n")},
			Response{Status: 200, Body: []byte("contact bob.smith@corp.example.org\ncard 5500 0000 0000 0004\n")}),
	}
	for _, res := range results {
		out, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("secret %q survives in %s", s, text)
			}
		}
		if m := anyEmail.FindString(text); m != "" {
			t.Errorf("e-mail %q survives", m)
		}
		for _, m := range digitRuns.FindAllString(text, -1) {
			if luhn(m) {
				t.Errorf("card number %q survives", m)
			}
		}
		if len(res.Differences) == 0 {
			t.Fatal("nothing compared")
		}
		t.Log(text)
	}
	if !strings.Contains(fmt.Sprint(results[0]), "1234567812345678") {
		t.Error("a 16-digit number that fails the Luhn check was redacted")
	}
}

func TestDisableRedactionShowsValues(t *testing.T) {
	c := mustCompile(t, Options{DisableRedaction: true})
	res := c.Compare(jsonResponse(`{"email":"ada@example.com"}`), jsonResponse(`{"email":"bob@example.com"}`))
	if len(res.Differences) != 1 || res.Differences[0].Left != `"ada@example.com"` || c.Redactor() != nil {
		t.Fatalf("%+v", res)
	}
	if mustCompile(t, Options{}).Redactor() == nil {
		t.Fatal("redaction is off by default")
	}
}
