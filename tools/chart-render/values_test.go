// Unit tests of the pure pieces: --set parsing, value coalescing, .Files
// globbing and document splitting.
package main

import (
	"io"
	"reflect"
	"sort"
	"testing"
)

func TestParseSet(t *testing.T) {
	cases := []struct {
		in   string
		want map[string]interface{}
	}{
		{"a=b", map[string]interface{}{"a": "b"}},
		{"a=b,c=d", map[string]interface{}{"a": "b", "c": "d"}},
		{"a.b.c=1", map[string]interface{}{"a": map[string]interface{}{"b": map[string]interface{}{"c": int64(1)}}}},
		{"t=true,f=FALSE,n=null,z=0,lead=007,neg=-3,big=99999999999999999999",
			map[string]interface{}{"t": true, "f": false, "n": nil, "z": int64(0), "lead": "007", "neg": int64(-3),
				"big": "99999999999999999999"}},
		{"f=1.5", map[string]interface{}{"f": "1.5"}},
		{"l={a,b,1}", map[string]interface{}{"l": []interface{}{"a", "b", int64(1)}}},
		{"l={a},x=y", map[string]interface{}{"l": []interface{}{"a"}, "x": "y"}},
		{"e=", map[string]interface{}{"e": ""}},
		{`a=x\,y`, map[string]interface{}{"a": "x,y"}},
		{`a\.b=c`, map[string]interface{}{"a.b": "c"}},
		{"l[1]=x", map[string]interface{}{"l": []interface{}{nil, "x"}}},
		{"l[0].name=n,l[0].port=80", map[string]interface{}{"l": []interface{}{
			map[string]interface{}{"name": "n", "port": int64(80)}}}},
		{"m[0][1]=v", map[string]interface{}{"m": []interface{}{[]interface{}{nil, "v"}}}},
		{"u=héllo wörld", map[string]interface{}{"u": "héllo wörld"}},
	}
	for _, c := range cases {
		got := map[string]interface{}{}
		if err := parseSet(c.in, got, false); err != nil {
			t.Errorf("parseSet(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseSet(%q)\n got %#v\nwant %#v", c.in, got, c.want)
		}
	}

	got := map[string]interface{}{}
	if err := parseSet("a=true,b=1,l={2}", got, true); err != nil {
		t.Fatal(err)
	}
	if want := map[string]interface{}{"a": "true", "b": "1", "l": []interface{}{"2"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("parseSet as strings: %#v", got)
	}

	for _, bad := range []string{"a", "a,b=c", "l={a,b", "l[x]=1", "l[-1]=1", "l[99999999]=1"} {
		if err := parseSet(bad, map[string]interface{}{}, false); err == nil {
			t.Errorf("parseSet(%q) succeeded, want an error", bad)
		}
	}
}

func TestParseSetIntoExisting(t *testing.T) {
	base := map[string]interface{}{"a": map[string]interface{}{"keep": 1.0, "over": 2.0}, "s": "scalar"}
	if err := parseSet("a.over=3,s.x=y", base, false); err != nil {
		t.Fatal(err)
	}
	want := map[string]interface{}{
		"a": map[string]interface{}{"keep": 1.0, "over": int64(3)},
		"s": map[string]interface{}{"x": "y"}, // a scalar is replaced by a map
	}
	if !reflect.DeepEqual(base, want) {
		t.Errorf("got %#v", base)
	}
}

func TestMergeMaps(t *testing.T) {
	a := map[string]interface{}{"m": map[string]interface{}{"x": 1, "y": 2}, "l": []interface{}{1}, "s": "a"}
	b := map[string]interface{}{"m": map[string]interface{}{"y": 3, "z": nil}, "l": []interface{}{2}, "s": map[string]interface{}{"k": "v"}}
	got := mergeMaps(a, b)
	want := map[string]interface{}{
		"m": map[string]interface{}{"x": 1, "y": 3, "z": nil},
		"l": []interface{}{2},
		"s": map[string]interface{}{"k": "v"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mergeMaps\n got %#v\nwant %#v", got, want)
	}
	if a["m"].(map[string]interface{})["y"] != 2 {
		t.Errorf("mergeMaps modified its input")
	}
}

func TestCoalesceValues(t *testing.T) {
	defaults := map[string]interface{}{
		"keep": "d", "del": "d",
		"m":     map[string]interface{}{"a": "d", "b": "d", "gone": "d"},
		"table": map[string]interface{}{"x": "d"},
	}
	user := map[string]interface{}{
		"del":   nil,
		"m":     map[string]interface{}{"b": "u", "gone": nil, "new": "u"},
		"table": "scalar", // a scalar over a table: the user value stays (Helm warns)
		"extra": "u",
	}
	got := coalesceValues(io.Discard, "c", defaults, user)
	want := map[string]interface{}{
		"keep":  "d",
		"m":     map[string]interface{}{"a": "d", "b": "u", "new": "u"},
		"table": "scalar",
		"extra": "u",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("coalesce\n got %#v\nwant %#v", got, want)
	}
	if _, ok := defaults["del"]; !ok || defaults["m"].(map[string]interface{})["gone"] != "d" {
		t.Errorf("coalesce modified the chart defaults: %#v", defaults)
	}
}

func TestFilesGlob(t *testing.T) {
	f := files{"a.txt": nil, "conf/x.yaml": nil, "conf/deep/y.yaml": nil, "conf/z.json": nil}
	cases := map[string][]string{
		"*.txt":              {"a.txt"},
		"conf/*":             {"conf/x.yaml", "conf/z.json"},
		"conf/**":            {"conf/deep/y.yaml", "conf/x.yaml", "conf/z.json"},
		"**.yaml":            {"conf/deep/y.yaml", "conf/x.yaml"},
		"conf/*.{yaml,json}": {"conf/x.yaml", "conf/z.json"},
		"conf/[xz].*":        {"conf/x.yaml", "conf/z.json"},
		"nothing":            nil,
	}
	for pat, want := range cases {
		var got []string
		for name := range f.Glob(pat) {
			got = append(got, name)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Glob(%q) = %v, want %v", pat, got, want)
		}
	}
}

func TestSplitDocs(t *testing.T) {
	in := "\n---\na: 1\n---   \n\nb: 2\n  ---\nc: |\n  ---x\n---\n"
	want := []string{"a: 1", "b: 2\n  ---\nc: |\n  ---x"}
	if got := splitDocs(in); !reflect.DeepEqual(got, want) {
		t.Errorf("splitDocs = %q, want %q", got, want)
	}
}

func TestLessByKind(t *testing.T) {
	if !lessByKind("Namespace", "Deployment") || lessByKind("Deployment", "Namespace") {
		t.Error("Namespace must come before Deployment")
	}
	if !lessByKind("Deployment", "AAACustom") || lessByKind("AAACustom", "Service") {
		t.Error("unknown kinds must come after known ones")
	}
	if !lessByKind("Alpha", "Beta") {
		t.Error("unknown kinds are ordered alphabetically")
	}
}
