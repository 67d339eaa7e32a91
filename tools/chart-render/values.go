// Values: how Helm 3 builds the final .Values of an install.
//
//  1. --values files are merged in order (mergeMaps: maps merge deeply,
//     anything else is replaced), then every --set, then every --set-string
//     is parsed into that map (Helm's strvals grammar, parseSet).
//  2. The result is coalesced with the chart's values.yaml (coalesceValues):
//     user values win, maps merge deeply, and a user value of null deletes
//     the key from the defaults.
//  3. If the chart has values.schema.json, the result is validated with
//     gojsonschema and errors are reported in Helm's words (validateSchema).
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"
)

// mergeMaps is Helm's values.mergeMaps: b wins over a; maps merge deeply.
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(bv, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// userValues merges the --values files and the --set/--set-string
// expressions in Helm's order.
func userValues(o *options) (map[string]interface{}, error) {
	base := map[string]interface{}{}
	for _, f := range o.valueFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", f, err)
		}
		vals, err := readValuesYAML(data)
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", f, err)
		}
		base = mergeMaps(base, vals)
	}
	for _, s := range o.sets {
		if err := parseSet(s, base, false); err != nil {
			return nil, fmt.Errorf("failed parsing --set data: %w", err)
		}
	}
	for _, s := range o.setStrings {
		if err := parseSet(s, base, true); err != nil {
			return nil, fmt.Errorf("failed parsing --set-string data: %w", err)
		}
	}
	return base, nil
}

func isTable(v interface{}) bool {
	_, ok := v.(map[string]interface{})
	return ok
}

// deepCopy copies the maps and lists of a values tree so that coalescing
// never aliases the chart's defaults.
func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []interface{}:
		l := make([]interface{}, len(t))
		for i, e := range t {
			l[i] = deepCopy(e)
		}
		return l
	default:
		return v
	}
}

// coalesceValues is Helm's chartutil.CoalesceValues for a chart without
// subcharts: user values (dst) take precedence over the defaults; a null in
// dst deletes the key. Warnings go to warn, as Helm prints them.
func coalesceValues(warn io.Writer, chartName string, defaults, user map[string]interface{}) map[string]interface{} {
	dst := deepCopy(user).(map[string]interface{})
	src := deepCopy(defaults).(map[string]interface{})
	coalesceTables(warn, dst, src, chartName)
	return dst
}

func coalesceTables(warn io.Writer, dst, src map[string]interface{}, prefix string) {
	for key, val := range src {
		fullKey := prefix + "." + key
		dv, ok := dst[key]
		switch {
		case ok && dv == nil:
			delete(dst, key)
		case !ok:
			dst[key] = val
		case isTable(val):
			if isTable(dv) {
				coalesceTables(warn, dv.(map[string]interface{}), val.(map[string]interface{}), fullKey)
			} else {
				fmt.Fprintf(warn, "warning: cannot overwrite table with non table for %s (%v)\n", fullKey, val)
			}
		case isTable(dv) && val != nil:
			fmt.Fprintf(warn, "warning: destination for %s is a table. Ignoring non-table value (%v)\n", fullKey, val)
		}
	}
}

// validateSchema checks the final values against values.schema.json exactly
// as Helm's chartutil.ValidateAgainstSchema does (values -> YAML -> JSON ->
// gojsonschema). Error lines are sorted: gojsonschema's own order follows Go
// map iteration and is not stable between runs.
func validateSchema(chartName string, schema []byte, vals map[string]interface{}) (reterr error) {
	defer func() {
		if r := recover(); r != nil {
			reterr = fmt.Errorf("unable to validate schema: %v", r)
		}
	}()
	detail := func() string {
		y, err := yaml.Marshal(vals)
		if err != nil {
			return err.Error()
		}
		j, err := yaml.YAMLToJSON(y)
		if err != nil {
			return err.Error()
		}
		if bytes.Equal(j, []byte("null")) {
			j = []byte("{}")
		}
		res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewBytesLoader(j))
		if err != nil {
			return err.Error()
		}
		if res.Valid() {
			return ""
		}
		var lines []string
		for _, e := range res.Errors() {
			lines = append(lines, fmt.Sprintf("- %s\n", e))
		}
		sort.Strings(lines)
		return strings.Join(lines, "")
	}()
	if detail == "" {
		return nil
	}
	return fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n%s", chartName, detail)
}

// --set parsing: a port of Helm's pkg/strvals grammar.
//
//	set    := assign ("," assign)*
//	assign := key "=" (list | value)
//	key    := name ("." name | "[" int "]")*
//	list   := "{" value ("," value)* "}"
//
// A backslash escapes the next character anywhere. Values are typed like
// Helm's typedVal unless asString: true/false -> bool, null -> nil (which
// later deletes the key), 0 or an integer not starting with 0 -> int64,
// anything else -> string. List items are typed the same way.

const (
	maxSetIndex       = 65536
	maxSetNestedLevel = 30
)

var errNotList = errors.New("not a list")

type setParser struct {
	in       *strings.Reader
	asString bool
}

// parseSet parses one --set argument into data.
func parseSet(s string, data map[string]interface{}, asString bool) error {
	p := &setParser{in: strings.NewReader(s), asString: asString}
	for {
		err := p.key(data, 0)
		if err == nil {
			continue
		}
		if err == io.EOF {
			return nil
		}
		return err
	}
}

func typedVal(v []rune, asString bool) interface{} {
	val := string(v)
	if asString {
		return val
	}
	if strings.EqualFold(val, "true") {
		return true
	}
	if strings.EqualFold(val, "false") {
		return false
	}
	if strings.EqualFold(val, "null") {
		return nil
	}
	if val == "0" {
		return int64(0)
	}
	if len(val) != 0 && val[0] != '0' {
		if iv, err := strconv.ParseInt(val, 10, 64); err == nil {
			return iv
		}
	}
	return val
}

// runesUntil reads up to (and consumes) the first unescaped rune in stop.
func (p *setParser) runesUntil(stop string) ([]rune, rune, error) {
	var v []rune
	for {
		r, _, err := p.in.ReadRune()
		switch {
		case err != nil:
			return v, r, err
		case strings.ContainsRune(stop, r):
			return v, r, nil
		case r == '\\':
			next, _, err := p.in.ReadRune()
			if err != nil {
				return v, next, err
			}
			v = append(v, next)
		default:
			v = append(v, r)
		}
	}
}

func setKey(data map[string]interface{}, key string, val interface{}) {
	if key != "" {
		data[key] = val
	}
}

func (p *setParser) key(data map[string]interface{}, level int) error {
	k, last, err := p.runesUntil("=[,.")
	switch {
	case err != nil:
		if len(k) == 0 {
			return err
		}
		return fmt.Errorf("key %q has no value", string(k))
	case last == '[':
		i, err := p.keyIndex()
		if err != nil {
			return fmt.Errorf("error parsing index: %w", err)
		}
		list, _ := data[string(k)].([]interface{})
		list, err = p.listItem(list, i, level)
		setKey(data, string(k), list)
		return err
	case last == '=':
		v, err := p.value()
		if err != nil && err != io.EOF {
			return err
		}
		setKey(data, string(k), v)
		return err
	case last == ',':
		setKey(data, string(k), "")
		return fmt.Errorf("key %q has no value (cannot end with ,)", string(k))
	default: // '.'
		level++
		if level > maxSetNestedLevel {
			return fmt.Errorf("value name nested level is greater than maximum supported nested level of %d", maxSetNestedLevel)
		}
		inner, ok := data[string(k)].(map[string]interface{})
		if !ok {
			inner = map[string]interface{}{}
		}
		err := p.key(inner, level)
		if err == nil && len(inner) == 0 {
			return fmt.Errorf("key map %q has no value", string(k))
		}
		if len(inner) != 0 {
			setKey(data, string(k), inner)
		}
		return err
	}
}

// value reads what follows "=": a {list} or a scalar up to the next ",".
// io.EOF means the input ended, which is not an error for the caller.
func (p *setParser) value() (interface{}, error) {
	vl, err := p.valList()
	switch err {
	case nil:
		return vl, nil
	case io.EOF:
		return "", io.EOF
	case errNotList:
		rs, _, err := p.runesUntil(",")
		return typedVal(rs, p.asString), err
	default:
		return nil, err
	}
}

func (p *setParser) valList() ([]interface{}, error) {
	r, _, err := p.in.ReadRune()
	if err != nil {
		return nil, err
	}
	if r != '{' {
		_ = p.in.UnreadRune()
		return nil, errNotList
	}
	list := []interface{}{}
	for {
		rs, last, err := p.runesUntil(",}")
		switch {
		case err != nil:
			if err == io.EOF {
				err = errors.New("list must terminate with '}'")
			}
			return list, err
		case last == '}':
			if r, _, err := p.in.ReadRune(); err == nil && r != ',' {
				_ = p.in.UnreadRune()
			}
			return append(list, typedVal(rs, p.asString)), nil
		default: // ','
			list = append(list, typedVal(rs, p.asString))
		}
	}
}

func (p *setParser) keyIndex() (int, error) {
	v, _, err := p.runesUntil("]")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(v))
}

func setIndex(list []interface{}, i int, val interface{}) ([]interface{}, error) {
	if i < 0 {
		return list, fmt.Errorf("negative %d index not allowed", i)
	}
	if i > maxSetIndex {
		return list, fmt.Errorf("index of %d is greater than maximum supported index of %d", i, maxSetIndex)
	}
	if len(list) <= i {
		grown := make([]interface{}, i+1)
		copy(grown, list)
		list = grown
	}
	list[i] = val
	return list, nil
}

func (p *setParser) listItem(list []interface{}, i, level int) ([]interface{}, error) {
	if i < 0 {
		return list, fmt.Errorf("negative %d index not allowed", i)
	}
	k, last, err := p.runesUntil("[.=")
	switch {
	case len(k) > 0:
		return list, fmt.Errorf("unexpected data at end of array index: %q", string(k))
	case err != nil:
		return list, err
	case last == '=':
		v, err := p.value()
		if err != nil && err != io.EOF {
			return list, err
		}
		list, serr := setIndex(list, i, v)
		if serr != nil {
			return list, serr
		}
		return list, err
	case last == '[':
		next, err := p.keyIndex()
		if err != nil {
			return list, fmt.Errorf("error parsing index: %w", err)
		}
		var inner []interface{}
		if len(list) > i {
			inner, _ = list[i].([]interface{})
		}
		inner, err = p.listItem(inner, next, level)
		if err != nil && err != io.EOF {
			return list, err
		}
		list, serr := setIndex(list, i, inner)
		if serr != nil {
			return list, serr
		}
		return list, err
	default: // '.'
		var inner map[string]interface{}
		if len(list) > i {
			inner, _ = list[i].(map[string]interface{})
		}
		if inner == nil {
			inner = map[string]interface{}{}
		}
		err := p.key(inner, level)
		if err != nil && err != io.EOF {
			return list, err
		}
		list, serr := setIndex(list, i, inner)
		if serr != nil {
			return list, serr
		}
		return list, err
	}
}
