#!/usr/bin/env bash
# Runs the RUN commands of a Dockerfile's build stage outside a container, from the repository root, with its output
# folder (/app) mapped to a temporary one: what `docker build` would execute, on a machine without a container engine.
# Prints the output folder on the last line. Usage: docker/check-dockerfile.sh [docker/Dockerfile] [output-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
dockerfile=${1:-docker/Dockerfile}
out=${2:-$(mktemp -d)}
# The build stage: from the first FROM to the next FROM; RUN lines with continuations joined.
commands=$(awk '/^FROM /{n++} n==1' "$dockerfile" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | sed -n 's/^RUN //p')
[ -n "$commands" ] || { echo "no RUN commands in the build stage of $dockerfile" >&2; exit 1; }
while IFS= read -r command; do
  command=${command//\/app/$out}
  echo "+ $command"
  bash -c "$command"
done <<< "$commands"
test -f "$out/StyleGrpc.Server.dll" || { echo "the build stage produced no StyleGrpc.Server.dll in $out" >&2; exit 1; }
echo "$out"
