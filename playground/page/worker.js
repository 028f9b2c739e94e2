// The playground's Web Worker: runs the WebAssembly CLI (createCachelab, the
// build's cachelab.js, is prepended to this script by build_page.py) on an
// in-memory file system, one command at a time, so the page stays responsive
// and Stop is worker.terminate().
//
// Messages in:  {id, cmd: "validate"|"run"|"compare"|"explain", scenario: TEXT,
//                args: [extra CLI arguments]}
// Messages out: {id, progress: 0..1}  while simulating
//               {id, done: true, code, stdout, stderr, files: {name: text},
//                report: HTML or null, simulated: seconds the command took}
"use strict";

let instance = null;  // one module instance, reused: callMain runs one command at a time
let sink = null;      // where the current command's output goes
let runs = 0;

// stderr byte by byte (FS.init), so that progress updates, which end in a
// carriage return rather than a newline, arrive while the run goes on.
let errBytes = [];
function errSegment() {
  const part = new TextDecoder().decode(new Uint8Array(errBytes));
  errBytes = [];
  if (!sink) return;
  const m = /(\d+)%\s+\S+ elapsed/.exec(part);  // "simulating NAME:  42%  3s elapsed"
  if (m) {
    postMessage({ id: sink.id, progress: Number(m[1]) / 100 });
  } else if (part.trim()) {
    sink.err.push(part.trim());
  }
}
function errByte(c) {
  if (c === null) return;
  if (c === 10 || c === 13) errSegment(); else errBytes.push(c);
}

function module() {
  if (!instance) {
    instance = createCachelab({
      print: (s) => sink && sink.out.push(s),
      preRun: [(m) => {
        m.ENV.CACHELAB_PROGRESS = "1";
        m.FS.init(null, null, errByte);
      }],
    });
  }
  return instance;
}

function call(m, args) {
  try {
    return m.callMain(args);
  } catch (e) {
    if (e && e.name === "ExitStatus") return e.status;
    throw e;
  }
}

function readTree(m, dir, prefix, files) {
  for (const name of m.FS.readdir(dir)) {
    if (name === "." || name === "..") continue;
    const path = dir + "/" + name;
    if (m.FS.isDir(m.FS.stat(path).mode)) {
      readTree(m, path, prefix + name + "/", files);
    } else {
      files[prefix + name] = m.FS.readFile(path, { encoding: "utf8" });
    }
  }
  return files;
}

function removeTree(m, dir) {
  if (!m.FS.analyzePath(dir).exists) return;
  for (const name of m.FS.readdir(dir)) {
    if (name === "." || name === "..") continue;
    const path = dir + "/" + name;
    if (m.FS.isDir(m.FS.stat(path).mode)) removeTree(m, path); else m.FS.unlink(path);
  }
  m.FS.rmdir(dir);
}

onmessage = async (event) => {
  const { id, cmd, scenario, args } = event.data;
  let m;
  try {
    m = await module();
  } catch (e) {
    postMessage({ id, done: true, code: 1, stdout: "", stderr: "cannot start the simulator: " + e, files: {}, report: null });
    return;
  }
  sink = { id, out: [], err: [] };
  const dir = "/work" + ++runs;
  m.FS.mkdirTree(dir);
  m.FS.writeFile(dir + "/scenario.json", scenario);
  const out = dir + "/out";
  let code;
  let report = null;
  let files = {};
  let simulated = 0;  // seconds of the command itself, without the report
  try {
    if (cmd === "validate") {
      code = call(m, ["validate", dir + "/scenario.json"]);
    } else if (cmd === "run" || cmd === "compare" || cmd === "explain") {
      const began = performance.now();
      code = call(m, [cmd, dir + "/scenario.json", ...(args || []), "--out", out]);
      simulated = (performance.now() - began) / 1000;
      if (code === 0 && m.FS.analyzePath(out).exists) {
        files = readTree(m, out, "", {});
        // The report command's own lines ("report: PATH") are not the result's.
        const [outLines, errLines] = [sink.out.length, sink.err.length];
        if (call(m, ["report", out, "--out", dir + "/report.html"]) === 0) {
          report = m.FS.readFile(dir + "/report.html", { encoding: "utf8" });
        }
        sink.out.length = outLines;
        sink.err.length = errLines;
      }
    } else {
      code = 2;
      sink.err.push("unknown command " + cmd);
    }
  } catch (e) {
    // An abort (out of memory, a trap) leaves the instance unusable: the next
    // command starts a fresh one.
    instance = null;
    code = 1;
    sink.err.push("the simulator stopped: " + (e && e.message ? e.message : e));
  }
  try {
    if (instance) removeTree(m, dir);
  } catch (e) {
    instance = null;
  }
  errSegment();
  postMessage({ id, done: true, code, stdout: sink.out.join("\n"), stderr: sink.err.join("\n"), files, report, simulated });
  sink = null;
};
