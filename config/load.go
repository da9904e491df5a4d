package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads the config file at path, fills the defaults, resolves the secrets from the process
// environment and the files the config names, and validates everything. When anything is wrong it
// returns an *Error listing every problem with its line.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, os.LookupEnv)
}

// LoadForClient is Load for commands that only need addresses and paths from the file (ficus route,
// ficus audit): every rule is checked except that secrets are not resolved, so an operator's machine
// needs none of the server's token variables or files. Token.Secret and Override.Secret stay empty.
func LoadForClient(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parse(path, data, &checker{env: os.LookupEnv, skipSecrets: true, skipMigrationSecrets: true})
}

// Parse is Load without the file system for the config itself: file names the config in messages and
// anchors relative paths, data is its content, and env looks up environment variables (os.LookupEnv in
// production, a map in tests). Files the config names (token_file, ...) are still read.
func Parse(file string, data []byte, env func(string) (string, bool)) (*Config, error) {
	return parse(file, data, &checker{env: env})
}

func parse(file string, data []byte, k *checker) (*Config, error) {
	root, p := parseYAML(data)
	if p != nil {
		return nil, errorOf(file, []Problem{*p})
	}
	c := &Config{File: file}
	c.setDefaults()
	d := newDecoder()
	d.decode(root, reflect.ValueOf(c).Elem(), "")
	c.resolvePaths(filepath.Dir(file))
	problems := d.problems
	for _, vp := range c.check(k) {
		if d.underFailed(vp.Path) {
			continue
		}
		vp.Line = d.lineOf(vp.Path)
		problems = append(problems, vp)
	}
	if len(problems) > 0 {
		return nil, errorOf(file, problems)
	}
	return c, nil
}

// parseYAML returns the top-level mapping of a single-document file, or the problem that prevents it.
func parseYAML(data []byte) (root *yaml.Node, p *Problem) {
	defer func() {
		// yaml.v3 has panicked on malformed input before; a config loader must report, not crash.
		if r := recover(); r != nil {
			root, p = nil, &Problem{Message: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Problem{Message: "the file is empty; it needs at least backends and routes"}
		}
		return nil, syntaxProblem(data, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &Problem{Line: next.Line, Message: "a config file holds one YAML document; remove the second (---)"}
	case !errors.Is(err, io.EOF):
		return nil, syntaxProblem(data, err)
	}
	if len(doc.Content) == 0 {
		return nil, &Problem{Message: "the file is empty; it needs at least backends and routes"}
	}
	root = deref(doc.Content[0])
	if isNull(root) {
		return nil, &Problem{Message: "the file is empty; it needs at least backends and routes"}
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Problem{Line: root.Line, Message: fmt.Sprintf("the top level must be a mapping of keys (listen, admin, backends, routes, ...), not %s", describe(root))}
	}
	return root, nil
}

// syntaxProblem turns a yaml.v3 syntax error into a Problem. yaml.v3 has no error type with the line,
// and the line in its text is 0-based for some errors, 1-based for others, and missing on the first
// line; so the line is found instead as the one whose addition makes the file unparsable: the last
// line L such that lines 1 to L-1 parse while the whole file does not.
func syntaxProblem(data []byte, err error) *Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok && strings.Trim(num, "0123456789") == "" {
			msg = text
		}
	}
	return &Problem{Line: syntaxErrorLine(data), Message: "invalid YAML: " + msg}
}

// maxSearchLines bounds the search for a syntax error's line, which parses the file once per line.
const maxSearchLines = 5000

func syntaxErrorLine(data []byte) int {
	ends := []int{0} // ends[k] is the length of the first k lines
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) > maxSearchLines {
		return 0
	}
	for k := len(ends) - 1; k >= 0; k-- {
		if parses(data[:ends[k]]) {
			return k + 1
		}
	}
	return 0
}

// parses reports whether data is a stream of well-formed YAML documents.
func parses(data []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			return errors.Is(err, io.EOF)
		}
	}
}

// errorOf sorts problems by line, keeping the order they were found in within a line.
func errorOf(file string, problems []Problem) *Error {
	for i := range problems {
		problems[i].File = file
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	return &Error{Problems: problems}
}

// underFailed reports whether path is inside a value that could not be decoded, or holds one: either
// way the value validated is not what the file says, and the decoding problem is the one to fix.
func (d *decoder) underFailed(path string) bool {
	for _, f := range d.failed {
		if f == "" || within(path, f) || within(f, path) {
			return true
		}
	}
	return false
}

// within reports whether path is base or a path inside it.
func within(path, base string) bool {
	return path == base || base == "" || strings.HasPrefix(path, base+".") || strings.HasPrefix(path, base+"[")
}

// lineOf returns the line of path, or of its nearest ancestor present in the file (a missing key is
// reported on the line of the mapping that should hold it); 0 when not even the top-level key is.
func (d *decoder) lineOf(path string) int {
	for {
		if l, ok := d.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
}

// resolvePaths makes the file paths in c relative to dir, the config file's directory, so that a
// config works the same whatever directory ficus is started from.
func (c *Config) resolvePaths(dir string) {
	rel := func(p *string) {
		if *p != "" && *p != "-" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	rel(&c.Store)
	if c.TLS != nil {
		rel(&c.TLS.CertFile)
		rel(&c.TLS.KeyFile)
	}
	for i := range c.Admin.Tokens {
		rel(&c.Admin.Tokens[i].TokenFile)
	}
	if c.Override != nil {
		rel(&c.Override.SecretFile)
	}
	rel(&c.Log.AccessFile)
	for i := range c.Notifications.Webhooks {
		rel(&c.Notifications.Webhooks[i].SecretFile)
	}
	if c.Migration != nil {
		rel(&c.Migration.RejectDir)
	}
	for _, b := range []*Backend{&c.Backends.Legacy, &c.Backends.Modern} {
		rel(&b.TLS.CAFile)
		rel(&b.TLS.CertFile)
		rel(&b.TLS.KeyFile)
	}
}
