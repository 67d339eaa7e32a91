// End-to-end tests: run() on the charts under testdata/ (and on charts
// written to temporary directories), checking stdout, stderr and the exit
// status as a chart test would see them.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

type result struct {
	stdout, stderr string
	code           int
}

func render(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return result{out.String(), errb.String(), code}
}

// mustRender fails the test unless the render succeeds.
func mustRender(t *testing.T, args ...string) string {
	t.Helper()
	r := render(t, args...)
	if r.code != 0 {
		t.Fatalf("chart-render %v: exit %d, stderr:\n%s", args, r.code, r.stderr)
	}
	return r.stdout
}

// mustFail fails the test unless the render fails with an error containing
// want; it returns stderr.
func mustFail(t *testing.T, want string, args ...string) string {
	t.Helper()
	r := render(t, args...)
	if r.code != 1 {
		t.Fatalf("chart-render %v: exit %d, want 1; stdout:\n%s", args, r.code, r.stdout)
	}
	if r.stdout != "" {
		t.Errorf("chart-render %v: stdout should be empty on error, got:\n%s", args, r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "Error: ") || !strings.Contains(r.stderr, want) {
		t.Fatalf("chart-render %v: stderr\n%s\nwant an \"Error: \" line containing %q", args, r.stderr, want)
	}
	return r.stderr
}

type doc struct {
	source string
	body   map[string]interface{}
	raw    string
}

// parseOutput splits the printed stream into documents and checks that each
// starts with its "# Source:" line and parses as YAML.
func parseOutput(t *testing.T, out string) []doc {
	t.Helper()
	if !strings.HasPrefix(out, "---\n# Source: ") {
		t.Fatalf("output does not start with a --- / # Source: header:\n%s", out)
	}
	var docs []doc
	for _, part := range strings.Split(out, "---\n")[1:] {
		first, rest, _ := strings.Cut(part, "\n")
		if !strings.HasPrefix(first, "# Source: ") {
			t.Fatalf("document without a # Source: line:\n%s", part)
		}
		d := doc{source: strings.TrimPrefix(first, "# Source: "), raw: rest}
		if err := yaml.Unmarshal([]byte(rest), &d.body); err != nil {
			t.Fatalf("document from %s is not YAML: %v\n%s", d.source, err, rest)
		}
		docs = append(docs, d)
	}
	return docs
}

func sources(docs []doc) []string {
	var s []string
	for _, d := range docs {
		s = append(s, d.source)
	}
	return s
}

// find returns the document of kind and metadata.name, failing if absent.
func find(t *testing.T, docs []doc, kind, name string) doc {
	t.Helper()
	for _, d := range docs {
		md, _ := d.body["metadata"].(map[string]interface{})
		if d.body["kind"] == kind && md["name"] == name {
			return d
		}
	}
	t.Fatalf("no %s named %q among %v", kind, name, sources(docs))
	return doc{}
}

func data(t *testing.T, d doc) map[string]interface{} {
	t.Helper()
	m, ok := d.body["data"].(map[string]interface{})
	if !ok {
		t.Fatalf("%s: no data map", d.source)
	}
	return m
}

func TestBasicOrderPartialsAndSources(t *testing.T) {
	docs := parseOutput(t, mustRender(t, "testdata/basic"))
	// Ordered like helm: by kind (ServiceAccount, ConfigMap, Service,
	// Deployment), files in path order within a kind, hooks last. The
	// partial _helpers.tpl, the whitespace-only optional.yaml and
	// NOTES.txt are not printed.
	want := []string{
		"basic/templates/configmap.yaml",             // ServiceAccount, second document of the file
		"basic/templates/configmap.yaml",             // ConfigMap
		"basic/templates/info.yaml",                  // ConfigMap
		"basic/templates/tests/plain-configmap.yaml", // ConfigMap (no hook)
		"basic/templates/service.yaml",
		"basic/templates/deployment.yaml",
		"basic/templates/tests/test-connection.yaml", // test hook
	}
	if got := sources(docs); !reflect.DeepEqual(got, want) {
		t.Fatalf("sources\n got %v\nwant %v", got, want)
	}
	if docs[0].body["kind"] != "ServiceAccount" || docs[1].body["kind"] != "ConfigMap" {
		t.Errorf("kinds of the two documents of configmap.yaml: %v, %v", docs[0].body["kind"], docs[1].body["kind"])
	}
}

func TestBasicIncludeToYamlNindent(t *testing.T) {
	out := mustRender(t, "testdata/basic", "--show-only", "templates/deployment.yaml")
	want := `---
# Source: basic/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-name-basic
  labels:
    app.kubernetes.io/name: basic
    app.kubernetes.io/instance: release-name
    app.kubernetes.io/managed-by: Helm
    team: infra
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: head
          image: "rayc/head:2.9.0"
          imagePullPolicy: IfNotPresent
          resources:
            limits:
              cpu: "2"
              memory: 4Gi
            requests:
              cpu: 500m
      tolerations:
        - effect: NoSchedule
          key: gpu
          operator: Exists
`
	if out != want {
		t.Fatalf("deployment.yaml\n got:\n%s\nwant:\n%s", out, want)
	}
}

func TestBasicTplFilesAndNoValue(t *testing.T) {
	docs := parseOutput(t, mustRender(t, "testdata/basic", "--name", "ray", "--namespace", "prod"))
	d := data(t, find(t, docs, "ConfigMap", "ray-basic-config"))
	checks := map[string]string{
		"greeting":   "hello from ray in prod", // tpl on a value, with the root context
		"config.txt": "alpha\nbeta\n",          // .Files.Get
		"lines":      "alpha,beta",             // .Files.Lines
		"globbed":    "files/config.txt;",      // .Files.Glob; files/old.bak is .helmignore'd
		"removable":  "present",
		"missing":    "",  // "<no value>" is removed
		"tplLen":     "0", // also from tpl's own result
	}
	for k, want := range checks {
		if d[k] != want {
			t.Errorf("data.%s = %q, want %q", k, d[k], want)
		}
	}
}

func TestCapabilitiesReleaseChartTemplate(t *testing.T) {
	docs := parseOutput(t, mustRender(t, "testdata/basic"))
	d := data(t, find(t, docs, "ConfigMap", "info"))
	want := map[string]interface{}{
		"kubeVersion": "v1.29.0", "kubeMajor": "1", "kubeMinor": "29", "kubeGitVersion": "v1.29.0",
		"hasApps": "true", "hasDeploymentKind": "true", "hasBogus": "false",
		"releaseName": "release-name", "releaseNamespace": "default", "releaseService": "Helm",
		"isInstall": "true", "isUpgrade": "false", "revision": "1",
		"chartName": "basic", "chartVersion": "0.3.1", "appVersion": "2.9.0",
		"description": "A chart for the chart-render tests", "chartType": "application",
		"chartAPIVersion":  "v2",
		"templateName":     "basic/templates/info.yaml",
		"templateBasePath": "basic/templates",
		"lookup":           "0",
	}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("info data\n got %v\nwant %v", d, want)
	}

	docs = parseOutput(t, mustRender(t, "testdata/basic", "--kube-version", "v1.27.3",
		"--api-versions", "bogus.example.com/v1", "--name", "r2", "-n", "ns2"))
	d = data(t, find(t, docs, "ConfigMap", "info"))
	for k, v := range map[string]string{"kubeVersion": "v1.27.3", "kubeMajor": "1", "kubeMinor": "27",
		"hasBogus": "true", "releaseName": "r2", "releaseNamespace": "ns2"} {
		if d[k] != v {
			t.Errorf("with flags: data.%s = %v, want %v", k, d[k], v)
		}
	}
}

func TestKubeVersionConstraint(t *testing.T) {
	mustFail(t, "chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24.0",
		"testdata/basic", "--kube-version", "1.24.0")
	mustFail(t, "invalid kube version", "testdata/basic", "--kube-version", "latest")
}

func TestTestsIncludedAndSkipTests(t *testing.T) {
	for _, test := range []string{"test-connection.yaml", "plain-configmap.yaml"} {
		if out := mustRender(t, "testdata/basic"); !strings.Contains(out, "# Source: basic/templates/tests/"+test+"\n") {
			t.Errorf("tests/%s is missing without --skip-tests:\n%s", test, out)
		}
	}
	out := mustRender(t, "testdata/basic", "--skip-tests")
	if strings.Contains(out, "templates/tests/") {
		t.Errorf("--skip-tests still prints a test:\n%s", out)
	}
	if len(parseOutput(t, out)) != 5 {
		t.Errorf("--skip-tests should leave the 5 documents outside templates/tests/:\n%s", out)
	}
}

func TestShowOnly(t *testing.T) {
	docs := parseOutput(t, mustRender(t, "testdata/basic", "-s", "templates/service.yaml", "--show-only=templates/tests/test-*"))
	want := []string{"basic/templates/service.yaml", "basic/templates/tests/test-connection.yaml"}
	if got := sources(docs); !reflect.DeepEqual(got, want) {
		t.Fatalf("show-only sources %v, want %v", got, want)
	}
	mustFail(t, "could not find template templates/nope.yaml in chart", "testdata/basic", "--show-only", "templates/nope.yaml")
	// Partials and whitespace-only output are never "found".
	mustFail(t, "could not find template templates/_helpers.tpl", "testdata/basic", "--show-only", "templates/_helpers.tpl")
	mustFail(t, "could not find template templates/optional.yaml", "testdata/basic", "--show-only", "templates/optional.yaml")
}

func TestOptionalTemplateAppearsWhenEnabled(t *testing.T) {
	docs := parseOutput(t, mustRender(t, "testdata/basic", "--set", "optional=true", "-s", "templates/optional.yaml"))
	if len(docs) != 1 || docs[0].body["kind"] != "Secret" {
		t.Fatalf("optional.yaml with optional=true: %v", docs)
	}
}

func TestNotes(t *testing.T) {
	if out := mustRender(t, "testdata/basic"); strings.Contains(out, "NOTES") || strings.Contains(out, "is installed as") {
		t.Errorf("NOTES.txt printed without --notes:\n%s", out)
	}
	out := mustRender(t, "testdata/basic", "--notes", "--name", "ray")
	wantTail := "---\n# Source: basic/templates/NOTES.txt\nbasic is installed as ray.\nConnect to ray-basic:6379.\n"
	if !strings.HasSuffix(out, wantTail) {
		t.Fatalf("--notes output does not end with the notes:\n%s", out)
	}
	out = mustRender(t, "testdata/basic", "--notes", "--show-only", "templates/NOTES.txt")
	if out != "---\n# Source: basic/templates/NOTES.txt\nbasic is installed as release-name.\nConnect to release-name-basic:6379.\n" {
		t.Fatalf("--notes --show-only templates/NOTES.txt:\n%s", out)
	}
}

// dumpValues renders testdata/dump and returns its .Values (decoded from
// JSON) and the Go kind of each top-level value.
func dumpValues(t *testing.T, args ...string) (map[string]interface{}, string) {
	t.Helper()
	docs := parseOutput(t, mustRender(t, append([]string{"testdata/dump"}, args...)...))
	d := data(t, find(t, docs, "ConfigMap", "dump"))
	var vals map[string]interface{}
	if err := json.Unmarshal([]byte(d["values.json"].(string)), &vals); err != nil {
		t.Fatalf("values.json: %v", err)
	}
	return vals, d["kinds"].(string)
}

func TestValuesMergeOrderAndNullDeletion(t *testing.T) {
	vals, _ := dumpValues(t)
	if vals["a"] != "default-a" || vals["c"] != "default-c" {
		t.Fatalf("defaults not used: %v", vals)
	}

	vals, _ = dumpValues(t, "-f", "testdata/dump/one.yaml", "--values", "testdata/dump/two.yaml", "--set", "a=set-a")
	want := map[string]interface{}{
		"a": "set-a", // --set beats every file
		"b": "two-b", // the later file wins
		// c: null in two.yaml deletes the default
		"nested": map[string]interface{}{
			"keep":  "default-keep", // maps merge deeply
			"over":  "one-over",
			"added": "two-added",
			// drop: null in one.yaml deletes the nested default
		},
		"list": []interface{}{9.0}, // lists are replaced, not merged
		"port": 8080.0,
	}
	if !reflect.DeepEqual(vals, want) {
		t.Fatalf("merged values\n got %v\nwant %v", vals, want)
	}

	// File order matters: two.yaml then one.yaml makes one.yaml's b win.
	vals, _ = dumpValues(t, "-f", "testdata/dump/two.yaml", "-f", "testdata/dump/one.yaml")
	if vals["b"] != "one-b" {
		t.Errorf("b with two.yaml then one.yaml = %v, want one-b", vals["b"])
	}
	// --set applies after the files whatever the order on the command line.
	vals, _ = dumpValues(t, "--set", "b=set-b", "-f", "testdata/dump/two.yaml")
	if vals["b"] != "set-b" {
		t.Errorf("b = %v, want set-b", vals["b"])
	}
	// --set null deletes a default, also nested.
	vals, _ = dumpValues(t, "--set", "a=null", "--set", "nested.keep=null")
	if _, ok := vals["a"]; ok {
		t.Errorf("--set a=null kept a: %v", vals)
	}
	if nested := vals["nested"].(map[string]interface{}); nested["keep"] != nil || nested["over"] != "default-over" {
		t.Errorf("--set nested.keep=null: nested = %v", nested)
	}
}

func TestSetTyping(t *testing.T) {
	vals, kinds := dumpValues(t, "--set", "a=true,b=42,c=010,port=0", "--set", "list={x,y}", "--set", "nested=plain")
	if kinds != "a=bool;b=int64;c=string;list=slice;nested=string;port=int64;" {
		t.Errorf("kinds = %q", kinds)
	}
	if !reflect.DeepEqual(vals["list"], []interface{}{"x", "y"}) {
		t.Errorf("list = %v", vals["list"])
	}
	// Numbers from YAML files are float64, as in Helm; --set-string keeps strings.
	_, kinds = dumpValues(t, "--set-string", "a=true,b=42")
	if kinds != "a=string;b=string;c=string;list=slice;nested=map;port=float64;" {
		t.Errorf("--set-string kinds = %q", kinds)
	}
	vals, _ = dumpValues(t, "--set", `a=x\,y\.z`, "--set", `dotted\.key=v`)
	if vals["a"] != "x,y.z" || vals["dotted.key"] != "v" {
		t.Errorf("escapes: a=%v dotted.key=%v", vals["a"], vals["dotted.key"])
	}
	mustFail(t, `failed parsing --set data: key "novalue" has no value`, "testdata/dump", "--set", "novalue")
}

func TestSchemaRejection(t *testing.T) {
	mustRender(t, "testdata/schema", "--set", "replicas=3", "--set", "image.tag=1.2.3")

	stderr := mustFail(t, "", "testdata/schema", "--set", "replicas=three")
	want := "Error: values don't meet the specifications of the schema(s) in the following chart(s):\n" +
		"schemachart:\n" +
		"- replicas: Invalid type. Expected: integer, given: string\n"
	if stderr != want {
		t.Fatalf("wrong type:\n got %q\nwant %q", stderr, want)
	}

	stderr = mustFail(t, "", "testdata/schema", "--set", "image.tag=latest", "--set", "replicas=0")
	want = "Error: values don't meet the specifications of the schema(s) in the following chart(s):\n" +
		"schemachart:\n" +
		"- image.tag: Does not match pattern '^[0-9]+\\.[0-9]+\\.[0-9]+$'\n" +
		"- replicas: Must be greater than or equal to 1\n"
	if stderr != want {
		t.Fatalf("pattern and minimum:\n got %q\nwant %q", stderr, want)
	}

	mustFail(t, "- (root): image is required", "testdata/schema", "--set", "image=null")
}

func TestRequiredAndFail(t *testing.T) {
	mustFail(t, "Error: execution error at (req/templates/secret.yaml:6:15): A valid .Values.auth.password is required\n",
		"testdata/required")
	mustFail(t, "Error: execution error at (req/templates/secret.yaml:6:15): A valid .Values.auth.password is required\n",
		"testdata/required", "--set", "auth.password=")
	mustFail(t, `Error: execution error at (req/templates/mode.yaml:2:4): mode must be normal or fast, got "slow"`+"\n",
		"testdata/required", "--set", "auth.password=pw", "--set", "mode=slow")

	docs := parseOutput(t, mustRender(t, "testdata/required", "--set", "auth.password=s3cret"))
	d := data(t, find(t, docs, "ConfigMap", "mode"))
	if d["viaInclude"] != "s3cret" || d["mode"] != "normal" {
		t.Errorf("mode data = %v", d)
	}
}

func TestDefineOrderAndYamlJsonFuncs(t *testing.T) {
	docs := parseOutput(t, mustRender(t, "testdata/dupdefine"))
	d := data(t, find(t, docs, "ConfigMap", "dup"))
	want := map[string]interface{}{
		// Helm parses deeper files first, then reverse path order, and
		// the last definition wins: _a.tpl.
		"who":  "a",
		"yaml": "w:\n  z: true\nx:\n- 1\n- 2\n",
		"json": `{"k":[1,"two"]}`,
		"arr":  "p+q",
		"bad":  "error converting YAML to JSON: yaml: line 1: did not find expected node content",
	}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("dup data\n got %q\nwant %q", d, want)
	}
}

func TestInvalidYamlNamesTemplate(t *testing.T) {
	mustFail(t, "Error: YAML parse error on bad/templates/broken.yaml: error converting YAML to JSON: yaml: line 6:",
		"testdata/badyaml")
}

// writeChart creates a chart in a temporary directory from name -> content.
func writeChart(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBadChartYaml(t *testing.T) {
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
	cases := []struct {
		name, chartYAML, want string
	}{
		{"missing", "", "Error: Chart.yaml file is missing"},
		{"no name", "apiVersion: v2\nversion: 1.0.0\n", "Error: validation: chart.metadata.name is required"},
		{"no version", "apiVersion: v2\nname: x\n", "Error: validation: chart.metadata.version is required"},
		{"bad version", "apiVersion: v2\nname: x\nversion: one\n", `Error: validation: chart.metadata.version "one" is invalid`},
		{"no apiVersion", "name: x\nversion: 1.0.0\n", "Error: validation: chart.metadata.apiVersion is required"},
		{"v1", "apiVersion: v1\nname: x\nversion: 1.0.0\n", `chart.metadata.apiVersion "v1" is not supported`},
		{"not yaml", "apiVersion: v2\nname: [x\n", "Error: cannot load Chart.yaml: error converting YAML to JSON"},
		{"library", "apiVersion: v2\nname: x\nversion: 1.0.0\ntype: library\n", "Error: library charts are not installable"},
		{"dependencies", "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies:\n- name: redis\n  repository: https://example.invalid\n", "subcharts are not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"templates/cm.yaml": cm}
			if c.chartYAML != "" {
				files["Chart.yaml"] = c.chartYAML
			}
			mustFail(t, c.want, writeChart(t, files))
		})
	}
	mustFail(t, `Error: path "testdata/nonexistent" not found`, "testdata/nonexistent")
	mustFail(t, "Error: cannot load values.yaml", writeChart(t, map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n", "values.yaml": "a: [1\n"}))
}

func TestEmptyValuesAndTemplateErrors(t *testing.T) {
	chartYAML := "apiVersion: v2\nname: x\nversion: 1.0.0\n"
	dir := writeChart(t, map[string]string{"Chart.yaml": chartYAML, "values.yaml": "",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name | default \"dflt\" }}\n"})
	if out := mustRender(t, dir); !strings.Contains(out, "name: dflt\n") {
		t.Errorf("empty values.yaml: %s", out)
	}
	mustFail(t, "Error: parse error at (x/templates/cm.yaml:1): missing value for if", writeChart(t, map[string]string{
		"Chart.yaml": chartYAML, "templates/cm.yaml": "{{ if }}\n"}))
	mustFail(t, `function "env" not defined`, writeChart(t, map[string]string{
		"Chart.yaml": chartYAML, "templates/cm.yaml": "{{ env \"HOME\" }}\n"}))
	mustFail(t, `function "expandenv" not defined`, writeChart(t, map[string]string{
		"Chart.yaml": chartYAML, "templates/cm.yaml": "{{ expandenv \"$HOME\" }}\n"}))
	mustFail(t, "Error: template: x/templates/cm.yaml:1:3: executing", writeChart(t, map[string]string{
		"Chart.yaml": chartYAML, "templates/cm.yaml": "{{ include \"nope\" . }}\n"}))
}

func TestCommandLine(t *testing.T) {
	mustFail(t, "Error: unknown flag: --bogus", "--bogus", "testdata/basic")
	mustFail(t, "Error: flag needs an argument: --set", "testdata/basic", "--set")
	mustFail(t, "expected exactly one argument", "testdata/basic", "testdata/dump")
	mustFail(t, "expected exactly one argument")
	mustFail(t, `Error: release name "Bad_Name": invalid release name`, "testdata/basic", "--name", "Bad_Name")
	r := render(t, "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "--show-only") {
		t.Errorf("--help: exit %d, stdout %q", r.code, r.stdout)
	}
	// Flags may follow the chart, and --flag=value works.
	if out := mustRender(t, "testdata/basic", "--name=after", "--show-only=templates/service.yaml"); !strings.Contains(out, "name: after-basic\n") {
		t.Errorf("flags after the chart: %s", out)
	}
}
