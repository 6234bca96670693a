package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// checkKeys walks the YAML mapping n beside the struct type t and returns
// the first key that t does not have, or whose value does not decode into
// its field, as "line N: path.to.key: what is wrong". yaml.v3 names only a
// line, and for a value that spans lines or sits in a nested mapping not
// always the key's; this names the key's own line and its full path.
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return nil // the caller reported a non-mapping where settings belong
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Value == "<<" {
			continue // merge keys and odd keys: the full decode judges them
		}
		name := join(path, k.Value)
		f, ok := fieldByKey(t, k.Value)
		if !ok {
			return fmt.Errorf("line %d: %s: unknown setting (see configs/wifihk.yaml)", k.Line, name)
		}
		if err := checkValue(k, v, f.Type, name); err != nil {
			return err
		}
	}
	return nil
}

// checkValue checks one key's value against its field's type.
func checkValue(k, v *yaml.Node, t reflect.Type, name string) error {
	if t.Kind() == reflect.Struct && t != reflect.TypeOf(time.Duration(0)) {
		if v.Kind != yaml.MappingNode {
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				return nil // "radius:" with nothing under it
			}
			return fmt.Errorf("line %d: %s: expected the settings under it, indented, not %s", k.Line, name, describe(v))
		}
		return checkKeys(v, t, name)
	}
	if err := v.Decode(reflect.New(t).Interface()); err != nil {
		return fmt.Errorf("line %d: %s: %s", k.Line, name, wrongValue(v, t))
	}
	return nil
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// fieldByKey finds the field of struct t that YAML key key fills, as
// yaml.v3 does: by the yaml tag's name, else the lower-cased field name.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		if tag == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// wrongValue says in plain words why v is not a t.
func wrongValue(v *yaml.Node, t reflect.Type) string {
	got := describe(v)
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return got + " is not a duration such as 90s, 10m or 24h"
	case t.Kind() == reflect.Bool:
		return got + " is not true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return got + " is not a whole number"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return got + " is not a number"
	case t.Kind() == reflect.String:
		return got + " is not text"
	}
	return got + " is not a " + t.String()
}

// describe names a value as an operator wrote it.
func describe(v *yaml.Node) string {
	switch v.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	s := []rune(v.Value)
	if len(s) > 40 {
		s = append(s[:40], '…')
	}
	return fmt.Sprintf("%q", string(s))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
