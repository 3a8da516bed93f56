#!/usr/bin/env bash
# Builds docker/Dockerfile with podman and runs the image as users run it, on a Debian 12 machine that reaches no container
# registry (CI calls it after the tests: .ci/run). As root:
#  1. installs podman, runc, debootstrap and podman-compose with apt when they are missing;
#  2. builds local base images once, cached (STYLEGRPC_BASES_DIR, default /var/cache/stylegrpc-bases, and podman's own
#     storage): a Debian 12 minbase by debootstrap, then build/container/bases.Containerfile's "runtime" and "sdk" (the
#     machine's /usr/share/dotnet copied in) and "redis" (Debian's redis-server);
#  3. builds the image with them as SDK_IMAGE/RUNTIME_IMAGE (the machine's NuGet package folder mounted into the restore);
#  4. runs it alone with --cpus 1, read-only, all capabilities dropped, as its non-root user, a data volume and API keys, on
#     free loopback ports: the image's HEALTHCHECK turns healthy, the CLI (outside) registers a style and stylises a small
#     picture with 1 thread, the page, /v1/info and /metrics answer, a call without a key is refused; SIGTERM during a job
#     exits 0 within the grace period, the job is handed back, and a new container on the same volume resumes it;
#  5. runs docker/compose.yaml with podman-compose (two replicas, Redis with AOF, on compose's own network and published
#     ports): a job submitted to replica 1 is watched to the same result on both replicas; both stop with 0.
# Everything it starts (containers, volumes, the compose network) is removed on exit, also on failure; the images stay as a
# cache (localhost/stylegrpc-check:latest, its :build-stage, the bases). Prints each step's time.
# podman runs with build/container/containers.conf (CONTAINERS_CONF), runc and cgroupfs: what these machines permit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

[ "$(id -u)" -eq 0 ] || { echo "container-check: run as root (apt, debootstrap and rootful podman)" >&2; exit 1; }
command -v dotnet >/dev/null 2>&1 || { echo "container-check: the .NET SDK is not installed (global.json)" >&2; exit 1; }

export CONTAINERS_CONF="$repo/build/container/containers.conf"
pm() { podman --runtime runc --cgroup-manager=cgroupfs "$@"; }

bases_dir=${STYLEGRPC_BASES_DIR:-/var/cache/stylegrpc-bases}
image=${STYLEGRPC_CHECK_IMAGE:-localhost/stylegrpc-check:latest}
nuget=${NUGET_PACKAGES:-$HOME/.nuget/packages}
cli_dll="$repo/clients/StyleGrpc.Cli/bin/Debug/net10.0/stylegrpc.dll"
run="stylegrpc-check-$$"
project="stylegrpccheck$$"
grace=40           # podman stop's grace period: longer than the drain below + the server's 20 s of shutdown
drain=10
work=$(mktemp -d)

# Timing: each step's wall-clock seconds, printed as it ends and again at the end.
timings=()
step_name=""
step_start=0
check_start=$(date +%s%N)
now() { date +%s%N; }
seconds() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e9 }'; }
step() { step_name=$1; step_start=$(now); echo "container-check: $step_name ..."; }
step_done() {
  local took; took=$(seconds $(( $(now) - step_start )))
  timings+=("$(printf '%7s s  %s' "$took" "$step_name")")
  echo "container-check: $step_name: ${1:-done} (${took} s)"
  step_name=""
}
fail() { echo "container-check: FAILED in '$step_name': $*" >&2; exit 1; }

cleanup() {
  local status=$?
  set +e
  [ "$status" -ne 0 ] && [ -n "$step_name" ] && echo "container-check: step '$step_name' did not finish (exit $status)" >&2
  for filter in "label=stylegrpc-check=$run" "label=io.podman.compose.project=$project"; do
    if [ "$status" -ne 0 ]; then
      for c in $(pm ps -a --format '{{.Names}}' --filter "$filter" 2>/dev/null); do
        echo "--- the last lines of $c's log:" >&2
        pm logs --tail 40 "$c" >&2 2>&1
      done
    fi
    ids=$(pm ps -a -q --filter "$filter" 2>/dev/null)
    [ -n "$ids" ] && pm rm -f -v -t 2 $ids >/dev/null 2>&1
    vols=$(pm volume ls -q --filter "$filter" 2>/dev/null)
    [ -n "$vols" ] && pm volume rm -f $vols >/dev/null 2>&1
    pods=$(pm pod ps -q --filter "$filter" 2>/dev/null)
    [ -n "$pods" ] && pm pod rm -f $pods >/dev/null 2>&1
  done
  pm network exists "${project}_default" 2>/dev/null && pm network rm -f "${project}_default" >/dev/null 2>&1
  rm -rf "$work"
  echo "container-check: step times:"
  printf '%s\n' "${timings[@]}"
  echo "container-check: $([ "$status" -eq 0 ] && echo passed || echo FAILED) in $(seconds $(( $(now) - check_start ))) s"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# n free loopback ports, distinct (all held open while choosing).
free_ports() {
  python3 -c 'import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
}

# True when the command succeeds and its output holds the pattern. (Not `cmd | grep -q`: with pipefail, grep leaving early
# makes the command die of SIGPIPE, and the check fail at random.)
has() {
  local pattern=$1 out; shift
  out=$("$@" 2>&1) || return 1
  grep -q -- "$pattern" <<<"$out"
}

# Waits until "$@" succeeds, at most $wait_for seconds; false if it never does.
wait_for=120
until_ok() {
  local deadline=$(( $(date +%s) + wait_for ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------------------------------
step "packages"
missing=()
for tool in podman runc debootstrap podman-compose curl python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "container-check: installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
step_done "$(podman --version), podman-compose $(dpkg-query -W -f '${Version}' podman-compose 2>/dev/null || echo '(not from apt)')"

# ---------------------------------------------------------------------------------------------------------------------
step "base images"
mkdir -p "$bases_dir"
exec 9>"$bases_dir/.lock"
flock 9
minbase="$bases_dir/debian-bookworm-minbase.tar"
if [ ! -s "$minbase" ]; then
  rootfs="$bases_dir/rootfs.$$"
  echo "container-check: debootstrap --variant=minbase bookworm (once; cached in $minbase)"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; rm -rf "$rootfs"; fail "debootstrap"; }
  # As Debian's own container images: updates and security sources, no documentation or caches.
  printf 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
    > "$rootfs/etc/apt/sources.list"
  printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\npath-exclude /usr/share/locale/*\n' \
    > "$rootfs/etc/dpkg/dpkg.cfg.d/container"
  tar --numeric-owner -C "$rootfs" --exclude='./var/cache/apt/*' --exclude='./var/lib/apt/lists/*' \
    --exclude='./usr/share/doc/*' --exclude='./usr/share/man/*' --exclude='./usr/share/locale/*' -cf "$minbase.tmp" .
  mv "$minbase.tmp" "$minbase"
  rm -rf "$rootfs"
fi
# A base's tag names what it was made from: the minbase, the recipe, and the machine's .NET.
dotnet_listing=$(cd /usr/share/dotnet && ls -d shared/*/* sdk/* packs/*/* 2>/dev/null | sort)
minbase_id=$(stat -c '%s-%Y' "$minbase")
debian_image="localhost/stylegrpc-base/debian:bookworm-$(printf %s "$minbase_id" | sha256sum | cut -c1-12)"
pm image exists "$debian_image" \
  || pm import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]' \
       "$minbase" "$debian_image" >"$work/import.log" 2>&1 || { cat "$work/import.log" >&2; fail "podman import"; }
recipe=$( { cat build/container/bases.Containerfile; echo "$debian_image"; echo "$dotnet_listing"; } | sha256sum | cut -c1-12)
aspnet_version=$(ls /usr/share/dotnet/shared/Microsoft.AspNetCore.App | sort -V | tail -n 1)
sdk_version=$(ls /usr/share/dotnet/sdk | sort -V | tail -n 1)
runtime_image="localhost/stylegrpc-base/runtime:$aspnet_version-$recipe"
sdk_image="localhost/stylegrpc-base/sdk:$sdk_version-$recipe"
redis_image="localhost/stylegrpc-base/redis:7-$recipe"
built=()
for target in runtime sdk redis; do
  tag_var="${target}_image"
  if ! pm image exists "${!tag_var}"; then
    pm build --network host -f build/container/bases.Containerfile --target "$target" --build-arg "DEBIAN_IMAGE=$debian_image" \
      -t "${!tag_var}" /usr/share/dotnet >"$work/base-$target.log" 2>&1 || { tail -30 "$work/base-$target.log" >&2; fail "base $target"; }
    built+=("$target")
  fi
done
flock -u 9
step_done "${built[*]:-all cached}; $runtime_image, $sdk_image"

# ---------------------------------------------------------------------------------------------------------------------
step "image build"
# The restore inside the build reads the machine's NuGet package folder (filled first, here, from the same sources), and
# trusts the machine's certificate authorities (its NuGet mirror's); neither stays in the image.
dotnet restore src/StyleGrpc.Server/StyleGrpc.Server.csproj -v q -nologo >/dev/null
dotnet restore clients/StyleGrpc.Cli/StyleGrpc.Cli.csproj -v q -nologo >/dev/null
mounts=(-v "$nuget:/root/.nuget/packages")
[ -f /etc/ssl/certs/ca-certificates.crt ] && mounts+=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)
# The build stage is tagged too, so that the previous build of both can be removed once replaced (the layers the new one
# shares, such as the restore, stay as the cache) instead of piling up untagged in podman's storage.
build_stage="${image%:*}:build-stage"
image_ids() { for tag in "$image" "$build_stage"; do pm image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true; done; }
old_ids=$(image_ids)
for target in build final; do
  target_args=(-t "$image")
  [ "$target" = build ] && target_args=(--target build -t "$build_stage")
  pm build --format docker --network host --layers "${mounts[@]}" \
    --build-arg "SDK_IMAGE=$sdk_image" --build-arg "RUNTIME_IMAGE=$runtime_image" \
    -f docker/Dockerfile "${target_args[@]}" . >>"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; fail "podman build ($target)"; }
done
new_ids=$(image_ids)
for old_id in $old_ids; do
  grep -qx "$old_id" <<<"$new_ids" || pm rmi "$old_id" >/dev/null 2>&1 || true
done
healthcheck=$(pm image inspect --format '{{json .Config.Healthcheck}}' "$image")
grep -q 'stylegrpc.dll' <<<"$healthcheck" || fail "the image has no HEALTHCHECK (podman keeps it only with --format docker): $healthcheck"
step_done "$image $(pm image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }')"

# The CLI, outside the containers.
if [ ! -f "$cli_dll" ]; then
  dotnet build clients/StyleGrpc.Cli/StyleGrpc.Cli.csproj -v q -nologo >/dev/null
fi
key="check-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
sha=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
cli() { dotnet "$cli_dll" "$@"; }

# ---------------------------------------------------------------------------------------------------------------------
step "single container: start until healthy"
read -r gport hport mport < <(free_ports 3)
volume="$run-data"
pm volume create --label "stylegrpc-check=$run" "$volume" >/dev/null
server_at=(--server "http://127.0.0.1:$gport" --api-key "$key")
# As the Kubernetes manifests run it: read-only root, no capabilities, no privilege escalation; one CPU.
start_single() {
  local name=$1; shift
  pm run -d --name "$name" --label "stylegrpc-check=$run" --network host \
    --read-only --cap-drop ALL --security-opt no-new-privileges "$@" \
    -v "$volume:/data" \
    -e "StyleGrpc__Keys__0__Sha256=$sha" -e StyleGrpc__Keys__0__Role=admin \
    -e "Kestrel__Endpoints__Grpc__Url=http://127.0.0.1:$gport" -e "StyleGrpc__Http__Url=http://127.0.0.1:$hport" \
    -e "StyleGrpc__Metrics__Url=http://127.0.0.1:$mport" -e "STYLEGRPC_SERVER=http://127.0.0.1:$gport" \
    -e "StyleGrpc__DrainTimeoutSeconds=$drain" \
    "$image" 2> >(grep -v 'systemd' >&2) >/dev/null
}
single="$run-single"
start_single "$single" --cpus 1
# No systemd here, so podman runs no health timer: run the image's HEALTHCHECK command by hand until it says healthy.
until_ok pm healthcheck run "$single" || fail "the image's HEALTHCHECK never turned healthy"
step_done "healthy; user $(pm exec "$single" id -un) ($(pm exec "$single" id -u))"

step "single container: CLI, page, info, metrics, keys"
[ "$(pm exec "$single" id -u)" = 1654 ] || fail "the server does not run as UID 1654"
cli health "${server_at[@]}" >/dev/null || fail "stylegrpc health (outside) is not SERVING"
cli info "${server_at[@]}" >/dev/null || fail "stylegrpc info"
if cli styles list --server "http://127.0.0.1:$gport" >/dev/null 2>&1; then fail "a call without a key was answered"; fi
cli styles add starry samples/starry_night.jpg --name "The Starry Night" --style-size 128 "${server_at[@]}" >/dev/null || fail "styles add"
cli stylize samples/tubingen.jpg --style starry -o "$work/single.png" --size 128 --iterations 10 --json "${server_at[@]}" > "$work/single.ndjson" \
  || fail "stylize"
has '"type":"completed"' tail -n 1 "$work/single.ndjson" || fail "stylize did not complete: $(tail -n 1 "$work/single.ndjson" | cut -c1-300)"
[ -s "$work/single.png" ] || fail "no result image"
# A video through the image's ffmpeg: six frames of the zoom clip (it has a tone), the result an MP4 with its audio.
cli stylize-video tests/data/video/zoom.mp4 --style starry -o "$work/single.mp4" --max-side 64 --iterations 2 --count 6 --json "${server_at[@]}" \
  > "$work/video.ndjson" || fail "stylize-video"
has '"type":"completed"' tail -n 1 "$work/video.ndjson" || fail "stylize-video did not complete: $(tail -n 1 "$work/video.ndjson" | cut -c1-300)"
has '"audio":true' tail -n 1 "$work/video.ndjson" || fail "the video lost its audio: $(tail -n 1 "$work/video.ndjson" | cut -c1-300)"
[ -s "$work/single.mp4" ] || fail "no result video"
threads=$(tail -n 1 "$work/single.ndjson" | grep -o '"threads":"\?[0-9]*' | grep -o '[0-9]*$')
[ "$threads" = 1 ] || fail "with --cpus 1 the job ran $threads threads, not 1"
has 'Each job runs 1 threads' pm logs "$single" || fail "the start-up log does not say 1 thread per job"
has '<title>StyleGrpc</title>' curl -fsS "http://127.0.0.1:$hport/" || fail "the page / did not answer"
has '"offlineDefault":true' curl -fsS -H "Authorization: Bearer $key" "http://127.0.0.1:$hport/v1/info" || fail "/v1/info did not answer"
has '"video":{"available":true' curl -fsS -H "Authorization: Bearer $key" "http://127.0.0.1:$hport/v1/info" || fail "/v1/info says the image cannot stylise videos (no ffmpeg)"
has '^stylegrpc_ready' curl -fsS "http://127.0.0.1:$mport/metrics" || fail "/metrics did not answer"
step_done "stylised 128 px with $threads thread and a 6-frame video; page, /v1/info, /metrics answered; no key refused"

step "single container: SIGTERM during a job"
operation=$(cli stylize samples/tubingen.jpg --style starry --size 256 --iterations 5000 --tolerance 0 --detach "${server_at[@]}") \
  || fail "stylize --detach"
job=${operation#operations/}
running() {
  local state; state=$(cli jobs get "$operation" --json "${server_at[@]}")
  [[ $state == *'"state":"running"'* && $state =~ \"iteration\":[1-9] ]]
}
until_ok running || fail "the job never ran"
stop_start=$(now)
pm stop -t "$grace" "$single" >/dev/null 2> >(grep -v 'systemd' >&2)
stop_ns=$(( $(now) - stop_start ))
exit_code=$(pm inspect --format '{{.State.ExitCode}}' "$single")
[ "$exit_code" = 0 ] || fail "the server exited $exit_code after SIGTERM"
[ "$stop_ns" -lt $(( grace * 1000000000 )) ] || fail "the server took longer than the $grace s grace period"
handed_back=$(pm logs "$single" 2>&1 | grep -o "Job $job finished: handed back at shutdown after [0-9]* iterations") \
  || fail "the log does not say the job was handed back"
step_done "exit 0 after $(seconds "$stop_ns") s (grace $grace s); $handed_back"

step "single container: a new container resumes the job from the volume"
start_single "$run-single-2"
until_ok pm healthcheck run "$run-single-2" || fail "the second container never turned healthy"
resumed() { has '"attempt":2' cli jobs get "$operation" --json "${server_at[@]}"; }
until_ok resumed || fail "the job was not resumed (attempt 2)"
resumed_log=$(pm logs "$run-single-2" 2>&1 | grep -o "Job $job resumed: attempt 2, from iteration [0-9]*") || fail "the log does not say the job resumed"
cli jobs cancel "$operation" "${server_at[@]}" >/dev/null || fail "jobs cancel"
pm stop -t "$grace" "$run-single-2" >/dev/null 2> >(grep -v 'systemd' >&2)
[ "$(pm inspect --format '{{.State.ExitCode}}' "$run-single-2")" = 0 ] || fail "the second container did not exit 0"
step_done "$resumed_log; cancelled"

# ---------------------------------------------------------------------------------------------------------------------
step "fleet: podman-compose up (2 replicas, Redis)"
read -r g1 h1 g2 h2 < <(free_ports 4)
export STYLEGRPC_IMAGE="$image" REDIS_IMAGE="$redis_image" STYLEGRPC_ADMIN_KEY_SHA256="$sha" \
  STYLEGRPC_1_GRPC_PORT="$g1" STYLEGRPC_1_HTTP_PORT="$h1" STYLEGRPC_2_GRPC_PORT="$g2" STYLEGRPC_2_HTTP_PORT="$h2"
podman-compose -p "$project" -f docker/compose.yaml up -d --no-build stylegrpc-1 stylegrpc-2 >"$work/compose.log" 2>&1 \
  || { tail -30 "$work/compose.log" >&2; fail "podman-compose up"; }
replica1=(--server "http://127.0.0.1:$g1" --api-key "$key")
replica2=(--server "http://127.0.0.1:$g2" --api-key "$key")
until_ok cli health "${replica1[@]}" || fail "replica 1 never SERVING"
until_ok cli health "${replica2[@]}" || fail "replica 2 never SERVING"
step_done "both replicas SERVING through their published ports"

step "fleet: a job submitted to replica 1, watched on both"
[ "$(pm exec "${project}_redis_1" redis-cli config get appendonly | tail -n 1)" = yes ] || fail "Redis runs without AOF"
cli styles add starry samples/starry_night.jpg --name "The Starry Night" --style-size 128 "${replica1[@]}" >/dev/null || fail "styles add on replica 1"
has starry cli styles list "${replica2[@]}" || fail "replica 2 does not see the style registered on replica 1"
operation=$(cli stylize samples/tubingen.jpg --style starry --size 128 --iterations 40 --detach "${replica1[@]}") || fail "stylize --detach on replica 1"
# Watched on both replicas at once: whichever runs it, the other streams a job it does not run.
cli jobs watch "$operation" -o "$work/fleet-2.png" "${replica2[@]}" >"$work/watch-2.log" 2>&1 &
watcher=$!
cli jobs watch "$operation" -o "$work/fleet-1.png" "${replica1[@]}" >"$work/watch-1.log" 2>&1 || { cat "$work/watch-1.log" >&2; fail "jobs watch on replica 1"; }
wait "$watcher" || { cat "$work/watch-2.log" >&2; fail "jobs watch on replica 2"; }
[ -s "$work/fleet-2.png" ] && cmp -s "$work/fleet-1.png" "$work/fleet-2.png" || fail "the replicas gave different results"
job=${operation#operations/}
ran_on=$(for r in 1 2; do if has "Job $job finished: completed" pm logs "${project}_stylegrpc-${r}_1"; then echo "replica $r"; fi; done)
[ -n "$ran_on" ] || fail "no replica's log says it completed job $job"
has '<title>StyleGrpc</title>' curl -fsS "http://127.0.0.1:$h2/" || fail "replica 2's page did not answer"
pm exec "${project}_redis_1" sh -c 'ls /data/appendonlydir/*.aof' >/dev/null 2>&1 || fail "Redis wrote no AOF into its volume"
step_done "ran on $ran_on, watched to the same result on both replicas; Redis appendonly yes, AOF in its volume"

step "fleet: replicas stop on SIGTERM"
for r in 1 2; do
  pm stop -t 60 "${project}_stylegrpc-${r}_1" >/dev/null 2> >(grep -v 'systemd' >&2)
  code=$(pm inspect --format '{{.State.ExitCode}}' "${project}_stylegrpc-${r}_1")
  [ "$code" = 0 ] || fail "replica $r exited $code"
done
step_done "both exited 0"
