package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxSecretSize bounds what is read from a secret file, so that naming a log file or a device by
// mistake fails fast instead of reading it whole.
const maxSecretSize = 64 << 10

var errTooLarge = errors.New("file too large")

func readSmall(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretSize+1))
	if err == nil && len(data) > maxSecretSize {
		err = errTooLarge
	}
	return data, err
}

// Secrets (admin tokens, the override secret) are never written in the config file: it names an
// environment variable or a file, and validation resolves them so that a missing secret stops ficus
// at start-up rather than at the first request.

func (k *checker) tokens(tokens []Token) {
	names := map[string]int{}
	secrets := map[string]int{}
	for i := range tokens {
		t := &tokens[i]
		p := fmt.Sprintf("admin.tokens[%d]", i)
		switch j, dup := names[t.Name]; {
		case t.Name == "":
			k.add(p+".name", "is required: it names the token in the audit log")
		case dup:
			k.add(p+".name", "%q is already the name of admin.tokens[%d]", t.Name, j)
		default:
			names[t.Name] = i
		}
		if !t.Role.valid() {
			k.add(p+".role", "%q is not one of viewer, operator, admin", t.Role)
		}
		t.Secret = k.secret(p, "token", t.TokenEnv, t.TokenFile)
		if t.Secret == "" {
			continue
		}
		if j, dup := secrets[t.Secret]; dup {
			k.add(p, "token %q has the same secret as admin.tokens[%d] (%q); every token needs its own", t.Name, j, tokens[j].Name)
			continue
		}
		secrets[t.Secret] = i
	}
}

func (r Role) valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

func (k *checker) override(o *Override) {
	switch {
	case o.Header == "":
		k.add("override.header", "must not be empty; the default is %q", DefaultOverrideHeader)
	case !isToken(o.Header):
		k.add("override.header", "%q is not a valid header name", o.Header)
	}
	switch {
	case o.Cookie == "":
		k.add("override.cookie", "must not be empty; the default is %q", DefaultOverrideCookie)
	case !isToken(o.Cookie):
		k.add("override.cookie", "%q is not a valid cookie name", o.Cookie)
	}
	o.Secret = k.secret("override", "secret", o.SecretEnv, o.SecretFile)
}

// secret resolves the secret held by the environment variable envName or the file fileName, exactly
// one of which must be set; kind ("token", "secret") prefixes the keys: token_env, token_file. It
// returns "" after adding a problem.
func (k *checker) secret(p, kind, envName, fileName string) string {
	envKey, fileKey := kind+"_env", kind+"_file"
	switch {
	case k.skipSecrets && (envName == "") != (fileName == ""):
		return ""
	case envName != "" && fileName != "":
		k.add(p, "set one of %s and %s, not both", envKey, fileKey)
	case envName != "":
		v, ok := k.env(envName)
		switch {
		case !ok:
			k.add(p+"."+envKey, "environment variable %s is not set", envName)
		case strings.TrimSpace(v) == "":
			k.add(p+"."+envKey, "environment variable %s is empty", envName)
		default:
			return v
		}
	case fileName != "":
		data, err := readSmall(fileName)
		v := strings.TrimSpace(string(data))
		switch {
		case errors.Is(err, errTooLarge):
			k.add(p+"."+fileKey, "%q is larger than %d bytes; is it the right file?", fileName, maxSecretSize)
		case err != nil:
			k.add(p+"."+fileKey, "cannot read %q: %v", fileName, pathErr(err))
		case v == "":
			k.add(p+"."+fileKey, "%q is empty", fileName)
		default:
			return v
		}
	default:
		k.add(p, "set %s or %s: secrets are never written in the config file itself", envKey, fileKey)
	}
	return ""
}
