// The WebAssembly build of the CLI (playground/) against the native one: the
// same scenario and seed give byte-identical summary.json and timeseries.csv,
// bad input gives the loader's one-line message with its JSON pointer and
// exit 2, and nothing is written for it.
//
// Usage: node tests/playground/wasm_cli_test.mjs WASM_JS NATIVE_CLI SCENARIO...
// Exit 0: all hold; 1: a difference (printed); 77: no WebAssembly build.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

const [wasmJs, native, ...scenarios] = process.argv.slice(2);
if (!wasmJs || !native || scenarios.length === 0) {
  console.error("usage: wasm_cli_test.mjs WASM_JS NATIVE_CLI SCENARIO...");
  process.exit(2);
}
if (!existsSync(wasmJs)) {
  console.log(`skipped: ${wasmJs} is not built (make playground)`);
  process.exit(77);
}

const require = createRequire(import.meta.url);
const createCachelab = require(wasmJs);

// One module instance per command, as the page's worker makes: the CLI keeps
// process-wide state (the budget, the cancel flag) that a fresh instance resets.
async function wasmRun(args, files) {
  let out = "", err = "";
  const m = await createCachelab({
    print: (s) => { out += s + "\n"; },
    printErr: (s) => { err += s + "\n"; },
  });
  m.FS.mkdir("/in");
  for (const [name, text] of Object.entries(files)) m.FS.writeFile("/in/" + name, text);
  let code;
  try {
    code = m.callMain(args);
  } catch (e) {
    if (e && e.name === "ExitStatus") code = e.status; else throw e;
  }
  const read = (p) => (m.FS.analyzePath(p).exists ? m.FS.readFile(p, { encoding: "utf8" }) : null);
  return { code, out, err, read, exists: (p) => m.FS.analyzePath(p).exists };
}

let failures = 0;
function check(ok, what) {
  if (!ok) {
    failures++;
    console.log("FAIL " + what);
  } else {
    console.log("ok   " + what);
  }
}

const tmp = mkdtempSync(join(tmpdir(), "cachelab-wasm-"));
try {
  for (const scenario of scenarios) {
    const name = basename(scenario);
    const text = readFileSync(scenario, "utf8");
    const nativeOut = join(tmp, name);
    execFileSync(native, ["run", scenario, "--out", nativeOut], { stdio: "ignore" });
    const w = await wasmRun(["run", "/in/" + name, "--out", "/out"], { [name]: text });
    check(w.code === 0, `${name}: the WebAssembly run exits 0 (got ${w.code}: ${w.err.trim()})`);
    for (const file of ["summary.json", "timeseries.csv"]) {
      const a = readFileSync(join(nativeOut, file), "utf8");
      const b = w.read("/out/" + file);
      check(a === b, `${name}: ${file} is byte-identical to the native CLI's (${a.length} bytes)`);
    }
  }

  // Bad input: the loader's message with its pointer, exit 2, no folder.
  const bad = JSON.parse(readFileSync(scenarios[0], "utf8"));
  bad.workload.rate = { kind: "constant", rps: -5 };
  const w = await wasmRun(["run", "/in/bad.json", "--out", "/out"], { "bad.json": JSON.stringify(bad) });
  check(w.code === 2, `a malformed scenario exits 2 (got ${w.code})`);
  check(/\/workload\/rate\/rps/.test(w.err) && w.err.trim().split("\n").length === 1,
        `its error is one line naming /workload/rate/rps: ${w.err.trim()}`);
  check(!w.exists("/out"), "and no output folder is written");
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failures === 0 ? 0 : 1);
