// Validates the prometheus-operator resources of a built k8s/operator (JSON
// array of objects, argv[2]) two ways, both from the operator's own CRDs:
// - the CRD's OpenAPI schema (types, enums, patterns, required fields), via
//   @kubernetes-models' validators;
// - unknown fields, which structural schemas let through (the API server
//   would silently prune them): each object becomes a typed TypeScript
//   literal and `tsc --strict` rejects any property the CRD does not define.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PodMonitor, PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const here = dirname(fileURLToPath(import.meta.url));
const models = { PodMonitor, PrometheusRule };
const objects = JSON.parse(readFileSync(process.argv[2], "utf8"));
const custom = objects.filter((o) => o.apiVersion === "monitoring.coreos.com/v1");
let failures = 0;

for (const object of custom) {
  const Model = models[object.kind];
  const id = `${object.kind}/${object.metadata?.name}`;
  if (!Model) {
    console.error(`operator: ${id}: no schema for this kind`);
    failures++;
    continue;
  }
  try {
    new Model(object).validate();
    console.log(`operator: ${id} matches the CRD schema`);
  } catch (error) {
    console.error(`operator: ${id}: ${error.message}`);
    failures++;
  }
}

const work = join(here, ".typecheck");
mkdirSync(work, { recursive: true });
const source = [
  `import type { IPodMonitor, IPrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";`,
  ...custom.map((o, i) => `export const object${i}: I${o.kind} = ${JSON.stringify(o, null, 2)};`),
].join("\n");
writeFileSync(join(work, "operator.ts"), source + "\n");
try {
  execFileSync(
    join(here, "node_modules/.bin/tsc"),
    ["--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext", "--moduleResolution", "nodenext",
     "--target", "es2022", join(work, "operator.ts")],
    { stdio: "inherit" },
  );
  console.log(`operator: ${custom.length} objects define no field outside their CRD types`);
} catch {
  console.error("operator: tsc found fields outside the CRD types (above)");
  failures++;
}

if (custom.length < 2) {
  console.error(`operator: expected a PodMonitor and a PrometheusRule, found ${custom.length} objects`);
  failures++;
}
process.exit(failures ? 1 : 0);
