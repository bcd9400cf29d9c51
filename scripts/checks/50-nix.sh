#!/usr/bin/env bash
# The Nix flake, checked offline with Debian's Nix 2.8: nothing here needs
# nixpkgs or the network (docs/nix.md says what was evaluated beyond this).
#   - every .nix file parses, has no dead code and is nixpkgs-fmt formatted;
#   - shellcheck on the scripts the apps wrap (and the repo's scripts);
#   - each app's closure: a native deploy has no Spin path, `up` is
#     `stack up` with Prometheus, Alertmanager and Grafana;
#   - what nix/config.nix reads from stack.toml agrees with what `stack
#     render` makes of it, and a missing key is an error naming the key;
#   - the image configurations (non-root, app port; the receiver image runs
#     the alert-receiver binary) and the Spin manifest the image carries agree with
#     stack.toml, app-spin/spin.toml and the overlay;
#   - the pinned Rust toolchain is new enough for every locked crate;
#   - flake.lock pins every input by rev and narHash, matching flake.nix.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT" || exit 1

require_command nix-instantiate shellcheck deadnix nixpkgs-fmt
python3 -c 'import yaml' 2>/dev/null || die "python3-yaml is missing: run scripts/setup.sh"
export NIX_CONFIG=$'experimental-features = nix-command flakes\nbuild-users-group =\nsubstituters ='

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mapfile -t nix_files < <(find . \( -path ./target -o -path ./.git -o -name node_modules -o -path ./.state \) -prune \
  -o -name '*.nix' -print | sort)
[ ${#nix_files[@]} -gt 0 ] || die "no .nix files found"

log "parse ${#nix_files[@]} .nix files"
for file in "${nix_files[@]}"; do
  nix-instantiate --parse "$file" >/dev/null || die "$file does not parse"
done

log "deadnix --fail"
deadnix --fail "${nix_files[@]}"

log "nixpkgs-fmt --check (the flake's formatter)"
nixpkgs-fmt --check "${nix_files[@]}"

log "shellcheck"
shellcheck nix/*.sh
# The repo's scripts at warning level; SC2164 (cd without || exit) is moot
# under the `set -e` that lib.sh sets, which shellcheck cannot see.
shellcheck -x -P SCRIPTDIR --shell=bash --severity=warning -e SC2164 scripts/*.sh scripts/checks/*.sh

# --- stack.toml, as Nix reads it, against what `stack render` makes of it ---
log "nix/config.nix against the rendered manifests"
nix-instantiate --eval --strict --json --expr 'import ./nix/config.nix { }' >"$work/config.json"
# field a.b.c: one value of the evaluated configuration.
field() {
  python3 -c 'import functools, json, sys
print(functools.reduce(lambda d, k: d[k], sys.argv[2].split("."), json.load(open(sys.argv[1]))))' \
    "$work/config.json" "$1"
}
native_ref="$(field images.native.reference)"
spin_ref="$(field images.spin.reference)"
receiver_ref="$(field images.receiver.reference)"
log "  nix: namespace=$(field namespace) port=$(field appPort) native=$native_ref spin=$spin_ref receiver=$receiver_ref"

# Rendering with the references Nix passes (nix/manifests.nix) must give
# exactly what `stack render` makes of stack.toml alone. Committed output vs
# stack.toml is the stack's own drift test, not repeated here.
cargo build -q --locked -p stack
stack=target/debug/stack
"$stack" render --config stack.toml --out "$work/plain" >/dev/null
"$stack" render --config stack.toml --out "$work/as-nix" --image-native "$native_ref" --image-spin "$spin_ref" \
  --image-receiver "$receiver_ref" >/dev/null
diff -r "$work/plain" "$work/as-nix" >/dev/null ||
  die "stack render with the image references nix/config.nix reads differs from stack render of stack.toml"
# ...and the comparison is sensitive: another reference must show up.
"$stack" render --config stack.toml --out "$work/sentinel" --image-native "${native_ref%:*}:nix-check-sentinel" \
  --image-spin "$spin_ref" >/dev/null
! diff -r "$work/sentinel" "$work/plain" >/dev/null || die "a different native image reference changed nothing"
"$stack" render --config stack.toml --out "$work/sentinel-receiver" --image-native "$native_ref" \
  --image-receiver "${receiver_ref%:*}:nix-check-sentinel" >/dev/null
! diff -r "$work/sentinel-receiver" "$work/plain" >/dev/null || die "a different receiver image reference changed nothing"

find_kubectl
for variant in native spin; do
  "${KUBECTL[@]}" kustomize "$work/plain/k8s/overlays/$variant" >"$work/$variant.yaml"
done
python3 - "$work/config.json" "$work/native.yaml" "$work/spin.yaml" "$work/plain/k8s/base/alert-receiver.yaml" <<'EOF'
import json
import os
import sys

import yaml

config = json.load(open(sys.argv[1]))
# Rendered when Alertmanager's webhook names the in-cluster receiver.
receiver_deployed = os.path.exists(sys.argv[4])
failures = []
for variant, path in (("native", sys.argv[2]), ("spin", sys.argv[3])):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    namespaces = {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
    if namespaces != {config["namespace"]}:
        failures.append(f"{variant}: Namespace objects {namespaces}, nix says {config['namespace']}")
    for d in docs:
        ns = d["metadata"].get("namespace")
        if ns is not None and ns != config["namespace"]:
            failures.append(f"{variant}: {d['kind']}/{d['metadata']['name']} in {ns}")
    reference = config["images"][variant]["reference"]
    app_containers = [
        c
        for d in docs
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
        if c.get("image") == reference
    ]
    if not app_containers:
        failures.append(f"{variant}: no Deployment container runs {reference}")
    ports = {p.get("containerPort") for c in app_containers for p in c.get("ports", [])}
    if app_containers and config["appPort"] not in ports:
        failures.append(f"{variant}: app container ports {ports}, nix says {config['appPort']}")
    receiver = config["images"]["receiver"]
    receiver_images = {
        c.get("image")
        for d in docs
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
        if c.get("image", "").rsplit(":", 1)[0] == receiver["repository"]
    }
    expected = {receiver["reference"]} if receiver_deployed else set()
    if receiver_images != expected:
        failures.append(f"{variant}: receiver containers run {receiver_images or 'nothing'}, "
                        f"nix loads {receiver['reference']} (deployed: {receiver_deployed})")
if failures:
    sys.exit("nix/config.nix disagrees with the rendered manifests:\n  " + "\n  ".join(failures))
print("nix/config.nix agrees with both overlays")
EOF

# What the images are built from (nix/image-configs.nix is free of nixpkgs,
# so this is the code the flake runs): the native image runs as non-root on
# the app port, the Spin image's manifest is the repository's with `source`
# at the image root, and the Spin overlay's runtime handler is the one
# `deploy` registers in the kind node's containerd.
log "image configurations and the Spin manifest of the image"
nix-instantiate --eval --strict --json --expr "import ./nix/image-configs.nix {
  config = import ./nix/config.nix { }; spinManifest = ./app-spin/spin.toml; nativeEntrypoint = \"/entry\";
  receiverEntrypoint = \"/receiver-entry\"; }" \
  >"$work/images.json"
python3 - "$work/images.json" "$work/config.json" app-spin/spin.toml "$work/spin.yaml" nix/deploy.sh <<'EOF'
import json
import sys
import tomllib

import yaml

images = json.load(open(sys.argv[1]))
config = json.load(open(sys.argv[2]))
repository_manifest = tomllib.load(open(sys.argv[3], "rb"))
overlay = [d for d in yaml.safe_load_all(open(sys.argv[4])) if d]
deploy_script = open(sys.argv[5]).read()
failures = []

native, port = images["native"], config["appPort"]
user = native.get("User", "0").split(":")[0]
if user in ("", "0", "root"):
    failures.append(f"native image runs as {native.get('User')!r}")
if f"APP_LISTEN=0.0.0.0:{port}" not in native.get("Env", []):
    failures.append(f"native image Env {native.get('Env')} does not listen on {port}")
if list(native.get("ExposedPorts", {})) != [f"{port}/tcp"]:
    failures.append(f"native image exposes {list(native.get('ExposedPorts', {}))}")

receiver = images["receiver"]
if receiver.get("User", "0").split(":")[0] in ("", "0", "root"):
    failures.append(f"receiver image runs as {receiver.get('User')!r}")
if receiver.get("Entrypoint") != ["/receiver-entry"] or "Cmd" in receiver:
    failures.append(f"receiver image runs {receiver.get('Entrypoint')} {receiver.get('Cmd')}, not the alert-receiver binary")
if 'kind load image-archive "${DEPLOY_RECEIVER_ARCHIVE' not in deploy_script:
    failures.append("nix/deploy.sh does not load the receiver image archive")

expected = dict(repository_manifest)
expected["component"] = {
    name: {**{k: v for k, v in component.items() if k != "build"}, "source": images["wasmFile"]}
    for name, component in repository_manifest.get("component", {}).items()
}
if images["spinManifest"] != expected:
    failures.append("the Spin image's manifest is not the repository's with source at the root")
for name, component in repository_manifest.get("component", {}).items():
    if component.get("source") != images["wasmFile"]:
        failures.append(f"app-spin/spin.toml component {name}: source {component.get('source')!r}, "
                        f"the image root holds {images['wasmFile']}")
    if "default" not in component.get("key_value_stores", []):
        failures.append(f"app-spin/spin.toml component {name} has no default key-value store")
# containerd-shim-spin v0.24.0 reads the runtime config at this one path.
if images.get("runtimeConfigFile") != "runtime-config.toml":
    failures.append(f"the Spin image's runtime config is {images.get('runtimeConfigFile')!r}, "
                    "not the /runtime-config.toml the shim reads")

handlers = {d.get("handler") for d in overlay if d["kind"] == "RuntimeClass"}
if len(handlers) != 1:
    failures.append(f"spin overlay RuntimeClass handlers: {handlers}")
for handler in handlers:
    if f'containerd.runtimes.{handler}]' not in deploy_script:
        failures.append(f"nix/deploy.sh registers no containerd runtime for handler {handler!r}")
if failures:
    sys.exit("images:\n  " + "\n  ".join(failures))
print(f"images agree with stack.toml, app-spin/spin.toml and the spin overlay (handler {handlers.pop()})")
EOF

# --- each deploy variant has its own closure ---
# nix/apps.nix instantiated with stand-in packages (nix/tests/apps-closure.nix):
# what a program's derivation requires is what `nix run` builds for it.
log "deploy closures: a native deploy requires no Spin store path"
nix-instantiate --eval --strict --read-write-mode --json nix/tests/apps-closure.nix >"$work/apps.json"
requisites() {
  local drv
  drv="$(python3 -c 'import json, sys; [d] = json.load(open(sys.argv[1]))[sys.argv[2]]; print(d)' "$work/apps.json" "$1")"
  nix-store --query --requisites "$drv" | sed 's|^/nix/store/[a-z0-9]*-||'
}
for app in deploy deploy-native; do
  spin_paths="$(requisites "$app" | grep -i spin || true)"
  [ -z "$spin_paths" ] || die "nix run .#$app would build Spin store paths: $(tr '\n' ' ' <<<"$spin_paths")"
done
# ...and the query sees them where they belong.
for needed in image-spin.drv manifests-spin.drv containerd-shim-spin.drv; do
  requisites deploy-spin | grep -qx "$needed" || die "deploy-spin does not require $needed"
done
for needed in image-spin.drv manifests-spinkube.drv containerd-shim-spin.drv; do
  requisites deploy-spinkube | grep -qx "$needed" || die "deploy-spinkube does not require $needed"
done
requisites deploy-spinkube | grep -qx manifests-spin.drv && die "deploy-spinkube requires the spin overlay's manifests"
requisites deploy-spin | grep -qx manifests-spinkube.drv && die "deploy-spin requires the spinkube overlay's manifests"
requisites deploy-native | grep -qx image-native.drv || die "deploy-native does not require image-native"
echo "  deploy-native and the deploy dispatcher reference no Spin path; deploy-spin and deploy-spinkube have their image, own manifests and shim" >&2
# `nix run .#up` is `stack up` (as scripts/up.sh), with the servers it runs.
log "up: runs stack up, with Prometheus, Alertmanager and Grafana"
for needed in stack.drv app-native.drv stack.toml.drv prometheus.drv prometheus-alertmanager.drv grafana.drv; do
  requisites up | grep -qx "$needed" || die "nix run .#up does not require $needed"
done
up_paths="$(requisites up | grep -Ei 'python|spin|image-|manifests-' || true)"
[ -z "$up_paths" ] || die "nix run .#up requires what stack up never runs: $(tr '\n' ' ' <<<"$up_paths")"
up_drv="$(python3 -c 'import json, sys; [d] = json.load(open(sys.argv[1]))["up"]; print(d)' "$work/apps.json")"
grep -q '/bin/stack up --no-install' "$up_drv" || die "nix run .#up does not exec stack up: $up_drv"
echo "  up requires stack, app-native, stack.toml, prometheus, alertmanager and grafana, nothing of Spin or Python" >&2

# --- nix/deploy.sh against stand-ins for kind, docker and kubectl ---
# No container engine runs here, so these record their arguments and answer
# as a fresh machine would; the script's own logic runs for real.
log "nix/deploy.sh with recording stand-ins for kind, docker and kubectl"
stubs="$work/stubs"
mkdir -p "$stubs/bin" "$stubs/manifests"
cat >"$stubs/bin/kind" <<'STUB'
#!/usr/bin/env bash
echo "kind $*" >>"$STUB_LOG"
case "$1 $2" in
  "get clusters") cat "$STUB_CLUSTERS" ;;
  "get nodes") echo app-monitoring-control-plane ;;
  "create cluster") while [ $# -gt 0 ]; do [ "$1" = --config ] && cp "$2" "$STUB_KIND_CONFIG"; shift; done ;;
esac
STUB
cat >"$stubs/bin/docker" <<'STUB'
#!/usr/bin/env bash
echo "docker $*" >>"$STUB_LOG"
case "$1 $3" in "exec sha256sum") exit 1 ;; esac
STUB
cat >"$stubs/bin/kubectl" <<'STUB'
#!/usr/bin/env bash
echo "kubectl $*" >>"$STUB_LOG"
args=" $* "
case "$args" in
  *" get secret "*) exit 1 ;;
  *" get crd "*) [ -z "${STUB_NO_CRD:-}" ]; exit ;;
  *" get spinapps "*) printf app ;;
  *" create namespace "*) printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app-monitoring\n' ;;
  *" apply -f - "*) cat >/dev/null ;;
  *" apply -f "*) cp "${*: -1}" "$STUB_APPLIED" ;;
esac
exit 0
STUB
chmod +x "$stubs/bin/"*
# What nix/manifests.nix builds: the overlay and the deploy.env `stack render`
# wrote beside it, from a render with build ids as Nix passes them.
"$stack" render --config stack.toml --out "$work/built" --image-spin "$spin_ref" --image-spin-build-id spin-build-1 \
  --image-receiver "$receiver_ref" --image-receiver-build-id receiver-build-1 >/dev/null
"${KUBECTL[@]}" kustomize "$work/built/k8s/overlays/spin" >"$stubs/manifests/manifests.yaml"
cp "$work/built/k8s/overlays/spin/deploy.env" "$stubs/manifests/deploy.env"
for build in spin-build-1 receiver-build-1; do
  [ "$(grep -c "app-monitoring/image-build: $build\$" "$stubs/manifests/manifests.yaml")" = 1 ] ||
    die "the spin overlay does not stamp exactly one pod template with build $build"
done
grep -qx "IMAGE_REFERENCE='$spin_ref'" "$stubs/manifests/deploy.env" ||
  die "the spin overlay's deploy.env does not name $spin_ref: $(cat "$stubs/manifests/deploy.env")"
run_deploy() {
  : >"$stubs/log"
  env PATH="$stubs/bin:$PATH" STUB_LOG="$stubs/log" STUB_CLUSTERS="$stubs/clusters" \
    STUB_KIND_CONFIG="$stubs/kind-config.yaml" STUB_APPLIED="$stubs/applied.yaml" \
    DEPLOY_VARIANT="$1" DEPLOY_NAMESPACE=app-monitoring DEPLOY_ARCHIVE="$stubs/image.tar" \
    DEPLOY_MANIFESTS="$stubs/manifests" DEPLOY_RECEIVER_ARCHIVE="$stubs/receiver.tar" \
    DEPLOY_SPIN_SHIM="$stubs/bin/kind" bash nix/deploy.sh "${@:2}" >"$stubs/out" 2>&1
}
# Many clusters, ours first: an early-exiting reader would kill `kind get
# clusters` with SIGPIPE and, under pipefail, report ours absent.
{ echo app-monitoring; seq -f 'other-cluster-%g' 200000; } >"$stubs/clusters"
run_deploy spin spin --down || die "deploy --down failed: $(tail -n 5 "$stubs/out")"
grep -q '^kubectl .* delete -f ' "$stubs/log" ||
  die "deploy --down did not find the existing cluster among many: $(tail -n 3 "$stubs/out")"
# A new cluster: the containerd runtime for Spin uses systemd cgroups.
: >"$stubs/clusters"
run_deploy spin spin || die "deploy spin failed: $(tail -n 5 "$stubs/out")"
python3 - "$stubs/kind-config.yaml" "$stubs/applied.yaml" <<'PY'
import sys
import tomllib

import yaml

cluster = yaml.safe_load(open(sys.argv[1]))
containerd = tomllib.loads("\n".join(cluster["containerdConfigPatches"]))
runtime = containerd["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["spin"]
failures = []
if runtime.get("runtime_type") != "io.containerd.spin.v2":
    failures.append(f"spin runtime_type {runtime.get('runtime_type')!r}")
if runtime.get("options", {}).get("SystemdCgroup") is not True:
    failures.append("the spin runtime does not set SystemdCgroup = true (kind's kubelet uses systemd cgroups)")
kinds = [d["kind"] for d in yaml.safe_load_all(open(sys.argv[2])) if d]
if "RuntimeClass" not in kinds or kinds.index("RuntimeClass") > kinds.index("Deployment"):
    failures.append(f"deploy applies the RuntimeClass after a Deployment: {kinds}")
if failures:
    sys.exit("nix/deploy.sh:\n  " + "\n  ".join(failures))
print("  kind config: spin runtime with SystemdCgroup; RuntimeClass applied before the Deployments")
PY
run_deploy native spin && die "the native deploy program accepted the spin variant"
grep -q 'this program deploys native' "$stubs/out" || die "unexpected error: $(cat "$stubs/out")"
# spinkube: the shim on the nodes, spin-operator's CRDs required before
# anything is applied, then the SpinApp's Deployment awaited.
"${KUBECTL[@]}" kustomize "$work/plain/k8s/overlays/spinkube" >"$stubs/manifests/manifests.yaml"
echo app-monitoring >"$stubs/clusters"
STUB_NO_CRD=1 run_deploy spinkube spinkube && die "deploy spinkube ran without spin-operator's CRDs"
grep -q 'no CRD spinapps.core.spinkube.dev: install spin-operator' "$stubs/out" ||
  die "unexpected error: $(tail -n 3 "$stubs/out")"
grep -q '^kubectl .* apply -f ' "$stubs/log" && die "deploy spinkube applied manifests without spin-operator"
run_deploy spinkube spinkube || die "deploy spinkube failed: $(tail -n 5 "$stubs/out")"
grep -q '^docker cp .*containerd-shim-spin-v2' "$stubs/log" || die "deploy spinkube did not install the shim"
grep -q '^kubectl .* get deployment app$' "$stubs/log" || die "deploy spinkube did not wait for the SpinApp's Deployment"
grep -q '^kind: SpinApp$' "$stubs/applied.yaml" || die "deploy spinkube did not apply the SpinApp"
echo "  deploy spinkube: refuses without spin-operator's CRDs, else installs the shim, applies the SpinApp, waits for its Deployment" >&2

# A key Nix needs but stack.toml lacks must fail evaluation, naming the key.
mkdir -p "$work/missing/nix"
cp nix/config.nix "$work/missing/nix/"
cp Cargo.toml "$work/missing/"
grep -v '^namespace' stack.toml >"$work/missing/stack.toml"
if nix-instantiate --eval --strict --expr "import $work/missing/nix/config.nix { }" 2>"$work/missing.err" >/dev/null; then
  die "nix/config.nix accepted a stack.toml without namespace"
fi
grep -qF "\`namespace\` must be set" "$work/missing.err" || die "unexpected error: $(cat "$work/missing.err")"

# --- the pinned toolchain is new enough for every locked crate ---
toolchain="$(sed -n 's/.*rust-bin\.stable\."\([0-9.]*\)"\.default.*/\1/p' nix/rust.nix)"
[ -n "$toolchain" ] || die "no rust-bin.stable.\"X.Y.Z\" pin found in nix/rust.nix"
log "Rust $toolchain (nix/rust.nix) against the rust-version of every locked crate"
cargo fetch --locked -q
cargo metadata --format-version 1 --locked >"$work/metadata.json"
python3 - "$work/metadata.json" "$toolchain" <<'EOF'
import json
import sys


def version(text):
    return tuple(int(x) for x in text.split("."))


pinned = version(sys.argv[2])
metadata = json.load(open(sys.argv[1]))
# What the flake builds: every workspace member but the tests' edge-host
# (nix/rust.nix excludes it), and everything they depend on.
nodes = {node["id"]: node for node in metadata["resolve"]["nodes"]}
members = [m for m in metadata["workspace_members"] if not m.startswith("path+") or "/edge-host#" not in m]
built, todo = set(), list(members)
while todo:
    package_id = todo.pop()
    if package_id not in built:
        built.add(package_id)
        todo.extend(dep["pkg"] for dep in nodes[package_id]["deps"])
packages = [p for p in metadata["packages"] if p["id"] in built]
too_new = [
    f"{p['name']} {p['version']} needs {p['rust_version']}"
    for p in packages
    if p.get("rust_version") and version(p["rust_version"]) > pinned
]
if too_new:
    sys.exit(f"the Nix toolchain {sys.argv[2]} is older than:\n  " + "\n  ".join(too_new))
print(f"{len(packages)} packages build with Rust {sys.argv[2]}")
EOF

# --- flake.lock ---
log "flake.lock pins every input by rev and narHash"
nix-instantiate --eval --strict --json --expr '(import ./flake.nix).inputs' >"$work/inputs.json"
python3 - flake.lock "$work/inputs.json" <<'EOF'
import json
import re
import sys

lock = json.load(open(sys.argv[1]))
inputs = json.load(open(sys.argv[2]))
nodes = lock["nodes"]
failures = []
if lock.get("version") != 7:
    failures.append(f"lock version {lock.get('version')}, expected 7")
root = nodes[lock["root"]]


def resolve(reference):
    # A follows path is resolved from the root, as Nix does.
    if isinstance(reference, str):
        return reference
    node = lock["root"]
    for name in reference:
        node = resolve(nodes[node]["inputs"][name])
    return node


if set(root["inputs"]) != set(inputs):
    failures.append(f"flake.nix inputs {sorted(inputs)} vs flake.lock {sorted(root['inputs'])}")
for name, spec in inputs.items():
    node = nodes.get(root["inputs"].get(name, ""), {})
    original, locked = node.get("original", {}), node.get("locked", {})
    parts = spec.get("url", "").removeprefix("github:").split("/")
    if spec.get("url", "").startswith("github:"):
        want = {"owner": parts[0], "repo": parts[1], **({"ref": parts[2]} if len(parts) > 2 else {})}
        got = {k: original.get(k) for k in want}
        if got != want or original.get("type") != "github":
            failures.append(f"{name}: flake.nix says {spec['url']}, lock original {original}")
    for sub, follows in spec.get("inputs", {}).items():
        target = follows.get("follows")
        if target and resolve(node.get("inputs", {}).get(sub, "")) != resolve(target.split("/")):
            failures.append(f"{name}.{sub} should follow {target}")
for name, node in nodes.items():
    if name == lock["root"]:
        continue
    locked = node.get("locked", {})
    if not re.fullmatch(r"[0-9a-f]{40}", locked.get("rev", "")):
        failures.append(f"{name}: no 40-hex rev")
    if not re.fullmatch(r"sha256-[A-Za-z0-9+/]{43}=", locked.get("narHash", "")):
        failures.append(f"{name}: no sha256 narHash")
    if locked.get("type") != "github" or not isinstance(locked.get("lastModified"), int):
        failures.append(f"{name}: locked must be a github rev with lastModified")
    for sub, reference in node.get("inputs", {}).items():
        if resolve(reference) not in nodes:
            failures.append(f"{name}.{sub} points nowhere")
if failures:
    sys.exit("flake.lock:\n  " + "\n  ".join(failures))
print(f"flake.lock: {len(nodes) - 1} inputs pinned by rev and narHash")
EOF

log "nix flake checks passed"
