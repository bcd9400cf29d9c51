"""Marks the pod templates that run an image with the build that made it.

Usage: stamp_image.py MANIFESTS.yaml IMAGE_REFERENCE BUILD_ID [IMAGE_REFERENCE BUILD_ID]... > STAMPED.yaml

The first image must run in some workload; the others (the webhook
receiver's, deployed only when Alertmanager notifies it) are stamped where
they run.

The image tag comes from stack.toml and stays the same across rebuilds, so a
new image alone would not change the Deployment and nothing would roll. The
annotation carries the image's store hash: the pod template changes exactly
when the image does, and `kubectl apply` rolls it in one step.
"""

import sys

import yaml

ANNOTATION = "app-monitoring/image-build"


def main():
    path, pairs = sys.argv[1], sys.argv[2:]
    if len(pairs) < 2 or len(pairs) % 2:
        sys.exit("usage: stamp_image.py MANIFESTS.yaml IMAGE_REFERENCE BUILD_ID [IMAGE_REFERENCE BUILD_ID]...")
    with open(path, encoding="utf-8") as stream:
        documents = [doc for doc in yaml.safe_load_all(stream) if doc]
    for index in range(0, len(pairs), 2):
        image, build = pairs[index], pairs[index + 1]
        if stamp(documents, image, build) == 0 and index == 0:
            sys.exit(f"stamp_image: no workload runs {image}")
    yaml.safe_dump_all(documents, sys.stdout, sort_keys=False)


def stamp(documents, image, build):
    """Annotates every pod template running `image`; returns how many."""
    stamped = 0
    for doc in documents:
        # spin-operator copies a SpinApp's podAnnotations to its pod template.
        if doc.get("kind") == "SpinApp" and doc.get("spec", {}).get("image") == image:
            doc["spec"].setdefault("podAnnotations", {})[ANNOTATION] = build
            stamped += 1
            continue
        template = doc.get("spec", {}).get("template") if doc.get("kind") in ("Deployment", "StatefulSet") else None
        if not template:
            continue
        if any(c.get("image") == image for c in template.get("spec", {}).get("containers", [])):
            template.setdefault("metadata", {}).setdefault("annotations", {})[ANNOTATION] = build
            stamped += 1
    return stamped


if __name__ == "__main__":
    main()
