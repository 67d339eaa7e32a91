// From rendered templates to what `helm template` prints: each template's
// output is split into YAML documents, each document's head (apiVersion,
// kind, metadata) is parsed -- a document that is not valid YAML fails the
// render, naming its template, as Helm's manifest sorter does -- documents
// carrying a helm.sh/hook annotation become hooks, ordinary manifests are
// ordered by kind (Helm's InstallOrder) and printed first, hooks after.
package main

import (
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver"
	"sigs.k8s.io/yaml"
)

// installOrder is Helm's releaseutil.InstallOrder; unknown kinds go last,
// in alphabetical order of kind.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
	"Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService",
}

// hookEvents are the values helm.sh/hook may list; a document with any
// other value is skipped, as Helm skips unknown hooks.
var hookEvents = map[string]bool{
	"pre-install": true, "post-install": true, "pre-delete": true, "post-delete": true,
	"pre-upgrade": true, "post-upgrade": true, "pre-rollback": true, "post-rollback": true,
	"test": true, "test-success": true,
}

// simpleHead is what Helm parses of every document.
type simpleHead struct {
	Version  string `json:"apiVersion"`
	Kind     string `json:"kind,omitempty"`
	Metadata *struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata,omitempty"`
}

type manifest struct {
	source  string // CHART/templates/FILE
	content string // the document, trimmed
	kind    string
	isTest  bool // a test hook, or under templates/tests/
}

var docSep = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

// splitDocs is Helm's releaseutil.SplitManifests, in document order.
func splitDocs(s string) []string {
	var out []string
	for _, d := range docSep.Split(strings.TrimSpace(s), -1) {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

func kindRank(kind string) (int, bool) {
	for i, k := range installOrder {
		if k == kind {
			return i, true
		}
	}
	return 0, false
}

// lessByKind is Helm's: known kinds by install order, unknown kinds after
// them alphabetically; the sort is stable, so equal kinds keep file order.
func lessByKind(a, b string) bool {
	ra, oka := kindRank(a)
	rb, okb := kindRank(b)
	switch {
	case !oka && !okb:
		return a < b
	case !oka:
		return false
	case !okb:
		return true
	default:
		return ra < rb
	}
}

func sortByKind(ms []manifest) {
	sort.SliceStable(ms, func(i, j int) bool { return lessByKind(ms[i].kind, ms[j].kind) })
}

// sortManifests splits the rendered files (sorted by path) into ordinary
// manifests and hooks, each ordered by kind.
func sortManifests(rendered map[string]string, testsDir string, warn io.Writer) (generic, hooks []manifest, err error) {
	var paths []string
	for p := range rendered {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		content := rendered[p]
		if strings.TrimSpace(content) == "" {
			continue
		}
		underTests := strings.HasPrefix(p, testsDir)
		for _, doc := range splitDocs(content) {
			var head simpleHead
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return nil, nil, fmt.Errorf("YAML parse error on %s: %w", p, err)
			}
			m := manifest{source: p, content: doc, kind: head.Kind, isTest: underTests}
			var hookAnn string
			isHook := false
			if head.Metadata != nil {
				hookAnn, isHook = head.Metadata.Annotations["helm.sh/hook"]
			}
			if !isHook {
				generic = append(generic, m)
				continue
			}
			known := true
			for _, ev := range strings.Split(hookAnn, ",") {
				ev = strings.ToLower(strings.TrimSpace(ev))
				if !hookEvents[ev] {
					known = false
					break
				}
				if ev == "test" || ev == "test-success" {
					m.isTest = true
				}
			}
			if !known {
				fmt.Fprintf(warn, "info: skipping unknown hook: %q\n", hookAnn)
				continue
			}
			hooks = append(hooks, m)
		}
	}
	sortByKind(generic)
	sortByKind(hooks)
	return generic, hooks, nil
}

// renderChart does what `helm template` does for opts and returns stdout.
// Warnings (deprecated chart, value coalescing) go to warn.
func renderChart(o *options, warn io.Writer) (string, error) {
	if err := validateReleaseName(o.releaseName); err != nil {
		return "", err
	}
	c, err := loadChart(o.chartDir)
	if err != nil {
		return "", err
	}
	if c.meta.Type != "" && c.meta.Type != "application" {
		return "", fmt.Errorf("%s charts are not installable", c.meta.Type)
	}
	if c.meta.Deprecated {
		fmt.Fprintln(warn, "WARNING: This chart is deprecated")
	}
	caps, err := newCapabilities(o.kubeVersion, o.apiVersions)
	if err != nil {
		return "", err
	}
	if c.meta.KubeVersion != "" {
		ok, err := kubeVersionCompatible(c.meta.KubeVersion, caps.KubeVersion.Version)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", c.meta.KubeVersion, caps.KubeVersion.Version)
		}
	}

	user, err := userValues(o)
	if err != nil {
		return "", err
	}
	vals := coalesceValues(warn, c.name(), c.values, user)
	if c.schema != nil {
		if err := validateSchema(c.name(), c.schema, vals); err != nil {
			return "", err
		}
	}

	fileMap := files{}
	for _, f := range c.files {
		fileMap[f.name] = f.data
	}
	top := map[string]interface{}{
		"Values":       Values(vals),
		"Chart":        c.meta,
		"Capabilities": caps,
		"Files":        fileMap,
		"Subcharts":    map[string]interface{}{},
		"Release": map[string]interface{}{
			"Name":      o.releaseName,
			"Namespace": o.namespace,
			"IsUpgrade": false,
			"IsInstall": true,
			"Revision":  1,
			"Service":   "Helm",
		},
	}
	rendered, err := renderTemplates(c, top)
	if err != nil {
		return "", err
	}

	// NOTES.txt is rendered (so its errors fail the render, as in Helm) but
	// is not a manifest; only the chart's own templates/NOTES.txt is kept.
	notesName := path.Join(c.name(), "templates", "NOTES.txt")
	notes := strings.TrimSpace(rendered[notesName])
	for name := range rendered {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(rendered, name)
		}
	}

	generic, hooks, err := sortManifests(rendered, path.Join(c.name(), "templates", "tests")+"/", warn)
	if err != nil {
		return "", err
	}

	// Assembled as cmd/helm/template.go does: the release manifest (trimmed),
	// then the hooks.
	var rel strings.Builder
	for _, m := range generic {
		if o.skipTests && m.isTest {
			continue
		}
		fmt.Fprintf(&rel, "---\n# Source: %s\n%s\n", m.source, m.content)
	}
	var out strings.Builder
	fmt.Fprintln(&out, strings.TrimSpace(rel.String()))
	for _, m := range hooks {
		if o.skipTests && m.isTest {
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", m.source, m.content)
	}
	if o.notes && notes != "" {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", notesName, notes)
	}
	if len(o.showOnly) == 0 {
		return out.String(), nil
	}
	return showOnly(out.String(), o.showOnly)
}

var sourceRe = regexp.MustCompile(`# Source: [^/]+/(.+)`)

// showOnly is helm template --show-only: keep the documents whose source
// (relative to the chart, e.g. templates/svc.yaml) matches one of the
// patterns, in the order of the patterns.
func showOnly(all string, patterns []string) (string, error) {
	docs := splitDocs(all)
	var b strings.Builder
	for _, pat := range patterns {
		pat = filepath.ToSlash(pat)
		found := false
		for _, d := range docs {
			sub := sourceRe.FindStringSubmatch(d)
			if sub == nil {
				continue
			}
			if ok, _ := filepath.Match(pat, sub[1]); !ok {
				continue
			}
			fmt.Fprintf(&b, "---\n%s\n", d)
			found = true
		}
		if !found {
			return "", fmt.Errorf("could not find template %s in chart", pat)
		}
	}
	return b.String(), nil
}

var releaseNameRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// validateReleaseName is Helm's chartutil.ValidateReleaseName.
func validateReleaseName(name string) error {
	if name == "" || len(name) > 53 || !releaseNameRe.MatchString(name) {
		return fmt.Errorf("release name %q: invalid release name, must match regex %s and the length must not be longer than 53", name, releaseNameRe.String())
	}
	return nil
}

// kubeVersionCompatible is Helm's chartutil.IsCompatibleRange.
func kubeVersionCompatible(constraint, version string) (bool, error) {
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return false, fmt.Errorf("Chart.yaml: invalid kubeVersion constraint %q: %w", constraint, err)
	}
	v, err := semver.NewVersion(version)
	if err != nil {
		return false, err
	}
	return c.Check(v), nil
}
