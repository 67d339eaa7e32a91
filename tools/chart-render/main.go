// Command chart-render renders a Helm v3 chart directory the way
// `helm template` does, so rayc's chart tests can run on machines without a
// helm binary. It is a test tool, not a Helm replacement: one chart, no
// subcharts, no cluster access (lookup returns an empty map).
//
// Build (offline, against the Debian Go packages): see README.md and
// CMakeLists.txt. The program is GOPATH-mode Go (GO111MODULE=off,
// GOPATH=/usr/share/gocode), which is why imports name
// github.com/Masterminds/sprig without its /v3 module suffix.
//
// Layout: main.go (command line), chart.go (loading a chart directory),
// values.go (merging values, --set parsing, schema validation), engine.go
// (templates and their functions), manifest.go (splitting, ordering and
// printing the rendered documents).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// options is everything the command line can say.
type options struct {
	valueFiles  []string
	sets        []string // --set, in order
	setStrings  []string // --set-string, in order (applied after --set, as Helm does)
	releaseName string
	namespace   string
	kubeVersion string
	apiVersions []string
	showOnly    []string
	notes       bool
	skipTests   bool
	chartDir    string
}

// flagSpec is one row of the flag table: a flag either takes a value
// (setValue) or is a switch (setBool).
type flagSpec struct {
	long, short string
	arg         string // name of the value in the usage text; "" for a switch
	help        string
	setValue    func(o *options, v string)
	setBool     func(o *options)
}

var flagTable = []flagSpec{
	{long: "values", short: "f", arg: "FILE", help: "values file, merged in order (repeatable)",
		setValue: func(o *options, v string) { o.valueFiles = append(o.valueFiles, v) }},
	{long: "set", arg: "K=V", help: "set values: a.b=v, a[0]=v, a={x,y}, comma-separated (repeatable)",
		setValue: func(o *options, v string) { o.sets = append(o.sets, v) }},
	{long: "set-string", arg: "K=V", help: "like --set but every value stays a string (repeatable)",
		setValue: func(o *options, v string) { o.setStrings = append(o.setStrings, v) }},
	{long: "name", arg: "NAME", help: "release name (default release-name)",
		setValue: func(o *options, v string) { o.releaseName = v }},
	{long: "namespace", short: "n", arg: "NS", help: "release namespace (default default)",
		setValue: func(o *options, v string) { o.namespace = v }},
	{long: "kube-version", arg: "V", help: "Kubernetes version for .Capabilities (default 1.29.0)",
		setValue: func(o *options, v string) { o.kubeVersion = v }},
	{long: "api-versions", short: "a", arg: "GV", help: "extra API version for .Capabilities.APIVersions (repeatable)",
		setValue: func(o *options, v string) { o.apiVersions = append(o.apiVersions, v) }},
	{long: "show-only", short: "s", arg: "templates/FILE", help: "print only this template's manifests (repeatable, glob)",
		setValue: func(o *options, v string) { o.showOnly = append(o.showOnly, v) }},
	{long: "notes", help: "also print the rendered NOTES.txt after the manifests",
		setBool: func(o *options) { o.notes = true }},
	{long: "skip-tests", help: "omit templates under templates/tests/ and test hooks",
		setBool: func(o *options) { o.skipTests = true }},
}

var errHelp = errors.New("help requested")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program with its streams injected, so the tests can call
// it in-process. It returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args)
	if err == errHelp {
		usage(stdout)
		return 0
	}
	if err == nil {
		var out string
		out, err = renderChart(opts, stderr)
		if err == nil {
			_, _ = io.WriteString(stdout, out)
			return 0
		}
	}
	fmt.Fprintf(stderr, "Error: %s\n", strings.TrimRight(err.Error(), "\n"))
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: chart-render [flags] CHART_DIR")
	fmt.Fprintln(w, "Renders a Helm v3 chart directory like `helm template` and prints the manifests.")
	fmt.Fprintln(w, "Flags:")
	for _, f := range flagTable {
		name := "    --" + f.long
		if f.short != "" {
			name = "-" + f.short + ", --" + f.long
		}
		if f.arg != "" {
			name += " " + f.arg
		}
		fmt.Fprintf(w, "  %-36s %s\n", name, f.help)
	}
}

func lookupFlag(name string) *flagSpec {
	for i := range flagTable {
		f := &flagTable[i]
		if name == "--"+f.long || (f.short != "" && name == "-"+f.short) {
			return f
		}
	}
	return nil
}

// parseArgs accepts flags anywhere (as helm does), in the forms --flag v,
// --flag=v, -f v and -f=v. Exactly one positional argument, the chart
// directory, is required.
func parseArgs(args []string) (*options, error) {
	o := &options{releaseName: "release-name", namespace: "default", kubeVersion: "1.29.0"}
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if a == "-h" || a == "--help" {
			return nil, errHelp
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		f := lookupFlag(name)
		if f == nil {
			return nil, fmt.Errorf("unknown flag: %s (see chart-render --help)", name)
		}
		if f.setBool != nil {
			if hasValue {
				return nil, fmt.Errorf("flag %s takes no value", name)
			}
			f.setBool(o)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag needs an argument: %s", name)
			}
			i++
			value = args[i]
		}
		f.setValue(o, value)
	}
	if len(positional) != 1 {
		return nil, fmt.Errorf("expected exactly one argument, the chart directory, got %d (usage: chart-render [flags] CHART_DIR)", len(positional))
	}
	o.chartDir = positional[0]
	return o, nil
}
