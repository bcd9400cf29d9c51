// Serves the edge component the way Spin does, on a real WASI-HTTP host:
// jco transpiles the component, preview2-shim provides WASI 0.2 (HTTP server,
// clocks, streams) on Node, and every request gets a FRESH component instance,
// as Spin never reuses one. What Spin adds on top is provided here too: the
// key-value store (kv.mjs) and `fermyon:spin/variables`.
//
//   node serve.mjs --component app_spin.wasm [--listen 127.0.0.1:0]
//        [--admin 127.0.0.1:0] [--store default] [--variable demo_faults=true]
//
// The first stdout line is `listening http=HOST:PORT admin=HOST:PORT`. The
// admin port is for tests only (`--admin none` turns it off): it shows and
// alters the store from outside the component, like another writer or an
// operator would.

// First: jco's generated code probes for JSPI on every instantiation.
import "./jspi-probe.mjs";

import { readFileSync } from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";

import { transpileBytes } from "@bytecodealliance/jco-transpile";
import { HTTPServer } from "@bytecodealliance/preview2-shim/http";
import { WASIShim } from "@bytecodealliance/preview2-shim/instantiation";

import { KeyValueHost } from "./kv.mjs";

const { values: args } = parseArgs({
  options: {
    component: { type: "string" },
    listen: { type: "string", default: "127.0.0.1:0" },
    admin: { type: "string", default: "127.0.0.1:0" },
    store: { type: "string", multiple: true, default: ["default"] },
    variable: { type: "string", multiple: true, default: [] },
  },
});
if (!args.component) {
  console.error("usage: node serve.mjs --component app.wasm [--listen host:port] ...");
  process.exit(2);
}

function hostPort(text) {
  const at = text.lastIndexOf(":");
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

const variables = new Map(
  args.variable.map((pair) => {
    const at = pair.indexOf("=");
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);

const kv = new KeyValueHost(args.store);
const keyValue = kv.interfaces();
const spinVariables = {
  get(name) {
    if (!variables.has(name)) throw { payload: { tag: "undefined", val: `no variable for ${name}` } };
    return variables.get(name);
  },
};

// Transpile once, compile each core module once, instantiate per request.
// In instantiation mode the generated module imports nothing, so it loads
// straight from memory and nothing is left behind on disk.
const { files } = await transpileBytes(readFileSync(args.component), {
  name: "component",
  instantiation: "sync",
  emitTypescriptDeclarations: false,
});
const source = Buffer.from(files["component.js"]).toString("base64");
const transpiled = await import(`data:text/javascript;base64,${source}`);
const coreModules = new Map(
  Object.entries(files)
    .filter(([path]) => path.endsWith(".wasm"))
    .map(([path, bytes]) => [path, new WebAssembly.Module(bytes)]),
);
function getCoreModule(path) {
  return coreModules.get(path);
}

let served = 0;
function freshInstance() {
  // Like Spin: no host environment, no files, no outbound network.
  const wasi = new WASIShim({ sandbox: { env: {}, args: [], preopens: {}, enableNetwork: false } });
  const instance = transpiled.instantiate(getCoreModule, {
    ...wasi.getImportObject(),
    "wasi:keyvalue/store": keyValue.store,
    "wasi:keyvalue/atomics": keyValue.atomics,
    "wasi:keyvalue/batch": keyValue.batch,
    "fermyon:spin/variables": spinVariables,
  });
  served += 1;
  return instance;
}

const server = new HTTPServer({
  handle(request, responseOut) {
    return freshInstance().incomingHandler.handle(request, responseOut);
  },
});
const listen = hostPort(args.listen);
server.listen(listen.port, listen.host);
const bound = server.address();

const admin = http.createServer((req, res) => {
  const url = new URL(req.url, "http://admin");
  const reply = (status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const label = url.searchParams.get("store") ?? "default";
    if (req.method === "GET" && url.pathname === "/kv") {
      const entries = kv.entries(label).map(([key, value]) => [key, Buffer.from(value).toString("hex")]);
      return reply(200, Object.fromEntries(entries));
    }
    if (req.method === "PUT" && url.pathname.startsWith("/kv/")) {
      kv.put(label, decodeURIComponent(url.pathname.slice(4)), Buffer.concat(chunks));
      return reply(200, {});
    }
    if (req.method === "POST" && url.pathname === "/offline") {
      kv.setOffline(url.searchParams.get("on") !== "false");
      return reply(200, {});
    }
    if (req.method === "GET" && url.pathname === "/stats") {
      return reply(200, { instances: served, ops: kv.ops });
    }
    reply(404, { error: "unknown admin route" });
  });
});
if (args.admin === "none") {
  console.log(`listening http=${bound.address}:${bound.port} admin=none`);
} else {
  const adminAt = hostPort(args.admin);
  admin.listen(adminAt.port, adminAt.host, () => {
    const { address, port } = admin.address();
    console.log(`listening http=${bound.address}:${bound.port} admin=${address}:${port}`);
  });
}
