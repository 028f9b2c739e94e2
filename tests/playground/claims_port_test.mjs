// playground/page/claims.js, the browser's port of scenarios/claims.py, gives
// the same verdict and the same detail text (up to thousands separators) as
// the Python on every claim of
// the catalog (on the reference results) and every exercise check (on each of
// its lesson's reference summaries with the scenario under `resolved`), and
// both refuse the same malformed claims.
//
// Usage: node tests/playground/claims_port_test.mjs   (from the repository root)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
const require = createRequire(import.meta.url);
const claims = require(path.join(root, "playground/page/claims.js"));
const read = (p) => JSON.parse(fs.readFileSync(path.join(root, p), "utf8"));
const catalog = read("scenarios/catalog.json");

// A cost plan's rows (candidates and "answer") as scenarios/catalog.py builds them.
function planRows(entry) {
  return JSON.parse(execFileSync("python3", ["-c", `
import json, sys
sys.path.insert(0, "scenarios")
import catalog
entry = json.loads(sys.argv[1])
print(json.dumps(catalog.result_rows(entry, "results/baselines/" + entry["file"][:-5])))
`, JSON.stringify(entry)], { cwd: root, encoding: "utf8" }));
}

function reference(file, vary) {
  const entry = catalog.find((c) => c.file === file);
  if (entry && entry.plan) return planRows(entry);
  const base = "results/baselines/" + file.replace(/\.json$/, "");
  if (vary.length) return read(base + "/compare.json").map((v) => [v.label.replace(/ /g, "+"), v.summary]);
  return [["run", read(base + "/summary.json")]];
}

const cases = [];
for (const e of catalog) {
  const results = Object.fromEntries(reference(e.file, e.vary));
  for (const text of e.expect || []) cases.push({ text, results });
}
for (const x of read("scenarios/exercises.json")) {
  const e = catalog.find((c) => c.file === x.lesson);
  const scenario = read("scenarios/" + x.lesson);
  for (const [, summary] of reference(x.lesson, e.vary)) {
    for (const text of x.checks) cases.push({ text, results: { run: { ...summary, resolved: scenario } } });
  }
}
// Malformed and edge claims, on the first case's results.
for (const text of ["db.reads >", "db.reads ~ 3", "nope:db.reads > 1", "len(3 > 2", "cache.hit_ratio > 0.5 0.6",
                    "abs(0 - 2) == 2", "1 / 0 > 5", "0 / 0 == 0", "\"a\" == \"a\"", "true == 1", "2.5e3 > 2499"]) {
  cases.push({ text, results: cases[0].results });
}

const python = JSON.parse(execFileSync("python3", ["-c", `
import json, sys
sys.path.insert(0, "scenarios")
import claims
out = []
for c in json.load(sys.stdin):
    try:
        ok, detail = claims.check(c["text"], c["results"])
        out.append([bool(ok), detail])
    except claims.ClaimError:
        out.append(["error"])
print(json.dumps(out))
`], { cwd: root, input: JSON.stringify(cases), encoding: "utf8", maxBuffer: 1 << 28 }));

let failures = 0;
cases.forEach((c, i) => {
  let mine;
  try {
    mine = claims.check(c.text, c.results);
  } catch (e) {
    if (!(e instanceof claims.ClaimError)) throw e;
    mine = ["error"];
  }
  // The detail's thousands separators may differ: JavaScript numbers carry no
  // int/float distinction, so "2000" may print as "2,000". Nothing else may.
  const plain = (r) => JSON.stringify(r.length > 1 ? [r[0], r[1].replace(/,(?=\d{3})/g, "")] : r);
  if (plain(mine) !== plain(python[i])) {
    failures++;
    console.log(`FAIL ${c.text}\n  python: ${JSON.stringify(python[i])}\n  js:     ${JSON.stringify(mine)}`);
  }
});
console.log(`${cases.length - failures} of ${cases.length} claims agree`);
process.exit(failures === 0 ? 0 : 1);
