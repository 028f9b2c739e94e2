// cachelab report pages in a real browser: Debian's Chromium, headless, driven
// by playwright-core. Each case makes a result folder with the cachelab binary,
// writes its report, opens it from the file system with the network blocked,
// and checks what a reader would see:
//   - the page reaches <body data-status="ready"> with no JavaScript error, no
//     console error, no dialog and no network request;
//   - every chart (figure.chart) registered data points and its canvas holds
//     drawn pixels in the series' colours, not only axes;
//   - case-specific content (marks legend, downsampling note, planner answer,
//     escaped scenario strings, ...).
// A full-page screenshot of each report is saved under --screenshots.
//
// node report_browser_test.mjs --case NAME --cachelab BIN --node-modules DIR
//      --scenario FILE --work DIR --screenshots DIR [--repeat N]
// Exit 0 pass, 1 fail, 77 skipped (no Chromium: ctest reports it as skipped).
// --repeat N opens the report N times and prints the median time to ready
// (what README's report timings quote); it asserts no time.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const need of ['case', 'cachelab', 'node-modules', 'scenario', 'work', 'screenshots']) {
  if (!args[need]) {
    console.error(`usage: missing --${need}`);
    process.exit(2);
  }
}

const CHROMIUM = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && fs.existsSync(p));
if (!CHROMIUM) {
  console.log('SKIP: no Chromium (install Debian\'s chromium package to run the browser tests)');
  process.exit(77);
}
const require = createRequire(path.join(path.resolve(args['node-modules']), 'noop.js'));
const { chromium } = require('playwright-core');

const work = path.resolve(args.work, args.case);
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
fs.mkdirSync(args.screenshots, { recursive: true });

function cachelab(...argv) {
  try {
    return execFileSync(args.cachelab, argv, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`cachelab ${argv.join(' ')} failed (exit ${e.status}): ${e.stderr}`);
  }
}

// The base scenario (tests/data/report_base.json) with fields replaced.
function scenario(name, patch) {
  const s = JSON.parse(fs.readFileSync(args.scenario, 'utf8'));
  patch(s);
  const file = path.join(work, name + '.json');
  fs.writeFileSync(file, JSON.stringify(s, null, 2));
  return file;
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${args.case}: ${what}`);
  if (!ok) failures++;
}

// Opens `file`, waits for the page to finish, returns what the checks need.
async function open(browser, file, shotName) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  const dialogs = [];
  const requests = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push('console error: ' + m.text());
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto('file://' + path.resolve(file));
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.status), null, { timeout: 60000 });
  const info = await page.evaluate(() => {
    const r = window.cachelabReport;
    const figures = Array.from(document.querySelectorAll('figure.chart'));
    return {
      status: document.body.dataset.status,
      kind: r.kind,
      errors: r.errors,
      readyMs: r.readyMs,
      registered: r.charts,
      figures: figures.map((f) => {
        // uPlot draws series on the canvas; count pixels that are neither
        // transparent nor grey (axes, grid and text are grey or black).
        const canvas = f.querySelector('canvas');
        let coloured = 0;
        if (canvas) {
          const ctx = canvas.getContext('2d');
          const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 0; i < px.length; i += 4) {
            const [r, g, b, a] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
            if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
          }
        }
        return { id: f.dataset.chartId, points: Number(f.dataset.points), coloured: coloured, title: f.querySelector('h3').textContent };
      }),
      title: document.title,
      h1: document.querySelector('h1') ? document.querySelector('h1').textContent : null,
      text: document.body.innerText,
      images: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      downsampled: Array.from(document.querySelectorAll('figcaption.downsampled')).map((c) => c.textContent),
    };
  });
  // The first chart's PNG export (what its button saves): decoded back into
  // an image, larger than the plot (title and legend added), with the
  // series' colours in it.
  info.png = await page.evaluate(async () => {
    const f = document.querySelector('figure.chart');
    if (!f) return null;
    const url = window.cachelabReport.png(f.dataset.chartId);
    if (!url || !url.startsWith('data:image/png;base64,')) return { url: String(url).slice(0, 40) };
    const img = new Image();
    await new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = reject;
      img.src = url;
    });
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 40) coloured++;
    }
    const plot = f.querySelector('canvas');
    return { url: 'png', width: img.width, height: img.height, plotWidth: plot.width, plotHeight: plot.height, coloured: coloured };
  });
  info.buttons = await page.evaluate(() => document.querySelectorAll('figure.chart button.png').length);
  if (shotName) await page.screenshot({ path: path.join(args.screenshots, shotName + '.png'), fullPage: true });
  await page.close();
  return { info, problems, dialogs, requests };
}

function checkPage(result, expectKind, minCharts) {
  const { info, problems, dialogs, requests } = result;
  check(info.status === 'ready', `page ready (status ${info.status}${info.errors.length ? ': ' + info.errors.join('; ') : ''})`);
  check(problems.length === 0, `no JavaScript or console errors (${problems.join('; ') || 'none'})`);
  check(dialogs.length === 0, `no dialogs (${dialogs.join('; ') || 'none'})`);
  check(requests.length === 0, `no network requests (${requests.join(', ') || 'none'})`);
  check(info.kind === expectKind, `report kind ${info.kind} is ${expectKind}`);
  check(info.figures.length >= minCharts, `${info.figures.length} charts, at least ${minCharts}`);
  check(info.registered.length === info.figures.length, `every chart registered (${info.registered.length} of ${info.figures.length})`);
  for (const f of info.figures) {
    check(f.points > 0 && f.coloured > 20, `chart "${f.title}" drew data (${f.points} points, ${f.coloured} coloured pixels)`);
  }
  check(info.buttons === info.figures.length, `every chart has a PNG button (${info.buttons} of ${info.figures.length})`);
  const png = info.png || {};
  check(png.url === 'png' && png.width > png.plotWidth && png.height > png.plotHeight && png.coloured > 20,
    `the first chart exports a PNG with title and legend around the plot (${JSON.stringify(png)})`);
}

// A report's embedded data, read back from the page source.
function embedded(file) {
  const html = fs.readFileSync(file, 'utf8');
  const m = html.match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/);
  return JSON.parse(m[1]);
}

const cases = {
  // A run with a fault, a deploy (generation bump) and TTL expiries of hot keys.
  async run(browser) {
    const file = scenario('stampede', (s) => {
      s.cache.faults = [{ kind: 'down', start: '40s', duration: '10s' }];
      s.policies.invalidation = { name: 'versioned', params: { bump_at: '70s' } };
    });
    cachelab('run', file, '--out', 'run', '--report', '--quiet');
    const r = await open(browser, 'run/report.html', 'run');
    checkPage(r, 'run', 6);
    const data = embedded('run/report.html');
    const ts = fs.readFileSync('run/timeseries.csv', 'utf8').trim().split('\n');
    check(data.series[0].data.columns.time_s.length === ts.length - 1, `all ${ts.length - 1} intervals embedded, none merged`);
    check(r.info.text.includes('cache faults: down'), 'fault window named in the marks legend');
    if (data.events) {
      check(data.events.faults.length === 1 && data.events.faults[0].start_s === 40, 'the fault at 40 s is in the data');
      check(data.events.deploys.length >= 1, 'the deploy is in the data');
      check(r.info.text.includes('deploys'), 'deploys named in the marks legend');
      check(data.events.hot_keys.length > 0 && data.events.hot_keys[0].expiries_s.length > 0, 'hot-key expiries are in the data');
    } else {
      check(false, 'run folder has events.json');
    }
    check(r.info.text.includes('hit_ratio'), 'summary table shows cache.hit_ratio');
  },

  // Variants overlaid: one series per variant and metric.
  async compare(browser) {
    const file = scenario('stampede', () => {});
    cachelab('compare', file, '--vary', '/policies/guard=none,{"name":"lock"}', '--out', 'cmp', '--report');
    const r = await open(browser, 'cmp/report.html', 'compare');
    checkPage(r, 'compare', 6);
    const data = embedded('cmp/report.html');
    check(data.variants.length === 2 && data.has_series, 'two variants with time series');
    check(r.info.text.includes('/policies/guard=none') && r.info.text.includes('Side by side'), 'variant labels and the side-by-side table');
  },

  // Metric against grid value with bands, an SLO line and a planner answer.
  async sweep(browser) {
    const file = scenario('small', (s) => {
      s.duration = '20s';
    });
    cachelab('sweep', file, '--grid', '/cache/capacity=64KiB..1MiB:x2', '--replications', '3', '--out', 'sw', '--report', '--slo', 'cache.hit_ratio>=0.9');
    cachelab('plan', file, '--minimize', '/cache/capacity', '--range', '64KiB..1MiB', '--step', '64KiB', '--slo', 'cache.hit_ratio>=0.9', '--replications', '3', '--out', 'pl');
    cachelab('report', 'sw', '--plan', 'pl', '--slo', 'cache.hit_ratio>=0.9', '--out', 'sweep-plan.html');
    for (const [html, shot] of [['sw/report.html', 'sweep'], ['sweep-plan.html', 'sweep-with-plan']]) {
      const r = await open(browser, html, shot);
      checkPage(r, 'sweep', 5);
      check(r.info.figures.some((f) => f.title === 'cache.hit_ratio'), 'a cache.hit_ratio chart');
      check(r.info.text.includes('cache.hit_ratio>=0.9'), 'the SLO is named');
    }
    check(embedded('sweep-plan.html').plan.answer !== undefined, 'the plan answer is in the data');
    cachelab('report', 'pl');
    const p = await open(browser, 'pl/report.html', 'plan');
    checkPage(p, 'plan', 1);
    const plan = JSON.parse(fs.readFileSync('pl/plan.json', 'utf8'));
    check(p.info.text.includes('meeting every SLO: ' + plan.answer), `the planner's answer ${plan.answer} is stated`);
  },

  // One key's events as a timeline.
  async explain(browser) {
    // The window around key 0's first expiry, found in a run's events.json: the
    // stampede of reloads that follows it is what the timeline is for. Without
    // writes, which would delete the key before its TTL runs out.
    const file = scenario('stampede', (s) => {
      s.workload.write_fraction = 0;
    });
    cachelab('run', file, '--out', 'r', '--quiet');
    const expiry = JSON.parse(fs.readFileSync('r/events.json', 'utf8')).hot_keys[0].expiries_s[0];
    check(expiry > 0, `key 0 expired at ${expiry} s`);
    const ms = (t) => Math.round(t * 1000) + 'ms';
    cachelab('explain', file, '--key', '0', '--from', ms(expiry - 0.02), '--to', ms(expiry + 0.12), '--out', 'ex');
    cachelab('report', 'ex');
    const p = await open(browser, 'ex/report.html', 'explain');
    checkPage(p, 'explain', 1);
    const data = embedded('ex/report.html');
    check(data.events.length > 0, `${data.events.length} events drawn`);
    check(p.info.text.includes(data.events[0].text), 'event texts listed');
  },

  // Every string from the scenario is text, never markup. The loader keeps names
  // to [A-Za-z0-9._-] (they name folders), so the hostile name is planted in the
  // run folder's files, as a hand-edited or foreign folder could hold it; the
  // description and compare's variant values take any text the normal way.
  async escaping(browser) {
    const name = '<script>alert(1)</script>';
    const description = 'A "quoted" <img src=x onerror=alert(2)> & </script><script>alert(3)</script> description';
    const file = scenario('xss', (s) => {
      s.description = description;
      s.duration = '20s';
    });
    cachelab('run', file, '--out', 'xss', '--quiet');
    for (const f of ['xss/summary.json', 'xss/scenario.resolved.json']) {
      const j = JSON.parse(fs.readFileSync(f, 'utf8'));
      if (f.endsWith('summary.json')) j.scenario = name;
      else j.name = name;
      fs.writeFileSync(f, JSON.stringify(j, null, 2));
    }
    cachelab('report', 'xss');
    const hostile = '<script>alert(4)</script>';
    cachelab('compare', file, '--vary', '/description=plain,' + hostile, '--out', 'xss-cmp', '--report');
    for (const [html, kind] of [['xss/report.html', 'run'], ['xss-cmp/report.html', 'compare']]) {
      const r = await open(browser, html, 'escaping-' + kind);
      checkPage(r, kind, 6);
      check(r.dialogs.length === 0, 'no alert() ran');
      check(r.info.images === 0, 'no <img> was made from the text');
      check(r.info.scripts === 3, `only the report's own 3 script elements (${r.info.scripts})`);
      if (kind === 'run') {
        check(r.info.title.includes(name), `the title shows the name as text (${r.info.title})`);
        check(r.info.h1 === name, 'the heading is the name, as text');
        check(r.info.text.includes(description), 'the description shows verbatim');
      } else {
        check(r.info.text.includes('/description=' + hostile), 'the variant label shows verbatim');
      }
    }
  },

  // 1 hour at 1-second intervals: all 3,600 drawn. 10,000 intervals: merged, and said so.
  async long(browser) {
    const file = scenario('long', (s) => {
      s.duration = '1h';
      s.workload.rate = { kind: 'constant', rps: 20 };
      s.metrics = { interval: '1s' };
    });
    cachelab('run', file, '--out', 'hour', '--report', '--quiet');
    const repeat = Number(args.repeat || 1);
    const times = [];
    let r;
    for (let i = 0; i < repeat; i++) {
      r = await open(browser, 'hour/report.html', i === 0 ? 'one-hour' : null);
      times.push(r.info.readyMs);
    }
    checkPage(r, 'run', 6);
    check(embedded('hour/report.html').series[0].data.columns.time_s.length === 3600, '3,600 intervals drawn unmerged');
    check(r.info.downsampled.length === 0, 'no downsampling note');
    times.sort((a, b) => a - b);
    console.log(`timing: 1-hour report ready in ${times[Math.floor(times.length / 2)].toFixed(0)} ms (median of ${repeat}; all: ${times.map((t) => t.toFixed(0)).join(', ')})`);

    const long = scenario('longer', (s) => {
      s.duration = '10000s';
      s.workload.rate = { kind: 'constant', rps: 5 };
      s.metrics = { interval: '1s' };
    });
    cachelab('run', long, '--out', 'tenk', '--report', '--quiet');
    const t = await open(browser, 'tenk/report.html', 'ten-thousand');
    checkPage(t, 'run', 6);
    const d = embedded('tenk/report.html').series[0].data;
    check(d.rows_before_merge === 10000 && d.factor === 3 && d.duration_s.length === 3334, `10,000 intervals merged by 3 into ${d.duration_s.length}`);
    check(t.info.downsampled.length === t.info.figures.length && t.info.downsampled[0].includes('Downsampled: 10,000 intervals'), 'every chart says it is downsampled');
    console.log(`timing: 10,000-interval report ready in ${t.info.readyMs.toFixed(0)} ms`);
  },
};

if (!cases[args.case]) {
  console.error(`unknown --case ${args.case} (${Object.keys(cases).join(', ')})`);
  process.exit(2);
}
process.chdir(work);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  await cases[args.case](browser);
} catch (e) {
  check(false, 'no exception: ' + (e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
console.log(failures === 0 ? `${args.case}: all checks passed` : `${args.case}: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
