// The playground page: lessons from the catalog, a scenario editor validated
// by the simulator's own loader as you type, Run and Compare in a Web Worker
// (worker.js around the WebAssembly CLI), the result's report in a frame,
// its files as downloads, and the state in the URL.
//
// Strings from scenarios, lessons and URLs are data: they reach the page
// through textContent and attributes only (never innerHTML); the report frame
// shows the CLI's own report, which escapes them itself.
//
// For tests, window.cachelabPlayground exposes the state: status ("ready",
// "running", "done", "failed", "stopped"), the last result (code, files,
// stdout, stderr) and the validation message.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("lessons-data").textContent);
  const byFile = new Map(data.lessons.map((l) => [l.file, l]));
  const exercises = new Map();
  data.exercises.forEach((x, i) => { if (!exercises.has(x.lesson)) exercises.set(x.lesson, { n: i + 1, ...x }); });
  const workerUrl = URL.createObjectURL(new Blob([$("worker-src").textContent], { type: "text/javascript" }));

  const api = (window.cachelabPlayground = { status: "loading", result: null, validation: "", lesson: null });
  const setStatus = (s) => { api.status = s; document.body.dataset.status = s; };

  // --- the worker ---------------------------------------------------------
  let worker = null;
  let nextId = 1;
  const pending = new Map();
  function startWorker() {
    worker = new Worker(workerUrl);
    worker.onmessage = (e) => {
      const p = pending.get(e.data.id);
      if (!p) return;
      if (e.data.done) {
        pending.delete(e.data.id);
        p.resolve(e.data);
      } else if (p.onProgress) {
        p.onProgress(e.data.progress);
      }
    };
    worker.onerror = (e) => {
      for (const p of pending.values()) p.resolve({ code: 1, stdout: "", stderr: "the simulator failed: " + e.message, files: {}, report: null });
      pending.clear();
    };
  }
  function send(cmd, scenario, args, onProgress) {
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, { resolve, onProgress });
      worker.postMessage({ id, cmd, scenario, args });
    });
  }
  startWorker();

  // The loader names its input file; the page's is the editor.
  const clean = (text) => text.replace(/\/work\d+\/scenario\.json: /g, "").replace(/^cachelab: error: /gm, "").trim();

  // --- URL state -----------------------------------------------------------
  function toB64(text) {
    const bytes = new TextEncoder().encode(text);
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function fromB64(b64) {
    const s = atob(b64.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder().decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
  }
  function writeUrl() {
    const l = api.lesson;
    const parts = ["lesson=" + encodeURIComponent(l.file)];
    if ($("scenario").value !== l.scenario) parts.push("scenario=" + toB64($("scenario").value));
    if ($("variants").value !== l.vary.join("\n")) parts.push("vary=" + toB64($("variants").value));
    history.replaceState(null, "", "#" + parts.join("&"));
  }
  function readUrl() {
    const params = new URLSearchParams(location.hash.slice(1));
    const out = { lesson: params.get("lesson") };
    try {
      if (params.has("scenario")) out.scenario = fromB64(params.get("scenario"));
      if (params.has("vary")) out.vary = fromB64(params.get("vary"));
    } catch (e) {
      out.bad = "the link's scenario is not readable (" + e.message + ")";
    }
    return out;
  }

  // --- lessons -------------------------------------------------------------
  function buildNav() {
    const nav = $("lessons");
    let group = null;
    for (const l of data.lessons) {
      const folder = l.file.split("/")[0];
      if (folder !== group) {
        group = folder;
        const h = document.createElement("h4");
        h.textContent = folder;
        nav.append(h);
      }
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = l.title;
      b.dataset.file = l.file;
      b.addEventListener("click", () => { show(l); writeUrl(); });
      nav.append(b);
    }
  }

  function show(l, scenario, vary) {
    api.lesson = l;
    for (const b of $("lessons").querySelectorAll("button")) b.setAttribute("aria-current", String(b.dataset.file === l.file));
    $("title").textContent = l.title;
    const beyond = l.article.startsWith("beyond the article: ");
    $("meta").textContent = "scenarios/" + l.file + " · " + (beyond ? "" : "article: ") + l.article;
    $("description").textContent = l.description;
    $("text").textContent = l.text;
    $("scenario").value = scenario !== undefined ? scenario : l.scenario;
    $("variants").value = vary !== undefined ? vary : l.vary.join("\n");
    $("variants-box").hidden = l.vary.length === 0 && !$("variants").value;
    $("compare").hidden = $("variants-box").hidden;
    const x = exercises.get(l.file);
    $("exercise").hidden = !x;
    if (x) {
      $("question").textContent = "Exercise " + x.n + ". " + x.question;
      $("change").textContent = "Change only " + x.change + ".";
      $("exercise-start").hidden = x.start.length === 0;
      $("exercise-result").hidden = true;
    }
    $("results").hidden = true;
    $("timeline").hidden = true;
    $("native-only").hidden = !l.native_only;
    $("native-only").textContent = l.native_only ? "Not runnable here: " + l.native_only + "." : "";
    for (const id of ["run", "compare", "explain"]) $(id).disabled = Boolean(l.native_only);
    validate();
  }

  // --- validation as you type ---------------------------------------------
  let validateTimer = 0;
  let validating = false;
  let validateAgain = false;
  function validate() {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(async () => {
      if (validating || running) { validateAgain = true; return; }
      validating = true;
      const r = await send("validate", $("scenario").value, []);
      validating = false;
      const v = $("validation");
      if (r.code === 0) {
        v.className = "ok";
        v.textContent = "valid";
      } else {
        v.className = "bad";
        v.textContent = clean(r.stderr) || "not valid (exit " + r.code + ")";
      }
      api.validation = v.textContent;
      if (api.status === "loading") setStatus("ready");
      if (validateAgain) { validateAgain = false; validate(); }
    }, 250);
  }

  // --- run and compare ----------------------------------------------------
  let running = false;
  function setRunning(on) {
    running = on;
    const off = on || Boolean(api.lesson && api.lesson.native_only);
    $("run").disabled = off;
    $("compare").disabled = off;
    $("explain").disabled = off;
    $("stop").disabled = !on;
    $("progress").hidden = !on;
    if (!on && validateAgain) { validateAgain = false; validate(); }
  }

  async function start(kind) {
    const args = [];
    if (kind === "compare") {
      for (const line of $("variants").value.split("\n").map((s) => s.trim()).filter(Boolean)) args.push("--vary", line);
    }
    if (api.lesson.metrics.length) args.push("--metrics", api.lesson.metrics.join(","));
    writeUrl();
    setRunning(true);
    setStatus("running");
    $("state").className = "";
    $("state").textContent = kind === "compare" ? "comparing..." : "running...";
    $("progress").value = 0;
    const began = performance.now();
    const r = await send(kind, $("scenario").value, args, (f) => { $("progress").value = f; });
    if (!running) return;  // stopped meanwhile
    setRunning(false);
    api.result = r;
    api.result.seconds = (performance.now() - began) / 1000;
    showResult(r);
    setStatus(r.code === 0 ? "done" : "failed");
  }

  // `cachelab explain`: one key's events as a sequence diagram, its window
  // found by the simulator (--around) or the run's first second.
  async function explain() {
    const args = ["--key", $("explain-key").value.trim() || "0"];
    if ($("explain-around").value) args.push("--around", $("explain-around").value);
    setRunning(true);
    setStatus("running");
    $("state").className = "";
    $("state").textContent = "explaining...";
    const began = performance.now();
    const r = await send("explain", $("scenario").value, args, (f) => { $("progress").value = f; });
    if (!running) return;
    setRunning(false);
    api.result = r;
    api.result.seconds = (performance.now() - began) / 1000;
    const t = $("timeline");
    t.hidden = false;
    t.textContent = r.code === 0 ? r.stdout : clean(r.stderr);
    // The report of an explain folder draws the same events as a timeline,
    // a lane per actor; explain.json is among the downloads.
    if (r.code === 0) showResult(r);
    $("state").className = r.code === 0 ? "" : "bad";
    $("state").textContent = r.code === 0 ? "explained" : "failed (exit " + r.code + ")";
    setStatus(r.code === 0 ? "done" : "failed");
  }

  function showResult(r) {
    $("results").hidden = false;
    const ok = r.code === 0;
    $("state").className = ok ? "" : "bad";
    $("state").textContent = ok ? "finished in " + api.result.seconds.toFixed(1) + " s" : "failed (exit " + r.code + ")";
    $("console").textContent = ok ? r.stdout : clean(r.stderr);
    const downloads = $("downloads");
    downloads.replaceChildren();
    const files = Object.keys(r.files).filter((n) => !n.includes("/")).sort();
    if (r.report) files.push("report.html");
    for (const name of files) {
      const a = document.createElement("a");
      const text = name === "report.html" ? r.report : r.files[name];
      const type = name.endsWith(".json") ? "application/json" : name.endsWith(".csv") ? "text/csv" : "text/html";
      a.href = URL.createObjectURL(new Blob([text], { type }));
      a.download = name;
      a.textContent = name;
      downloads.append(a);
    }
    const frame = $("report");
    frame.hidden = !r.report;
    if (r.report) frame.srcdoc = r.report;
  }

  function stop() {
    if (!running) return;
    worker.terminate();
    for (const p of pending.values()) p.resolve({ code: 130, stdout: "", stderr: "stopped", files: {}, report: null });
    pending.clear();
    validating = false;
    startWorker();
    setRunning(false);
    $("state").className = "";
    $("state").textContent = "stopped";
    setStatus("stopped");
  }

  // --- exercises -----------------------------------------------------------
  // The exercise's start (CLI --set arguments) applied to the lesson's scenario.
  function applySets(text, args) {
    const doc = JSON.parse(text);
    for (let i = 0; i + 1 < args.length; i += 2) {
      if (args[i] !== "--set") continue;
      const eq = args[i + 1].indexOf("=");
      const keys = args[i + 1].slice(1, eq).split("/").map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
      let value = args[i + 1].slice(eq + 1);
      try { value = JSON.parse(value); } catch (e) { /* a string, as --set takes it */ }
      let node = doc;
      for (const k of keys.slice(0, -1)) node = node[k];
      node[keys[keys.length - 1]] = value;
    }
    return JSON.stringify(doc, null, 2) + "\n";
  }

  // As scenarios/check_exercise.py: the run must be of the lesson's scenario,
  // then every check holds on its summary (the resolved scenario as `resolved`).
  function checkExercise() {
    const x = exercises.get(api.lesson.file);
    const out = $("exercise-result");
    out.hidden = false;
    const r = api.result;
    if (!r || !r.files || !r.files["summary.json"] || !r.files["scenario.resolved.json"]) {
      out.className = "";
      out.textContent = "Run the scenario first (Run, not Compare): the check reads that run's summary.";
      api.exercise = { answered: false };
      return;
    }
    const run = { ...JSON.parse(r.files["summary.json"]), resolved: JSON.parse(r.files["scenario.resolved.json"]) };
    const checks = ['resolved.name == "' + JSON.parse(api.lesson.scenario).name + '"', ...x.checks];
    const lines = [];
    let all = true;
    for (const text of checks) {
      let ok, detail;
      try {
        [ok, detail] = cachelabClaims.check(text, { run });
      } catch (e) {
        ok = false;
        detail = e.message;
      }
      all = all && ok;
      lines.push((ok ? "ok   " : "not  ") + text + "  (" + detail + ")");
    }
    lines.push(all ? "yes: this run answers exercise " + x.n : "not yet: change " + x.change + " and run again");
    out.className = all ? "yes" : "";
    out.textContent = lines.join("\n");
    api.exercise = { answered: all, lines };
  }

  // --- wiring --------------------------------------------------------------
  buildNav();
  $("scenario").addEventListener("input", () => { validate(); });
  $("variants").addEventListener("input", () => writeUrl());
  $("run").addEventListener("click", () => start("run"));
  $("compare").addEventListener("click", () => start("compare"));
  $("stop").addEventListener("click", stop);
  $("explain").addEventListener("click", explain);
  $("exercise-check").addEventListener("click", checkExercise);
  $("exercise-start").addEventListener("click", () => {
    const x = exercises.get(api.lesson.file);
    $("scenario").value = applySets(api.lesson.scenario, x.start);
    $("exercise-result").hidden = true;
    writeUrl();
    validate();
  });
  $("reset").addEventListener("click", () => { show(api.lesson); writeUrl(); });
  $("share").addEventListener("click", async () => {
    writeUrl();
    try {
      await navigator.clipboard.writeText(location.href);
      $("state").textContent = "link copied";
    } catch (e) {
      $("state").textContent = "the link is in the address bar";
    }
  });

  const wanted = readUrl();
  const first = byFile.get(wanted.lesson) || byFile.get(data.default) || data.lessons[0];
  show(first, wanted.scenario, wanted.vary);
  if (wanted.bad) {
    $("state").className = "bad";
    $("state").textContent = wanted.bad;
  }
})();
