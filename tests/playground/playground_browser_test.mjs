// The playground page (make playground: build/wasm/playground.html) in
// Debian's Chromium, headless, opened from the file system with every
// network request refused. What a workshop participant would do and see:
//   - the page loads, the simulator starts in its worker, the default
//     lesson's scenario validates;
//   - Run on the default lesson: its summary.json is byte-identical to the
//     native CLI's for the same scenario and seed, and the report's charts
//     drew data;
//   - Compare on a lesson with variants: one report with a chart per metric;
//   - a malformed scenario shows the loader's message with its JSON pointer
//     and Run runs nothing;
//   - a link with an edited scenario reproduces it;
//   - a hostile scenario name shows as text, in the page and the report;
//   - Stop ends a long run at once, and the next run works.
// It prints the default scenario's simulated requests per second in the page
// against the native CLI (interleaved, best and median; --repeat N, default 3),
// and the page's size.
//
// node playground_browser_test.mjs --page FILE --cachelab BIN --node-modules DIR --work DIR
//      [--repeat N] [--time-lessons 1]
// Exit 0 pass, 1 fail, 77 skipped (no page built, or no Chromium).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
for (const need of ["page", "cachelab", "node-modules", "work"]) {
  if (!args[need]) {
    console.error(`usage: missing --${need}`);
    process.exit(2);
  }
}
if (!fs.existsSync(args.page)) {
  console.log(`SKIP: ${args.page} is not built (make playground)`);
  process.exit(77);
}
const CHROMIUM = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && fs.existsSync(p));
if (!CHROMIUM) {
  console.log("SKIP: no Chromium");
  process.exit(77);
}
const require = createRequire(path.join(path.resolve(args["node-modules"]), "noop.js"));
const { chromium } = require("playwright-core");
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
const work = path.resolve(args.work);
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

function native(argv) {
  return execFileSync(args.cachelab, argv, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

const b64 = (text) => Buffer.from(text, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
const problems = [];
const requests = [];

async function open(hash = "") {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") problems.push("console error: " + m.text()); });
  page.on("dialog", (d) => { problems.push("dialog: " + d.message()); d.dismiss().catch(() => {}); });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file://") || url.startsWith("blob:") || url.startsWith("data:") || url === "about:srcdoc") return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto("file://" + path.resolve(args.page) + hash);
  await page.waitForFunction(() => window.cachelabPlayground && window.cachelabPlayground.status !== "loading", null, { timeout: 60000 });
  return page;
}

async function act(page, button) {
  await page.click("#" + button);
  await page.waitForFunction(() => ["done", "failed", "stopped"].includes(window.cachelabPlayground.status), null, { timeout: 120000 });
  return page.evaluate(() => window.cachelabPlayground.result);
}

// Charts in the report frame: registered points and coloured pixels.
async function charts(page) {
  const frame = page.frame({ url: "about:srcdoc" }) || page.frames().find((f) => f !== page.mainFrame());
  if (!frame) return { figures: [] };
  await frame.waitForFunction(() => ["ready", "error"].includes(document.body.dataset.status), null, { timeout: 60000 });
  return frame.evaluate(() => ({
    png: (() => {
      const f = document.querySelector("figure.chart");
      const url = f && window.cachelabReport.png(f.dataset.chartId);
      return url ? url.slice(0, 22) + ":" + url.length : null;
    })(),
    pngButtons: document.querySelectorAll("figure.chart button.png").length,
    status: document.body.dataset.status,
    images: document.querySelectorAll("img").length,
    text: document.body.innerText,
    figures: Array.from(document.querySelectorAll("figure.chart")).map((f) => {
      const canvas = f.querySelector("canvas");
      let coloured = 0;
      if (canvas) {
        const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < px.length; i += 4) {
          if (px[i + 3] > 0 && Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 40) coloured++;
        }
      }
      return { points: Number(f.dataset.points), coloured };
    }),
  }));
}

try {
  // 1. Opens, starts, validates the default lesson.
  const page = await open();
  const start = await page.evaluate(() => ({ status: window.cachelabPlayground.status, validation: window.cachelabPlayground.validation,
    lesson: window.cachelabPlayground.lesson.file, lessons: document.querySelectorAll("#lessons button").length }));
  check(start.status === "ready" && start.validation === "valid", `the page starts and the default lesson validates (${start.status}, ${start.validation})`);
  check(start.lessons >= 29, `the lessons are listed (${start.lessons})`);

  // 2. Run: the same summary.json as the native CLI.
  const file = "scenarios/" + start.lesson;
  const nativeOut = path.join(work, "native-run");
  native(["run", file, "--out", nativeOut, "--quiet"]);
  const run = await act(page, "run");
  check(run.code === 0, `Run on ${start.lesson} exits 0 (${run.code} ${run.stderr})`);
  check(run.files["summary.json"] === fs.readFileSync(path.join(nativeOut, "summary.json"), "utf8"),
        "its summary.json is byte-identical to the native CLI's");
  const runCharts = await charts(page);
  check(runCharts.figures.length > 0 && runCharts.figures.every((f) => f.points > 0 && f.coloured > 0),
        `the run's report drew ${runCharts.figures.length} charts with data`);
  check(runCharts.pngButtons === runCharts.figures.length && /^data:image\/png;base64,:\d{4,}$/.test(runCharts.png),
        `every chart has its PNG button, and the first exports a PNG (${runCharts.png})`);
  const downloads = await page.$$eval("#downloads a", (as) => as.map((a) => a.download));
  check(["summary.json", "timeseries.csv", "report.html"].every((n) => downloads.includes(n)), `downloads offered: ${downloads.join(", ")}`);

  // 3. Compare on a lesson with variants.
  await page.click('#lessons button[data-file="keys/namespaced.json"]');
  const cmp = await act(page, "compare");
  const variants = cmp.files["compare.json"] ? JSON.parse(cmp.files["compare.json"]).length : 0;
  check(cmp.code === 0 && variants === 2, `Compare on keys/namespaced runs its 2 variants (${cmp.code}, ${variants})`);
  const nativeCmp = path.join(work, "native-compare");
  native(["compare", "scenarios/keys/namespaced.json", "--vary", JSON.parse(fs.readFileSync(path.join(root, "scenarios/catalog.json"), "utf8"))
    .find((e) => e.file === "keys/namespaced.json").vary[0], "--out", nativeCmp]);
  check(cmp.files["compare.json"] === fs.readFileSync(path.join(nativeCmp, "compare.json"), "utf8"), "its compare.json is byte-identical to the native CLI's");
  const cmpCharts = await charts(page);
  check(cmpCharts.figures.length > 0 && cmpCharts.figures.every((f) => f.points > 0 && f.coloured > 0),
        `the comparison's report drew ${cmpCharts.figures.length} charts with data`);

  // 4. A malformed scenario: the loader's message with its pointer; nothing runs.
  const bad = JSON.parse(fs.readFileSync(path.join(root, file), "utf8"));
  bad.workload.rate.rps = -5;
  await page.fill("#scenario", JSON.stringify(bad, null, 2));
  await page.waitForFunction(() => /rps/.test(window.cachelabPlayground.validation), null, { timeout: 30000 });
  const msg = await page.textContent("#validation");
  check(msg.includes("/workload/rate/rps") && msg.includes("must be > 0"), `a malformed scenario shows the loader's error: ${msg}`);
  const failed = await act(page, "run");
  check(failed.code === 2 && Object.keys(failed.files).length === 0 && !failed.report, `and Run runs nothing (exit ${failed.code})`);

  // 5. A link with an edited scenario reproduces it.
  const edited = JSON.parse(fs.readFileSync(path.join(root, "scenarios/keys/predictable.json"), "utf8"));
  edited.seed = 1234;
  edited.duration = "20s";
  const editedText = JSON.stringify(edited, null, 2);
  const linked = await open("#lesson=" + encodeURIComponent("keys/predictable.json") + "&scenario=" + b64(editedText));
  check((await linked.inputValue("#scenario")) === editedText, "a link with an edited scenario opens it in the editor");
  const linkedRun = await act(linked, "run");
  fs.writeFileSync(path.join(work, "edited.json"), editedText);
  native(["run", path.join(work, "edited.json"), "--out", path.join(work, "native-edited"), "--quiet"]);
  check(linkedRun.files["summary.json"] === fs.readFileSync(path.join(work, "native-edited", "summary.json"), "utf8"),
        "and runs it to the native CLI's summary.json");

  // 6. Hostile strings are text: a description (free text) in the page and
  // the report, a name the loader refuses in its message.
  const hostile = JSON.parse(fs.readFileSync(path.join(root, "scenarios/keys/predictable.json"), "utf8"));
  hostile.description = '<img src=x onerror="window.pwned=1"></script><script>window.pwned=2</script>';
  hostile.duration = "10s";
  await linked.fill("#scenario", JSON.stringify(hostile, null, 2));
  const hostileRun = await act(linked, "run");
  const hostileCharts = await charts(linked);
  const seen = await linked.evaluate(() => [window.pwned, document.querySelectorAll("main img").length]);
  check(hostileRun.code === 0 && seen[0] === undefined && seen[1] === 0, "a hostile scenario description runs no script and adds no element to the page");
  check(hostileCharts.images === 0 && hostileCharts.text.includes('<img src=x onerror="window.pwned=1">'), "and shows as text in the report");
  hostile.name = '<img src=x onerror="window.pwned=3">';
  await linked.fill("#scenario", JSON.stringify(hostile, null, 2));
  await linked.waitForFunction(() => /\/name/.test(window.cachelabPlayground.validation), null, { timeout: 30000 });
  const named = await linked.evaluate(() => [window.pwned, document.querySelectorAll("main img").length, document.getElementById("validation").textContent]);
  check(named[0] === undefined && named[1] === 0 && named[2].includes('<img src=x onerror'), `a hostile name shows as text in the loader's message: ${named[2]}`);

  // 7. Stop ends a long run at once; the next run works.
  const long = JSON.parse(fs.readFileSync(path.join(root, "scenarios/default.json"), "utf8"));
  long.duration = "2h";
  await linked.fill("#scenario", JSON.stringify(long, null, 2));
  await linked.waitForFunction(() => window.cachelabPlayground.validation === "valid", null, { timeout: 30000 });
  await linked.click("#run");
  await linked.waitForFunction(() => Number(document.getElementById("progress").value) > 0, null, { timeout: 60000 });
  const stopAt = Date.now();
  await linked.click("#stop");
  await linked.waitForFunction(() => window.cachelabPlayground.status === "stopped", null, { timeout: 5000 });
  check(Date.now() - stopAt < 2000, `Stop ends a running simulation at once (${Date.now() - stopAt} ms), the progress bar having moved`);
  await linked.fill("#scenario", editedText);
  const again = await act(linked, "run");
  check(again.code === 0, "and the next run works");

  // 8. An exercise: its start does not answer it, the teacher's answer does,
  // checked in the page as scenarios/check_exercise.py checks a folder.
  const exercises = JSON.parse(fs.readFileSync(path.join(root, "scenarios/exercises.json"), "utf8"));
  const n = exercises.findIndex((x) => x.lesson === "keys/namespaced.json") + 1;
  const ex = exercises[n - 1];
  await linked.click('#lessons button[data-file="keys/namespaced.json"]');
  await act(linked, "run");
  await linked.click("#exercise-check");
  const notYet = await linked.evaluate(() => [window.cachelabPlayground.exercise.answered, document.getElementById("exercise-result").textContent]);
  check(notYet[0] === false && notYet[1].includes("not yet: change " + ex.change), `exercise ${n} at its start: not yet`);
  const solved = JSON.parse(fs.readFileSync(path.join(root, "scenarios/keys/namespaced.json"), "utf8"));
  for (let i = 0; i < ex.solution.length; i += 2) {
    const [ptr, value] = [ex.solution[i + 1].slice(0, ex.solution[i + 1].indexOf("=")), ex.solution[i + 1].slice(ex.solution[i + 1].indexOf("=") + 1)];
    const keys = ptr.slice(1).split("/");
    let node = solved;
    for (const k of keys.slice(0, -1)) node = node[k];
    node[keys[keys.length - 1]] = JSON.parse(value);
  }
  await linked.fill("#scenario", JSON.stringify(solved, null, 2));
  await act(linked, "run");
  await linked.click("#exercise-check");
  const yes = await linked.evaluate(() => [window.cachelabPlayground.exercise.answered, document.getElementById("exercise-result").textContent]);
  check(yes[0] === true && yes[1].includes("yes: this run answers exercise " + n), `and with the teacher's answer: yes`);

  // 9. Explain: the hot key's events around its first stampede.
  await linked.click('#lessons button[data-file="stampede/hot-key-expiry.json"]');
  await linked.fill("#explain-key", "0");
  await linked.selectOption("#explain-around", "first-stampede");
  const explained = await act(linked, "explain");
  const timeline = await linked.textContent("#timeline");
  check(explained.code === 0 && /first|GET/.test(timeline) && timeline.split("\n").length > 5,
        `Explain shows the hot key's events around its first stampede (${timeline.split("\n").length} lines)`);
  const explainDownloads = await linked.$$eval("#downloads a", (as) => as.map((a) => a.download));
  const explainReport = await charts(linked);
  check(explainDownloads.includes("explain.json") && explainReport.status === "ready" && /explain report/i.test(explainReport.text),
        `and its report (the timeline) and explain.json (${explainDownloads.join(", ")})`);

  // Speed: the default scenario (scenarios/default.json) simulated in the
  // page against the native CLI, interleaved (this machine's speed varies).
  const defaultText = fs.readFileSync(path.join(root, "scenarios/default.json"), "utf8");
  await linked.fill("#scenario", defaultText);
  await linked.waitForFunction(() => window.cachelabPlayground.validation === "valid", null, { timeout: 30000 });
  const pageSeconds = [], nativeSeconds = [];
  let simulatedRequests = 0;
  for (let i = 0; i < Number(args.repeat || 3); i++) {
    const t = process.hrtime.bigint();
    native(["run", "scenarios/default.json", "--out", path.join(work, "speed"), "--quiet"]);
    nativeSeconds.push(Number(process.hrtime.bigint() - t) / 1e9);
    const r = await act(linked, "run");
    pageSeconds.push(r.simulated);
    simulatedRequests = JSON.parse(r.files["summary.json"]).requests.total;
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rate = (s) => Math.round(simulatedRequests / s).toLocaleString("en");
  console.log(`speed scenarios/default.json (${simulatedRequests} requests): Chromium best ${rate(Math.min(...pageSeconds))}/s ` +
              `median ${rate(med(pageSeconds))}/s; native CLI best ${rate(Math.min(...nativeSeconds))}/s median ${rate(med(nativeSeconds))}/s; ` +
              `ratio of bests ${(Math.min(...nativeSeconds) / Math.min(...pageSeconds)).toFixed(2)}`);
  console.log(`page size: ${(fs.statSync(args.page).size / 1e6).toFixed(2)} MB`);

  // --time-lessons: every lesson as its guide runs it (Compare with its
  // variants, else Run), in the page; prints each one's seconds (not asserted).
  if (args["time-lessons"]) {
    const catalog = JSON.parse(fs.readFileSync(path.join(root, "scenarios/catalog.json"), "utf8"));
    const times = [];
    for (const e of catalog) {
      await linked.click('#lessons button[data-file="' + e.file + '"]');
      if (await linked.isDisabled("#run")) {
        console.log(`lesson ${e.file}: ${await linked.textContent("#native-only")}`);
        continue;
      }
      const r = await act(linked, e.vary.length ? "compare" : "run");
      times.push([r.seconds, e.file, r.code]);
    }
    times.sort((a, b) => b[0] - a[0]);
    for (const [t, file, code] of times) console.log(`lesson ${t.toFixed(2)} s  ${file}${code ? "  exit " + code : ""}`);
  }

  check(problems.length === 0, "no page error, console error or dialog" + (problems.length ? ": " + problems.join("; ") : ""));
  check(requests.length === 0, "no network request" + (requests.length ? ": " + requests.join(", ") : ""));
} finally {
  await browser.close();
}
process.exit(failures === 0 ? 0 : 1);
