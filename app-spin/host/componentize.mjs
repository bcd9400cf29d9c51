// Turns the core module cargo builds (wasm32-wasip1) into a WASI 0.2
// component, the same step `wasm-tools component new --adapt` performs, and
// prints the component's world so its imports are visible in every build.
//
//   node componentize.mjs CORE.wasm ADAPTER.wasm OUT.wasm

import { readFileSync, writeFileSync } from "node:fs";

import { componentNew, componentWit } from "@bytecodealliance/jco-transpile/wasm-tools";

const [core, adapter, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node componentize.mjs CORE.wasm ADAPTER.wasm OUT.wasm");
  process.exit(2);
}
const component = await componentNew(readFileSync(core), [
  ["wasi_snapshot_preview1", readFileSync(adapter)],
]);
writeFileSync(out, component);
const world = await componentWit(component);
for (const line of world.split("\n")) {
  if (/^\s*(import|export) /.test(line)) console.log(line.trim());
}
