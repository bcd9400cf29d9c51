// Makes jco's JSPI probe cheap on Nodes without JSPI (Node 20).
//
// Every instantiation of a jco-transpiled component runs
// `try { x = WebAssembly.promising(f) } catch { x = f }`. Without JSPI,
// `WebAssembly.promising` is undefined, so the call throws a TypeError, and
// V8 builds its message ("... is not a function") by re-parsing the source
// of the generated instantiation function, which is thousands of lines long.
// With a fresh instance per request, that message cost more than half of
// this host's CPU per request. A `promising` that throws one prebuilt error
// takes the same catch branch, so the component runs exactly as before, with
// nothing to format. A Node that has JSPI keeps its own.
//
// Imported first by serve.mjs so it is in place before any component loads.

if (typeof WebAssembly.promising !== "function") {
  const unsupported = new TypeError("WebAssembly.promising (JSPI) is not available in this Node");
  Object.defineProperty(WebAssembly, "promising", {
    value: function promising() {
      throw unsupported;
    },
    configurable: true,
    writable: true,
  });
}
