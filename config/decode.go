package config

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxValues bounds how many YAML values one file may expand to, so that aliases of aliases (a "billion
// laughs" file) cannot make decoding take forever.
const maxValues = 100_000

// decoder walks a yaml.Node tree into a Go value by the fields' yaml tags. yaml.v3 can decode strictly
// by itself (KnownFields) but stops at the first problem and gives no line for most; walking the nodes
// ourselves collects every problem with its line, and records the line of every path so that
// validation problems found later get a line too.
type decoder struct {
	problems []Problem
	// lines maps a path ("routes[1].stage") to the line of its key or list item.
	lines map[string]int
	// failed holds the paths whose values could not be decoded; validation problems under them are
	// dropped, since they would only repeat the decoding problem.
	failed []string
	values int
}

func newDecoder() *decoder { return &decoder{lines: map[string]int{"": 0}} }

func (d *decoder) addProblem(n *yaml.Node, path, format string, args ...any) {
	d.problems = append(d.problems, Problem{Line: n.Line, Path: path, Message: fmt.Sprintf(format, args...)})
}

// fail records a value that could not be decoded.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.addProblem(n, path, format, args...)
	d.failed = append(d.failed, path)
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// decode stores n into v, which must be settable.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	d.values++
	if d.values == maxValues {
		d.fail(n, "", "the file expands to more than %d values (aliases of aliases?)", maxValues)
	}
	if d.values >= maxValues {
		return
	}
	if s, ok := v.Addr().Interface().(*RolloutStep); ok {
		d.decodeStep(n, s, path)
		return
	}
	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			d.fail(n, path, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		d.decodePointer(n, v, path)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	default:
		d.decodeScalar(n, v, path)
	}
}

// decodePointer allocates the target (with its defaults) when the key is present. A null value leaves
// the pointer as it is: "override: ~" stays disabled, "backend_header: ~" keeps the default.
func (d *decoder) decodePointer(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	if v.IsNil() {
		p := reflect.New(v.Type().Elem())
		withDefaults(p)
		v.Set(p)
	}
	d.decode(n, v.Elem(), path)
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping of keys (%s), not %s", strings.Join(yamlKeys(v.Type()), ", "), describe(n))
		return
	}
	fields := yamlFields(v.Type())
	d.eachKey(n, path, func(key, value *yaml.Node) {
		i, ok := fields[key.Value]
		if !ok {
			where := "in " + path
			if path == "" {
				where = "in the top level"
			}
			d.addProblem(key, "", "unknown key %q %s; allowed: %s", key.Value, where, strings.Join(yamlKeys(v.Type()), ", "))
			if path != "" {
				// The key was probably meant for this mapping, which is incomplete without it.
				d.failed = append(d.failed, path)
			}
			return
		}
		sub := join(path, key.Value)
		d.lines[sub] = key.Line
		d.decode(value, v.Field(i), sub)
	})
}

// eachKey calls f for every key of a mapping, after those merged in with "<<: *anchor" so that
// explicit keys win, and reports keys that are not plain strings or that are repeated.
func (d *decoder) eachKey(n *yaml.Node, path string, f func(key, value *yaml.Node)) {
	var merged, own [][2]*yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		switch {
		case key.Kind == yaml.ScalarNode && key.Tag == "!!merge":
			sources := mergeSources(value)
			if len(sources) == 0 {
				d.addProblem(key, path, "<< must be an alias of a mapping, or a list of them")
			}
			for _, m := range sources {
				for j := 0; j+1 < len(m.Content); j += 2 {
					merged = append(merged, [2]*yaml.Node{m.Content[j], m.Content[j+1]})
				}
			}
		case key.Kind != yaml.ScalarNode:
			d.addProblem(key, path, "keys must be plain strings, not %s", describe(key))
		case seen[key.Value] != 0:
			d.addProblem(key, path, "duplicate key %q (first on line %d)", key.Value, seen[key.Value])
		default:
			seen[key.Value] = key.Line
			own = append(own, [2]*yaml.Node{key, value})
		}
	}
	for _, kv := range merged {
		if kv[0].Kind == yaml.ScalarNode && seen[kv[0].Value] == 0 {
			f(kv[0], kv[1])
		}
	}
	for _, kv := range own {
		f(kv[0], kv[1])
	}
}

// mergeSources returns the mappings a merge key's value stands for: one alias or a list of them.
func mergeSources(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n.Kind == yaml.MappingNode {
		return []*yaml.Node{n}
	}
	var out []*yaml.Node
	if n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			if c = deref(c); c.Kind == yaml.MappingNode {
				out = append(out, c)
			}
		}
	}
	return out
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		v.SetZero()
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "must be a list, not %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		sub := fmt.Sprintf("%s[%d]", path, i)
		d.lines[sub] = item.Line
		e := s.Index(i)
		withDefaults(e.Addr())
		d.decode(item, e, sub)
		if r, ok := e.Addr().Interface().(*Route); ok {
			r.Line = item.Line
		}
	}
	v.Set(s)
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		v.SetZero()
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping, not %s", describe(n))
		return
	}
	m := reflect.MakeMap(v.Type())
	d.eachKey(n, path, func(key, value *yaml.Node) {
		sub := fmt.Sprintf("%s[%q]", path, key.Value)
		d.lines[sub] = key.Line
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(value, e, sub)
		m.SetMapIndex(reflect.ValueOf(key.Value).Convert(v.Type().Key()), e)
	})
	v.Set(m)
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	want := map[reflect.Kind]string{
		reflect.String:  "a string",
		reflect.Bool:    "true or false",
		reflect.Int:     "an integer",
		reflect.Float64: "a number",
	}[v.Kind()]
	if want == "" {
		panic(fmt.Sprintf("config: no decoding for %s at %s", v.Type(), path)) // a new field type in config.go
	}
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.fail(n, path, "must be %s, not %s", want, describe(n))
		return
	}
	var ok bool
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
		return
	case reflect.Bool:
		var b bool
		ok = n.Tag == "!!bool" && n.Decode(&b) == nil
		v.SetBool(b)
	case reflect.Int:
		var i int
		ok = n.Tag == "!!int" && n.Decode(&i) == nil
		v.SetInt(int64(i))
	case reflect.Float64:
		var f float64
		ok = (n.Tag == "!!int" || n.Tag == "!!float") && n.Decode(&f) == nil
		v.SetFloat(f)
	}
	if !ok {
		d.fail(n, path, "must be %s, not %s", want, describe(n))
	}
}

// withDefaults calls setDefaults on a freshly created value when its type has defaults.
func withDefaults(p reflect.Value) {
	if dv, ok := p.Interface().(defaulter); ok {
		dv.setDefaults()
	}
}

// yamlFields maps the yaml keys of a struct type to field indexes.
func yamlFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		if k := yamlKey(t.Field(i)); k != "" {
			m[k] = i
		}
	}
	return m
}

// yamlKeys lists the yaml keys of a struct type in declaration order, for "allowed:" lists.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if k := yamlKey(t.Field(i)); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func yamlKey(f reflect.StructField) string {
	k, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if k == "-" || !f.IsExported() {
		return ""
	}
	return k
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// describe names a node's kind and value for "must be X, not Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if isNull(n) {
		return "an empty value"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	return fmt.Sprintf("%q", v)
}
