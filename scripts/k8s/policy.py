#!/usr/bin/env python3
"""Checks the built manifests (kubectl kustomize output) against the rules
every pod of this project must meet, field by field:

- the restricted Pod Security Standard (the same list as
  stack-render/src/kubernetes/policy.rs applies to the rendered objects);
- read-only root filesystem, probes, CPU/memory requests and limits,
  images pinned to a tag;
- only Prometheus gets a ServiceAccount token; its Role is exactly
  get/list/watch on pods, endpoints and services, namespaced;
- no Secret is rendered, and the Grafana admin password is only ever a
  reference to a file from the Secret;
- the namespace enforces `restricted` (`baseline` beside a SpinApp, whose
  pods spin-operator builds without a securityContext; audit and warn stay
  `restricted`), and a default-deny NetworkPolicy
  covers every pod;
- every in-cluster URL Alertmanager notifies (its ConfigMap's webhook
  URLs) is a Service of these manifests, on that port, in front of a pod
  that listens there: the receiver Alertmanager calls exists.

and, for a file given as BUILT.yaml:VARIANT, that the app Deployment is
that variant's (label, image, and for `spin` the runtime class and command
containerd-shim-spin needs).

Usage: policy.py BUILT.yaml[:VARIANT]...   Exit status 1 lists every violation.
"""

import sys
from urllib.parse import urlsplit

import yaml

RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
    "persistentVolumeClaim", "projected", "secret",
}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


def pod_spec(obj):
    kind = obj.get("kind")
    if kind == "Pod":
        return obj.get("spec", {})
    if kind in WORKLOAD_KINDS:
        return obj["spec"]["template"]["spec"]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return None


def restricted(spec):
    found = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field) is True:
            found.append(f"{field} is true")
    for volume in spec.get("volumes", []):
        for kind in set(volume) - {"name"}:
            if kind not in RESTRICTED_VOLUMES:
                found.append(f"volume {volume['name']} is of type {kind}")
    pod_sc = spec.get("securityContext", {})
    if pod_sc.get("sysctls"):
        found.append("pod sets sysctls")
    containers = [
        c for key in ("initContainers", "containers", "ephemeralContainers")
        for c in spec.get(key, [])
    ]
    for c in containers:
        sc = c.get("securityContext", {})

        def effective(field):
            return sc.get(field, pod_sc.get(field))

        def fail(what):
            found.append(f"container {c['name']}: {what}")

        if sc.get("privileged") is True:
            fail("privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            fail("allowPrivilegeEscalation is not false")
        if effective("runAsNonRoot") is not True:
            fail("runAsNonRoot is not true")
        if effective("runAsUser") == 0:
            fail("runAsUser is 0")
        seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            fail(f"seccompProfile is {seccomp!r}")
        caps = sc.get("capabilities", {})
        if "ALL" not in caps.get("drop", []):
            fail("capabilities do not drop ALL")
        for added in caps.get("add", []):
            if added != "NET_BIND_SERVICE":
                fail(f"adds capability {added}")
        for port in c.get("ports", []):
            if port.get("hostPort", 0) != 0:
                fail("uses a hostPort")
        if sc.get("procMount", "Default") != "Default":
            fail("procMount is not Default")
        selinux = sc.get("seLinuxOptions", {})
        if "user" in selinux or "role" in selinux:
            fail("sets an SELinux user or role")
        if sc.get("appArmorProfile", {}).get("type") == "Unconfined":
            fail("AppArmor is Unconfined")
    return found


def hardening(spec):
    found = []
    for c in spec.get("containers", []):
        def fail(what):
            found.append(f"container {c['name']}: {what}")

        if c.get("securityContext", {}).get("readOnlyRootFilesystem") is not True:
            fail("root filesystem is writable")
        for probe in ("readinessProbe", "livenessProbe"):
            if probe not in c:
                fail(f"has no {probe}")
        for part in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in c.get("resources", {}).get(part, {}):
                    fail(f"has no {resource} {part}")
        last = c.get("image", "").rsplit("/", 1)[-1]
        tag = last.split("@", 1)[0].partition(":")[2]
        if not tag or tag == "latest":
            fail(f"image {c.get('image')!r} is not pinned to a tag")
    return found


def in_cluster_service(host, namespace):
    """The Service name a host resolves to inside `namespace`, or None for a
    host outside the cluster (dotted names other than NAME.NAMESPACE[.svc...])."""
    labels = host.split(".")
    if len(labels) == 1:
        return labels[0]
    if labels[1] == namespace and (len(labels) == 2 or labels[2] == "svc"):
        return labels[0]
    return None


def webhook_problems(docs, by_kind):
    problems = []
    services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
    templates = [
        d["spec"]["template"] for d in docs
        if d["kind"] in ("Deployment", "StatefulSet")
    ]
    for config_map in by_kind.get("ConfigMap", []):
        text = (config_map.get("data") or {}).get("alertmanager.yml")
        if text is None:
            continue
        namespace = config_map["metadata"].get("namespace")
        receivers = yaml.safe_load(text).get("receivers", [])
        urls = [w["url"] for r in receivers for w in r.get("webhook_configs", [])]
        for url in sorted(set(urls)):
            parts = urlsplit(url)
            name = in_cluster_service(parts.hostname or "", namespace)
            if name is None:
                continue
            port = parts.port or (443 if parts.scheme == "https" else 80)
            service = services.get(name)
            if service is None:
                problems.append(f"Alertmanager notifies {url}, but no Service {name} is rendered")
                continue
            ports = [p for p in service["spec"].get("ports", []) if p.get("port") == port]
            if not ports:
                problems.append(f"Alertmanager notifies {url}, but Service {name} has no port {port}")
                continue
            target = ports[0].get("targetPort", port)
            selector = service["spec"].get("selector") or {}
            listening = [
                t for t in templates
                if selector and all(t["metadata"].get("labels", {}).get(k) == v for k, v in selector.items())
                and any(
                    target in (p.get("name"), p.get("containerPort"))
                    for c in t["spec"].get("containers", []) for p in c.get("ports", [])
                )
            ]
            if not listening:
                problems.append(f"Alertmanager notifies {url}, but no pod behind Service {name} "
                                f"listens on {target}")
    return problems


def check(path, docs):
    problems = []
    by_kind = {}
    for obj in docs:
        by_kind.setdefault(obj["kind"], []).append(obj)

    def problem(what):
        problems.append(f"{path}: {what}")

    accounts = {a["metadata"]["name"]: a for a in by_kind.get("ServiceAccount", [])}
    token_pods = []
    for obj in docs:
        spec = pod_spec(obj)
        if spec is None:
            continue
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        for what in restricted(spec) + hardening(spec):
            problem(f"{name}: {what}")
        mount = spec.get("automountServiceAccountToken")
        if mount is None:
            account = accounts.get(spec.get("serviceAccountName", "default"), {})
            mount = account.get("automountServiceAccountToken", True)
        if mount:
            token_pods.append(obj["metadata"]["name"])
        for c in spec.get("containers", []):
            for env in c.get("env", []):
                if "PASSWORD" in env["name"] and not env["name"].endswith("__FILE"):
                    problem(f"{name}: {env['name']} is set directly, not from a file")
    if by_kind.get("Deployment") or by_kind.get("StatefulSet"):
        if token_pods != ["prometheus"]:
            problem(f"pods mounting a ServiceAccount token: {token_pods}, expected only prometheus")

    for what in webhook_problems(docs, by_kind):
        problem(what)

    for kind in ("Secret", "ClusterRole", "ClusterRoleBinding"):
        for obj in by_kind.get(kind, []):
            problem(f"renders a {kind} ({obj['metadata']['name']})")
    for role in by_kind.get("Role", []):
        expected = [{
            "apiGroups": [""],
            "resources": ["pods", "endpoints", "services"],
            "verbs": ["get", "list", "watch"],
        }]
        if role.get("rules") != expected:
            problem(f"Role/{role['metadata']['name']} grants {role.get('rules')}")

    # spin-operator sets no securityContext on the pods it creates from a
    # SpinApp, so that overlay's namespace enforces baseline; it still audits
    # and warns at restricted.
    enforced = "baseline" if by_kind.get("SpinApp") else "restricted"
    for ns in by_kind.get("Namespace", []):
        labels = ns["metadata"].get("labels", {})
        if labels.get("pod-security.kubernetes.io/enforce") != enforced:
            problem(f"Namespace/{ns['metadata']['name']} does not enforce {enforced}")
        for mode in ("audit", "warn"):
            if labels.get(f"pod-security.kubernetes.io/{mode}") != "restricted":
                problem(f"Namespace/{ns['metadata']['name']} does not {mode} at restricted")
    if by_kind.get("Deployment"):
        denies = [
            p for p in by_kind.get("NetworkPolicy", [])
            if p["spec"].get("podSelector") in ({}, None)
            and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
            and not p["spec"].get("ingress") and not p["spec"].get("egress")
        ]
        if not denies:
            problem("no default-deny NetworkPolicy for the namespace")
    return problems


def check_variant(path, docs, variant):
    problems = []
    apps = [d for d in docs if d["kind"] == "Deployment"
            and d["metadata"]["labels"].get("app.kubernetes.io/component") == "server"]
    if len(apps) != 1:
        return [f"{path}: expected one app Deployment, found {len(apps)}"]
    app = apps[0]
    template = app["spec"]["template"]
    spec = template["spec"]
    container = spec["containers"][0]

    def expect(what, actual, expected):
        if actual != expected:
            problems.append(f"{path}: {what} is {actual!r}, expected {expected!r}")

    expect("pod label variant", template["metadata"]["labels"].get("variant"), variant)
    expect("image repository", container["image"].rsplit(":", 1)[0].rsplit("/", 1)[-1],
           f"app-{variant}")
    if variant == "spin":
        expect("runtimeClassName", spec.get("runtimeClassName"), "wasmtime-spin-v2")
        expect("command", container.get("command"), ["/"])
        classes = [d for d in docs if d["kind"] == "RuntimeClass"]
        expect("RuntimeClass handlers", [c.get("handler") for c in classes], ["spin"])
    else:
        expect("runtimeClassName", spec.get("runtimeClassName"), None)
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        drain = int(env.get("APP_DRAIN_TIMEOUT", "-1"))
        sleep = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        grace = spec.get("terminationGracePeriodSeconds", 30)
        if drain < 0 or grace <= sleep + drain:
            problems.append(f"{path}: terminationGracePeriodSeconds {grace} does not cover "
                            f"preStop {sleep}s + drain {drain}s")
    return problems


def main(args):
    problems = []
    pods = 0
    for arg in args:
        path, _, variant = arg.partition(":")
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        pods += sum(1 for d in docs if pod_spec(d) is not None)
        problems += check(path, docs)
        if variant:
            problems += check_variant(path, docs, variant)
    for p in problems:
        print(f"policy: {p}", file=sys.stderr)
    if pods == 0:
        print("policy: no pod specs found: nothing was checked", file=sys.stderr)
        return 1
    print(f"policy: {pods} pod specs in {len(args)} files, {len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
