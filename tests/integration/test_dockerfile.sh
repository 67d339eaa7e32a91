#!/usr/bin/env bash
# The Dockerfile without docker (these machines have none): its build stage is
# replayed on a copy of exactly the paths it COPYs, with its own cmake lines,
# and the runtime stage's package list is checked against every shared library
# the installed programs load (each library's Debian package must be in that
# list's dependency closure or in the slim base image). Also: the build stage
# installs the libraries tools/setup-deps.sh names, the image runs as a numeric
# non-root user, and tini is PID 1.
# labels: integration
# timeout: 600
source "$(dirname "$0")/lib.sh"

DF="$RC_SRC/Dockerfile"
[ -f "$DF" ] || { echo "no Dockerfile at $DF"; exit 1; }

# The build stage's -dev libraries cover setup-deps.sh's "libraries" block.
build_pkgs=$(sed -n '/AS build/,/^FROM /p' "$DF" | tr ' \\' '\n\n' | grep -E '^lib.*-dev$|^protobuf-c-compiler$' | sort -u)
want=$(sed -n '/^  # libraries/,/^  # runtime/p' "$RC_SRC/tools/setup-deps.sh" | tr ' ' '\n' | grep -E '^lib.*-dev$|^protobuf-c-compiler$' | sort -u)
t_check "build stage installs setup-deps' libraries" "" "$(comm -13 <(echo "$build_pkgs") <(echo "$want") | tr '\n' ' ')"

t_match "runs as a numeric non-root user in group 0" $'\nUSER 1000:0\n' "$(cat "$DF")"
t_match "tini is the entrypoint" 'ENTRYPOINT \["/usr/bin/tini", "--"\]' "$(cat "$DF")"

# Replay the build stage: copy what it COPYs, run its RUN cmake line.
ctx="$T_DIR/context"
mkdir -p "$ctx"
while read -r src; do
  [ -e "$RC_SRC/$src" ] || { t_check "COPY source $src exists" yes no; continue; }
  mkdir -p "$ctx/$(dirname "$src")"
  cp -a "$RC_SRC/$src" "$ctx/$src"
done < <(sed -n '/AS build/,/^FROM /p' "$DF" | awk '$1 == "COPY" && $2 !~ /^--/ {print $2}' | sed 's|/$||')
if [ -n "${RC_SANITIZE:-}" ]; then
  # The sanitizer runs of the suite build the same sources; once is enough.
  echo "skipping the build replay under RC_SANITIZE=$RC_SANITIZE"
  t_done
  exit $?
fi
cmds=$(sed -n '/AS build/,/^FROM /p' "$DF" | sed -n '/^RUN cmake/,/[^\\]$/p' | sed 's/^RUN //; s/\\$//' |
  sed "s|/build|$T_DIR/build|g; s|/opt/rayc|$T_DIR/opt/rayc|g" | tr '\n' ' ')
out=$(cd "$ctx" && bash -c "$cmds" 2>&1) && rc=0 || rc=$?
t_check "the build stage's cmake lines build and install the copied sources" "0" "$rc"
[ $rc -eq 0 ] || { echo "$out" | tail -40; t_done; exit 1; }
for p in rayc rayc-head rayc-worker rayc-executor rayc-job-runner rayc-operator; do
  [ -x "$T_DIR/opt/rayc/bin/$p" ] && t_check "image has bin/$p" ok ok || t_check "image has bin/$p" present missing
done

# Every library the installed programs load comes with the runtime packages.
runtime=$(sed -n '/runtime-packages: begin/,/runtime-packages: end/p' "$DF" | tr ' \\' '\n\n' |
  grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -v -E '^(RUN|apt-get|install|update|rm|rf|y|no|DEBIAN_FRONTEND)$' | sort -u)
missing=$(find "$T_DIR/opt/rayc" -type f \( -perm -u+x -o -name '*.so*' \) -exec sh -c '[ "$(head -c 4 "$1" | tail -c 3)" = ELF ] && ldd "$1"' _ {} \; 2>/dev/null |
  awk '$2 == "=>" && $3 ~ /^\// {print $3}' | grep -v "^$T_DIR/opt/rayc/" | sort -u |
  python3 "$RC_SRC/tests/integration/deb_closure.py" $runtime)
t_check "runtime packages provide every loaded library" "" "$missing"
t_done
