/**
 * WebAssembly in sso-setup is two small parsers: undici's HTTP parser (llhttp) and libxml2 for the
 * XML Schema check (xmllint-wasm). V8 compiles each module twice, quickly (Liftoff) and then
 * optimised (TurboFan) in the background; the optimising compile of llhttp alone peaks at ~35 MiB,
 * a third of `apply`'s memory, for code that parses a few small HTTP answers. Liftoff's code is
 * fast enough for that, so V8 is told to keep it (a process-wide flag, read at each compile:
 * set before the first module is compiled). Measured: an undici request 98 -> 63 MiB peak RSS.
 */
let done = false;

export function useBaselineWasmCompiler(): void {
  if (done) return;
  done = true;
  process.getBuiltinModule('node:v8').setFlagsFromString('--liftoff-only');
}
