// The template engine: a port of the parts of Helm's pkg/engine that
// `helm template` uses. All files under templates/ are parsed into one
// text/template set (so define/include/template work across files), each
// non-partial is executed with .Values/.Release/.Chart/.Capabilities/
// .Template/.Files, and "<no value>" is removed from the output, as Helm does.
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/semver"
	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

// Values is .Values; like Helm's chartutil.Values it is a map with a few
// helper methods templates occasionally call.
type Values map[string]interface{}

// YAML renders the values as YAML.
func (v Values) YAML() (string, error) {
	b, err := yaml.Marshal(v)
	return string(b), err
}

// AsMap returns the values as a plain map.
func (v Values) AsMap() map[string]interface{} { return v }

// Table returns the sub-map at a dotted path, or an error when there is none.
func (v Values) Table(name string) (Values, error) {
	cur := map[string]interface{}(v)
	for _, part := range strings.Split(name, ".") {
		next, ok := cur[part].(map[string]interface{})
		if !ok {
			return Values{}, fmt.Errorf("no table named %q", name)
		}
		cur = next
	}
	return Values(cur), nil
}

// KubeVersion is .Capabilities.KubeVersion (Helm's chartutil.KubeVersion).
type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

func (kv *KubeVersion) String() string { return kv.Version }

// GitVersion is kept because charts still use it (deprecated in Helm).
func (kv *KubeVersion) GitVersion() string { return kv.Version }

// VersionSet is .Capabilities.APIVersions.
type VersionSet []string

// Has reports whether an API version ("apps/v1") or a version and kind
// ("apps/v1/Deployment") is available.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// HelmVersion is .Capabilities.HelmVersion (Helm's version.BuildInfo).
type HelmVersion struct {
	Version      string `json:"version,omitempty"`
	GitCommit    string `json:"git_commit,omitempty"`
	GitTreeState string `json:"git_tree_state,omitempty"`
	GoVersion    string `json:"go_version,omitempty"`
}

// Capabilities is .Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion HelmVersion
}

// builtinAPIVersions stands in for Helm's DefaultVersionSet (built from the
// client-go scheme): the GA built-in groups of Kubernetes 1.29, and the
// group/version/kind entries of their common kinds.
var builtinAPIVersions = map[string][]string{
	"v1": {"Binding", "ConfigMap", "Endpoints", "Event", "LimitRange", "Namespace", "Node",
		"PersistentVolume", "PersistentVolumeClaim", "Pod", "PodTemplate", "ReplicationController",
		"ResourceQuota", "Secret", "Service", "ServiceAccount"},
	"admissionregistration.k8s.io/v1": {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"},
	"apiextensions.k8s.io/v1":         {"CustomResourceDefinition"},
	"apiregistration.k8s.io/v1":       {"APIService"},
	"apps/v1":                         {"ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"},
	"authentication.k8s.io/v1":        {"TokenReview"},
	"authorization.k8s.io/v1": {"LocalSubjectAccessReview", "SelfSubjectAccessReview",
		"SelfSubjectRulesReview", "SubjectAccessReview"},
	"autoscaling/v1":                       {"HorizontalPodAutoscaler"},
	"autoscaling/v2":                       {"HorizontalPodAutoscaler"},
	"batch/v1":                             {"CronJob", "Job"},
	"certificates.k8s.io/v1":               {"CertificateSigningRequest"},
	"coordination.k8s.io/v1":               {"Lease"},
	"discovery.k8s.io/v1":                  {"EndpointSlice"},
	"events.k8s.io/v1":                     {"Event"},
	"flowcontrol.apiserver.k8s.io/v1beta3": {"FlowSchema", "PriorityLevelConfiguration"},
	"networking.k8s.io/v1":                 {"Ingress", "IngressClass", "NetworkPolicy"},
	"node.k8s.io/v1":                       {"RuntimeClass"},
	"policy/v1":                            {"PodDisruptionBudget"},
	"rbac.authorization.k8s.io/v1":         {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"},
	"scheduling.k8s.io/v1":                 {"PriorityClass"},
	"storage.k8s.io/v1":                    {"CSIDriver", "CSINode", "CSIStorageCapacity", "StorageClass", "VolumeAttachment"},
}

// newCapabilities builds .Capabilities for a --kube-version (with or without
// a leading "v") plus any --api-versions, as Helm's ParseKubeVersion does.
func newCapabilities(kubeVersion string, extra []string) (*Capabilities, error) {
	if !strings.HasPrefix(kubeVersion, "v") {
		kubeVersion = "v" + kubeVersion
	}
	v, err := semver.NewVersion(kubeVersion)
	if err != nil {
		return nil, fmt.Errorf("invalid kube version %q: %w", kubeVersion, err)
	}
	var set VersionSet
	for gv, kinds := range builtinAPIVersions {
		set = append(set, gv)
		for _, k := range kinds {
			set = append(set, gv+"/"+k)
		}
	}
	set = append(set, extra...)
	sort.Strings(set)
	return &Capabilities{
		KubeVersion: KubeVersion{
			Version: "v" + v.String(),
			Major:   strconv.FormatUint(v.Major(), 10),
			Minor:   strconv.FormatUint(v.Minor(), 10),
		},
		APIVersions: set,
		HelmVersion: HelmVersion{Version: "v3.14.0", GitTreeState: "clean", GoVersion: runtime.Version()},
	}, nil
}

// files is .Files (Helm's engine.files): the chart's non-template files.
type files map[string][]byte

// GetBytes returns a file's content, or nil.
func (f files) GetBytes(name string) []byte { return f[name] }

// Get returns a file's content as a string, or "".
func (f files) Get(name string) string { return string(f.GetBytes(name)) }

// Glob returns the files whose path matches pattern: "*" and "?" stop at
// "/", "**" crosses it, "[...]" and "{a,b}" work as in gobwas/glob.
func (f files) Glob(pattern string) files {
	re, err := globRegexp(pattern)
	out := files{}
	if err != nil {
		return out
	}
	for name, data := range f {
		if re.MatchString(name) {
			out[name] = data
		}
	}
	return out
}

// AsConfig renders the files as a ConfigMap data map (base name -> text).
func (f files) AsConfig() string {
	if len(f) == 0 {
		return ""
	}
	m := make(map[string]string, len(f))
	for k, v := range f {
		m[path.Base(k)] = string(v)
	}
	return toYAML(m)
}

// AsSecrets renders the files as a Secret data map (base name -> base64).
func (f files) AsSecrets() string {
	if len(f) == 0 {
		return ""
	}
	m := make(map[string]string, len(f))
	for k, v := range f {
		m[path.Base(k)] = base64.StdEncoding.EncodeToString(v)
	}
	return toYAML(m)
}

// Lines returns a file's lines (without a final empty line).
func (f files) Lines(name string) []string {
	data, ok := f[name]
	if !ok || len(data) == 0 {
		return []string{}
	}
	s := strings.TrimSuffix(string(data), "\n")
	return strings.Split(s, "\n")
}

func globRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	inBraces := 0
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch c {
		case '*':
			if i+1 < len(pattern) && pattern[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := strings.IndexByte(pattern[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unterminated [ in %q", pattern)
			}
			class := pattern[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += j
		case '{':
			inBraces++
			b.WriteString("(?:")
		case '}':
			if inBraces == 0 {
				b.WriteString(regexp.QuoteMeta("}"))
				continue
			}
			inBraces--
			b.WriteString(")")
		case ',':
			if inBraces > 0 {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		case '\\':
			if i+1 < len(pattern) {
				i++
				b.WriteString(regexp.QuoteMeta(string(pattern[i])))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if inBraces != 0 {
		return nil, fmt.Errorf("unterminated { in %q", pattern)
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// toYAML is Helm's toYaml: errors are swallowed into "", and the trailing
// newline is trimmed so that `toYaml . | nindent N` composes.
func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func mustToYAML(v interface{}) (string, error) {
	data, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(data), "\n"), nil
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	a := []interface{}{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func mustToJSON(v interface{}) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(data), nil
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// required/fail wrap their message in these markers so that
// cleanupExecError can report it alone, as Helm does.
const (
	warnStartDelim = "HELM_ERR_START"
	warnEndDelim   = "HELM_ERR_END"
	// includeMaxDepth bounds recursive include of one name (Helm's
	// recursionMaxNums), so a self-including define fails instead of
	// exhausting the stack.
	includeMaxDepth = 1000
)

var warnRegex = regexp.MustCompile(warnStartDelim + `((?s).*)` + warnEndDelim)

func warnWrap(msg string) string { return warnStartDelim + msg + warnEndDelim }

// baseFuncMap is Helm's funcMap(): sprig's text functions without env and
// expandenv, plus Helm's own. include and tpl are bound per template set in
// bindFuncs.
func baseFuncMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toYaml":        toYAML,
		"mustToYaml":    mustToYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"mustToJson":    mustToJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"required": func(msg string, val interface{}) (interface{}, error) {
			if val == nil {
				return val, errors.New(warnWrap(msg))
			}
			if s, ok := val.(string); ok && s == "" {
				return val, errors.New(warnWrap(msg))
			}
			return val, nil
		},
		"fail": func(msg string) (string, error) {
			return "", errors.New(warnWrap(msg))
		},
		// helm template has no cluster: lookup finds nothing.
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
		// Helm disables DNS lookups unless --enable-dns.
		"getHostByName": func(string) string { return "" },
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// bindFuncs adds include and tpl, which close over the template set t (and,
// for tpl, over a clone of it) so that named templates are shared.
func bindFuncs(t *template.Template, included map[string]int) {
	t.Funcs(template.FuncMap{
		"include": includeFunc(t, included),
		"tpl":     tplFunc(t, included),
	})
}

func includeFunc(t *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		if included[name] > includeMaxDepth {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
		}
		included[name]++
		defer func() { included[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
}

func tplFunc(parent *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(tpl string, vals interface{}) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		// Clone drops the missingkey option (golang/go#43022).
		t.Option("missingkey=zero")
		bindFuncs(t, included)
		t, err = t.New(parent.Name()).Parse(tpl)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", tpl, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", tpl, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// parseOrder is Helm's sortTemplates: deeper paths first, and within a
// depth reverse lexical order. It decides which `define` wins when two files
// define the same name (the one parsed last).
func parseOrder(names []string) []string {
	out := append([]string(nil), names...)
	sort.Slice(out, func(i, j int) bool {
		ci, cj := strings.Count(out[i], "/"), strings.Count(out[j], "/")
		if ci != cj {
			return ci > cj
		}
		return out[i] > out[j]
	})
	return out
}

// cleanupParseError is Helm's: "parse error at (FILE:LINE): MESSAGE".
func cleanupParseError(filename string, err error) error {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		return fmt.Errorf("parse error in (%s): %s", filename, err)
	}
	return fmt.Errorf("parse error at (%s): %s", tokens[1], tokens[len(tokens)-1])
}

// cleanupExecError is Helm's: a required/fail message becomes
// "execution error at (FILE:LINE:COL): MESSAGE"; other errors stay as
// text/template reports them.
func cleanupExecError(filename string, err error) error {
	var execErr template.ExecError
	if !errors.As(err, &execErr) {
		return err
	}
	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) != 3 {
		return fmt.Errorf("execution error in (%s): %s", filename, err)
	}
	if parts := warnRegex.FindStringSubmatch(tokens[2]); len(parts) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", tokens[1], parts[1])
	}
	return err
}

// renderTemplates parses every template of c into one set and executes each
// one that is not a partial. top holds .Values, .Release, .Chart,
// .Capabilities, .Files; .Template is added per file. The result maps
// "CHART/templates/FILE" to its output.
func renderTemplates(c *chart, top map[string]interface{}) (rendered map[string]string, reterr error) {
	defer func() {
		if r := recover(); r != nil {
			reterr = fmt.Errorf("rendering template failed: %v", r)
		}
	}()
	sources := map[string]string{}
	var names []string
	for _, f := range c.templates {
		name := path.Join(c.name(), f.name)
		sources[name] = string(f.data)
		names = append(names, name)
	}

	t := template.New("gotpl")
	t.Option("missingkey=zero")
	t.Funcs(baseFuncMap())
	bindFuncs(t, map[string]int{})
	// Parsed and executed in Helm's order, so that the same `define` wins
	// and the same error is reported first.
	order := parseOrder(names)
	for _, name := range order {
		if _, err := t.New(name).Parse(sources[name]); err != nil {
			return nil, cleanupParseError(name, err)
		}
	}

	basePath := path.Join(c.name(), "templates")
	rendered = make(map[string]string, len(names))
	for _, name := range order {
		if strings.HasPrefix(path.Base(name), "_") {
			continue
		}
		vals := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": name, "BasePath": basePath}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, name, vals); err != nil {
			return nil, cleanupExecError(name, err)
		}
		rendered[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return rendered, nil
}
