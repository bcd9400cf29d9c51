"""JSON Schemas for kubeconform from CustomResourceDefinitions.

usage: crd_schemas.py OUT_DIR CRD.yaml...

Writes OUT_DIR/GROUP/KIND_VERSION.json (kubeconform's
`{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`, kind in lower
case) from each served version's `openAPIV3Schema`, made strict: an object
schema that lists its properties rejects any other, as the API server's
field validation does (`kubectl apply --validate=strict`) and unlike plain
JSON Schema, which would let a misspelt or unsupported field through.
"""

import json
import os
import sys

import yaml


def strict(schema):
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        # Kubernetes' own extension: either type, which JSON Schema spells out.
        out.pop("type", None)
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def main(out_dir, paths):
    written = 0
    for path in paths:
        for crd in yaml.safe_load_all(open(path)):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            kind = spec["names"]["kind"].lower()
            for version in spec["versions"]:
                if not version.get("served"):
                    continue
                schema = strict(version["schema"]["openAPIV3Schema"])
                target = os.path.join(out_dir, spec["group"], f"{kind}_{version['name']}.json")
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w") as out:
                    json.dump(schema, out)
                written += 1
    if written == 0:
        sys.exit(f"crd_schemas: no CustomResourceDefinition in {paths}")
    print(f"crd_schemas: {written} schemas from {len(paths)} CRD files")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
