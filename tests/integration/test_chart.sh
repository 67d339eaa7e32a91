#!/usr/bin/env bash
# The Helm chart charts/ray, without a cluster: rendered by tools/chart-render
# (what `helm template` prints) under the default values, every value set
# (tests/chart/values-full.yaml), a KubeRay-style values file and --set
# variations; tests/chart/check_chart.py follows each value to its object,
# checks the schema turns bad values away by name, lints every output with
# yamllint and validates every object with npm's kubernetes-models
# (tests/chart/validate.mjs). One line per check, then the tally.
# labels: integration;chart
# timeout: 300
set -euo pipefail

: "${RC_BIN:?RC_BIN must point at build/bin (set by CTest)}"
SRC=${RC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
CHART_TESTS="$SRC/tests/chart"

missing() {
  echo "not ok - prerequisite: $1"
  echo "0 passed, 1 failed"
  exit 1
}

RENDER="$RC_BIN/chart-render"
[ -x "$RENDER" ] || missing "$RENDER is absent: install golang-go: tools/setup-deps.sh, then rebuild"
/usr/bin/python3 -c 'import yaml' 2>/dev/null || missing "python3-yaml: tools/setup-deps.sh"
command -v yamllint >/dev/null || missing "yamllint: tools/setup-deps.sh"
command -v node >/dev/null || missing "node: tools/setup-deps.sh"
[ -d "$CHART_TESTS/node_modules/kubernetes-models" ] ||
  missing "kubernetes-models is not installed in tests/chart: tools/setup-deps.sh (runs npm ci there)"

exec /usr/bin/python3 "$CHART_TESTS/check_chart.py" --render "$RENDER" --chart "$SRC/charts/ray"
