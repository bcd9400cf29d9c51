"""Facts `deploy` needs, read from the built manifests rather than kept twice.

Usage: manifest_facts.py MANIFESTS.yaml IMAGE_REFERENCE [RECEIVER_IMAGE_REFERENCE] > deploy.env

Writes shell assignments: the Grafana NodePort (kind publishes it when it
creates the cluster), the name of the Secret Grafana's admin password comes
from (deploy creates it, it is never rendered), the image reference, after
checking that some container really runs it, and the webhook receiver's
image reference if some container runs it (empty otherwise: Alertmanager
notifies a receiver outside the cluster, and deploy loads no such image).
"""

import shlex
import sys

import yaml


def walk(node):
    """Every mapping inside a parsed document, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def exactly_one(found, what):
    values = sorted(set(found))
    if len(values) != 1:
        sys.exit(f"manifest_facts: expected exactly one {what}, found {values or 'none'}")
    return values[0]


def main():
    path, image = sys.argv[1], sys.argv[2]
    receiver_image = sys.argv[3] if len(sys.argv) > 3 else None
    with open(path, encoding="utf-8") as stream:
        documents = [doc for doc in yaml.safe_load_all(stream) if doc]

    node_ports = [
        port["nodePort"]
        for doc in documents
        if doc.get("kind") == "Service" and doc.get("spec", {}).get("type") == "NodePort"
        for port in doc["spec"].get("ports", [])
        if "nodePort" in port
    ]
    # However the workload consumes it: env, envFrom or a mounted volume.
    secrets = [
        name
        for doc in documents
        if doc.get("kind") in ("Deployment", "StatefulSet")
        for mapping in walk(doc)
        for name in (
            (mapping.get("secretKeyRef") or {}).get("name"),
            (mapping.get("secretRef") or {}).get("name"),
            (mapping.get("secret") or {}).get("secretName"),
        )
        if name
    ]
    images = [
        container.get("image")
        for doc in documents
        for mapping in walk(doc)
        for container in mapping.get("containers", []) or []
        if isinstance(container, dict)
    ]
    # A SpinApp names its image itself; spin-operator makes the container.
    images += [doc["spec"].get("image") for doc in documents if doc.get("kind") == "SpinApp"]
    if image not in images:
        sys.exit(f"manifest_facts: no container runs {image}; images: {sorted(set(filter(None, images)))}")

    facts = {
        "GRAFANA_NODE_PORT": exactly_one(node_ports, "NodePort"),
        "GRAFANA_ADMIN_SECRET": exactly_one(secrets, "Secret referenced by a workload"),
        "IMAGE_REFERENCE": image,
        "RECEIVER_IMAGE_REFERENCE": receiver_image if receiver_image in images else "",
    }
    for key, value in facts.items():
        print(f"{key}={shlex.quote(str(value))}")


if __name__ == "__main__":
    main()
