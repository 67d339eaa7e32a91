// Loading a chart directory the way Helm's chart loader does: Chart.yaml into
// Metadata (validated like chart.Metadata.Validate), values.yaml, an optional
// values.schema.json, everything under templates/ as templates, and every
// other file as .Files. .helmignore is honoured in a minimal form (see
// ignoreRules). Subcharts are refused rather than silently rendered wrong.
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/Masterminds/semver"
	"sigs.k8s.io/yaml"
)

// Metadata mirrors Helm's chart.Metadata: templates see it as .Chart, so the
// field names (APIVersion, AppVersion, ...) must be Helm's exactly.
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []*Dependency     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

// Maintainer mirrors Helm's chart.Maintainer.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Dependency is only read to refuse charts that have any.
type Dependency struct {
	Name       string `json:"name"`
	Version    string `json:"version,omitempty"`
	Repository string `json:"repository"`
}

// chartFile is one file of the chart; name is relative to the chart root and
// uses "/" separators (templates/deployment.yaml).
type chartFile struct {
	name string
	data []byte
}

type chart struct {
	meta      *Metadata
	values    map[string]interface{}
	schema    []byte // nil when the chart has no values.schema.json
	templates []chartFile
	files     []chartFile
}

func (c *chart) name() string { return c.meta.Name }

// validateMetadata reports what Helm's Metadata.Validate reports, plus the
// apiVersion v2 requirement of this tool.
func validateMetadata(md *Metadata) error {
	if md.APIVersion == "" {
		return errors.New("validation: chart.metadata.apiVersion is required")
	}
	if md.APIVersion != "v2" {
		return fmt.Errorf("validation: chart.metadata.apiVersion %q is not supported: chart-render renders Helm 3 charts (apiVersion: v2)", md.APIVersion)
	}
	if md.Name == "" {
		return errors.New("validation: chart.metadata.name is required")
	}
	if md.Name != filepath.Base(md.Name) {
		return fmt.Errorf("validation: chart.metadata.name %q is invalid", md.Name)
	}
	if md.Version == "" {
		return errors.New("validation: chart.metadata.version is required")
	}
	if _, err := semver.NewVersion(md.Version); err != nil {
		return fmt.Errorf("validation: chart.metadata.version %q is invalid", md.Version)
	}
	if md.Type != "" && md.Type != "application" && md.Type != "library" {
		return errors.New("validation: chart.metadata.type must be application or library")
	}
	return nil
}

// readValuesYAML parses a values document as Helm does (sigs.k8s.io/yaml,
// so numbers become float64); an empty document is an empty map.
func readValuesYAML(data []byte) (map[string]interface{}, error) {
	var vals map[string]interface{}
	if err := yaml.Unmarshal(data, &vals); err != nil {
		return nil, err
	}
	if vals == nil {
		vals = map[string]interface{}{}
	}
	return vals, nil
}

// ignoreRules is a minimal .helmignore: one glob a line; a pattern containing
// "/" (other than a trailing one) is matched against the path from the chart
// root, any other against the base name; a trailing "/" matches directories
// only. Negation ("!") and "**" are not supported and are skipped.
type ignoreRules struct {
	patterns []string
}

func loadIgnoreRules(dir string) (*ignoreRules, error) {
	// Helm's default rule: hidden files inside templates/ are never templates.
	r := &ignoreRules{patterns: []string{"templates/.?*"}}
	data, err := os.ReadFile(filepath.Join(dir, ".helmignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") || strings.Contains(line, "**") {
			continue
		}
		r.patterns = append(r.patterns, strings.TrimPrefix(line, "/"))
	}
	return r, nil
}

func (r *ignoreRules) ignored(rel string, isDir bool) bool {
	for _, p := range r.patterns {
		dirOnly := strings.HasSuffix(p, "/")
		p = strings.TrimSuffix(p, "/")
		if dirOnly && !isDir {
			continue
		}
		target := path.Base(rel)
		if strings.Contains(p, "/") {
			target = rel
		}
		if ok, _ := path.Match(p, target); ok {
			return true
		}
	}
	return false
}

// loadChart reads a chart directory. Errors name the file at fault.
func loadChart(dir string) (*chart, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("path %q not found", dir)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%q is not a directory: chart-render reads unpacked chart directories only", dir)
	}
	rules, err := loadIgnoreRules(dir)
	if err != nil {
		return nil, err
	}

	c := &chart{values: map[string]interface{}{}}
	var chartYAML, valuesYAML []byte
	haveChartYAML := false
	walkErr := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if rules.ignored(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file (symlinks and devices are not supported)", rel)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case rel == "Chart.yaml":
			chartYAML, haveChartYAML = data, true
		case rel == "values.yaml":
			valuesYAML = data
		case rel == "values.schema.json":
			c.schema = data
		case rel == "Chart.lock":
			// Describes dependencies, which are refused below anyway.
		case strings.HasPrefix(rel, "templates/"):
			c.templates = append(c.templates, chartFile{rel, data})
		case strings.HasPrefix(rel, "charts/"):
			return fmt.Errorf("%s: subcharts (charts/) are not supported by chart-render", rel)
		default:
			c.files = append(c.files, chartFile{rel, data})
		}
		return nil
	})
	if walkErr != nil {
		return nil, walkErr
	}

	if !haveChartYAML {
		return nil, errors.New("Chart.yaml file is missing")
	}
	c.meta = &Metadata{}
	if err := yaml.Unmarshal(chartYAML, c.meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %w", err)
	}
	if err := validateMetadata(c.meta); err != nil {
		return nil, err
	}
	if len(c.meta.Dependencies) > 0 {
		return nil, fmt.Errorf("Chart.yaml lists dependencies: subcharts are not supported by chart-render")
	}
	if valuesYAML != nil {
		vals, err := readValuesYAML(valuesYAML)
		if err != nil {
			return nil, fmt.Errorf("cannot load values.yaml: %w", err)
		}
		c.values = vals
	}
	sort.Slice(c.templates, func(i, j int) bool { return c.templates[i].name < c.templates[j].name })
	sort.Slice(c.files, func(i, j int) bool { return c.files[i].name < c.files[j].name })
	return c, nil
}
