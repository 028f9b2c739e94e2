// cachelab report page: draws the data `cachelab report` inlined (analysis/report/report.h)
// with uPlot. Every string from the data goes into the page through textContent,
// never as markup, so scenario names and keys show as the text they are.
// Contract for the browser tests: <body data-status="ready"> once every chart has
// drawn, "error" after a script error; window.cachelabReport holds
// {kind, charts: [{id, title, points}], errors, readyMs}.
(function () {
  'use strict';

  const state = { kind: null, charts: [], errors: [], readyMs: null };
  window.cachelabReport = state;
  const fail = (message) => {
    state.errors.push(String(message));
    document.body.dataset.status = 'error';
  };
  window.addEventListener('error', (e) => fail(e.message || e));
  window.addEventListener('unhandledrejection', (e) => fail(e.reason));

  const COLORS = ['#1f6fb4', '#d1495b', '#2a9d5b', '#e08a00', '#7b4fb0', '#8c564b', '#c2418c', '#138a9c'];
  const FAULT_FILL = 'rgba(209, 73, 91, 0.13)';
  const DEPLOY_COLOR = '#7b4fb0';
  const SLO_COLOR = '#d1495b';
  const ANSWER_COLOR = '#2a9d5b';
  const CHART_HEIGHT = 250;
  const charts = [];

  // ---- DOM helpers: text only ---------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (k === 'class') node.className = v;
        else if (k === 'text') node.textContent = v;
        else node.setAttribute(k, v);
      }
    }
    for (const c of children || []) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function fmtNum(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return '';
    if (typeof v !== 'number') return String(v);
    const a = Math.abs(v);
    if (Number.isInteger(v) && a < 1e15) return v.toLocaleString('en-US');
    if (a >= 1e6) return v.toLocaleString('en-US', { maximumFractionDigits: 0 });
    if (a >= 100) return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
    if (a >= 1) return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
    return v.toPrecision(4).replace(/0+$/, '').replace(/\.$/, '');
  }

  function fmtShort(v) {
    if (v === null || v === undefined) return '';
    const a = Math.abs(v);
    if (a >= 1e9) return +(v / 1e9).toFixed(2) + 'G';
    if (a >= 1e6) return +(v / 1e6).toFixed(2) + 'M';
    if (a >= 1e4) return +(v / 1e3).toFixed(1) + 'k';
    if (a >= 10 || a === 0) return +v.toFixed(1) + '';
    return +v.toPrecision(3) + '';
  }

  function fmtBytes(v) {
    if (v === null || v === undefined) return '';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    let x = v;
    while (Math.abs(x) >= 1024 && i < units.length - 1) {
      x /= 1024;
      i++;
    }
    return +x.toFixed(x >= 100 || i === 0 ? 0 : 1) + ' ' + units[i];
  }

  function fmtSeconds(v) {
    if (v === null || v === undefined) return '';
    const a = Math.abs(v);
    if (a >= 3600) return +(v / 3600).toFixed(2) + ' h';
    if (a >= 120) return +(v / 60).toFixed(1) + ' min';
    if (a >= 1 || a === 0) return +v.toFixed(2) + ' s';
    return +(v * 1000).toPrecision(3) + ' ms';
  }

  function fmtTime(t) {
    // Simulated time on an x axis: h:mm:ss past one hour, m:ss past a minute.
    if (t === null || t === undefined) return '';
    const s = Math.round(t * 1000) / 1000;
    if (Math.abs(s) < 60) return +s.toFixed(3) + 's';
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    const ss = (sec < 10 ? '0' : '') + +sec.toFixed(1);
    return h > 0 ? h + ':' + (m < 10 ? '0' : '') + m + ':' + ss : m + ':' + ss;
  }

  function formatterFor(unit) {
    if (unit === 'bytes') return fmtBytes;
    if (unit === 's') return fmtSeconds;
    return fmtShort;
  }

  function withAlpha(hex, alpha) {
    const n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + alpha + ')';
  }

  // ---- Charts ------------------------------------------------------------------------

  function chartWidth(figure) {
    return Math.max(320, Math.floor(figure.clientWidth - 22));
  }

  // Creates a figure with a uPlot chart; spec: {id, title, caption, downsampled,
  // x, series: [{label, values, color, scale, dash, width, points, band}], bands,
  // scales, axes, marks(u) drawn over the series, under(u) drawn below them}.
  function chart(parent, spec) {
    const figure = el('figure', { class: 'chart', id: 'chart-' + spec.id, 'data-chart-id': spec.id });
    const save = el('button', { class: 'png', type: 'button', text: 'PNG', title: 'Save this chart as a PNG image (title, plot and legend), for slides' });
    figure.append(el('div', { class: 'chart-head' }, [el('h3', { text: spec.title }), save]));
    const holder = el('div');
    figure.append(holder);
    if (spec.hover) figure.append(spec.hover);
    if (spec.caption) figure.append(el('figcaption', { text: spec.caption }));
    if (spec.downsampled) figure.append(el('figcaption', { class: 'downsampled', text: spec.downsampled }));
    parent.append(figure);

    let points = 0;
    for (const s of spec.series) {
      if (s.hidden) continue;
      for (const v of s.values) if (v !== null && v !== undefined && Number.isFinite(v)) points++;
    }
    figure.dataset.points = String(points);

    const series = [{ label: spec.xLabel || 'x', value: (u, v) => (spec.xValue ? spec.xValue(v) : fmtNum(v)) }];
    for (const s of spec.series) {
      series.push({
        label: s.label,
        stroke: s.color,
        width: s.width || 1.6,
        dash: s.dash,
        scale: s.scale || 'y',
        show: true,
        spanGaps: false,
        points: s.points || { show: false },
        paths: s.noLine ? () => null : undefined,
        fill: s.fill,
        value: (u, v) => (v === null || v === undefined ? '' : (s.format || fmtNum)(v)),
      });
    }
    const hooks = { draw: [], drawClear: [], setCursor: [] };
    if (spec.under) hooks.drawClear.push((u) => clipped(u, spec.under));
    if (spec.marks) hooks.draw.push((u) => clipped(u, spec.marks));
    if (spec.onCursor) hooks.setCursor.push(spec.onCursor);
    const opts = {
      width: chartWidth(figure),
      height: spec.height || CHART_HEIGHT,
      scales: Object.assign({ x: { time: false } }, spec.scales || {}),
      axes: spec.axes,
      series: series,
      bands: spec.bands || [],
      hooks: hooks,
      legend: { live: true },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
    };
    const data = [spec.x].concat(spec.series.map((s) => s.values));
    const u = new uPlot(opts, data, holder);
    save.addEventListener('click', () => downloadPng(spec, u));
    pngs[spec.id] = () => chartImage(spec, u).toDataURL('image/png');
    charts.push({ u: u, figure: figure });
    state.charts.push({ id: spec.id, title: spec.title, points: points });
    return u;
  }

  // ---- PNG export --------------------------------------------------------------------

  const pngs = {};
  // window.cachelabReport.png(id): the chart's PNG as a data URL (what the button saves).
  state.png = (id) => (pngs[id] ? pngs[id]() : null);

  // The chart as one image: its title, the plot as drawn (at the screen's pixel
  // ratio) and a legend of the shown series, on white.
  function chartImage(spec, u) {
    const plot = u.ctx.canvas;
    const r = plot.width / u.width || 1;
    const pad = 12 * r, titleH = 30 * r, lineH = 20 * r;
    const shown = u.series.slice(1).filter((s) => s.show && s.label);
    const out = document.createElement('canvas');
    const ctx = out.getContext('2d');
    ctx.font = (13 * r) + 'px sans-serif';
    // Legend entries flow into lines as wide as the plot.
    const lines = [[]];
    let x = 0;
    for (const s of shown) {
      const w = 18 * r + ctx.measureText(s.label).width + 14 * r;
      if (x > 0 && x + w > plot.width) {
        lines.push([]);
        x = 0;
      }
      lines[lines.length - 1].push({ s: s, x: x });
      x += w;
    }
    out.width = plot.width + 2 * pad;
    out.height = titleH + plot.height + lines.length * lineH + 2 * pad;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = '#1a1a2e';
    ctx.font = 'bold ' + (16 * r) + 'px sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillText(spec.title, pad, pad + titleH / 2);
    ctx.drawImage(plot, pad, pad + titleH);
    ctx.font = (13 * r) + 'px sans-serif';
    lines.forEach((line, i) => {
      const y = pad + titleH + plot.height + i * lineH + lineH / 2;
      for (const { s, x: lx } of line) {
        // A short stroke in the series' colour and dash, as the plot draws it.
        ctx.strokeStyle = typeof s.stroke === 'function' ? s.stroke(u, 1) : s.stroke || '#888';
        ctx.lineWidth = 2 * r;
        ctx.setLineDash((s.dash || []).map((d) => d * r));
        ctx.beginPath();
        ctx.moveTo(pad + lx, y);
        ctx.lineTo(pad + lx + 14 * r, y);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = '#1a1a2e';
        ctx.fillText(s.label, pad + lx + 18 * r, y);
      }
    });
    return out;
  }

  function downloadPng(spec, u) {
    chartImage(spec, u).toBlob((blob) => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      const base = (document.title || 'cachelab') + '-' + spec.id;
      a.download = base.replace(/[^A-Za-z0-9._-]+/g, '-') + '.png';
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }, 'image/png');
  }

  function clipped(u, fn) {
    const ctx = u.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    // uPlot leaves its axis text alignment set; labels here start at their point.
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    fn(u, ctx);
    ctx.restore();
  }

  function vline(u, ctx, x, color, dash, label) {
    const px = u.valToPos(x, 'x', true);
    if (!Number.isFinite(px)) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.setLineDash(dash ? dash.map((d) => d * devicePixelRatio) : []);
    ctx.beginPath();
    ctx.moveTo(px, u.bbox.top);
    ctx.lineTo(px, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.setLineDash([]);
    if (label) {
      ctx.fillStyle = color;
      ctx.font = 11 * devicePixelRatio + 'px system-ui, sans-serif';
      ctx.fillText(label, px + 4 * devicePixelRatio, u.bbox.top + 13 * devicePixelRatio);
    }
  }

  function hline(u, ctx, y, scale, color, label) {
    const py = u.valToPos(y, scale, true);
    if (!Number.isFinite(py)) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, py);
    ctx.lineTo(u.bbox.left + u.bbox.width, py);
    ctx.stroke();
    ctx.setLineDash([]);
    if (label) {
      ctx.fillStyle = color;
      ctx.font = 11 * devicePixelRatio + 'px system-ui, sans-serif';
      ctx.fillText(label, u.bbox.left + 6 * devicePixelRatio, py - 4 * devicePixelRatio);
    }
  }

  // A y range that starts at 0 for non-negative data and keeps `extra` values in view.
  function rangeWith(extra) {
    return (u, min, max) => {
      let lo = min === null ? 0 : min;
      let hi = max === null ? 1 : max;
      for (const e of extra) {
        lo = Math.min(lo, e);
        hi = Math.max(hi, e);
      }
      if (lo >= 0) lo = 0;
      if (hi <= lo) hi = lo + 1;
      const pad = (hi - lo) * 0.06;
      return [lo < 0 ? lo - pad : lo, hi + pad];
    };
  }

  // Tick steps a clock reader expects: 10 s, 1 min, 5 min, 1 h rather than 100 s.
  const TIME_INCRS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

  function axisX(label, format) {
    const a = { label: label, values: (u, ticks) => ticks.map(format || fmtNum) };
    if (format === fmtTime) a.incrs = TIME_INCRS;
    return a;
  }
  function axisY(label, scale, format, right) {
    const a = { scale: scale, label: label, values: (u, ticks) => ticks.map(format || fmtShort), size: 62 };
    if (right) {
      a.side = 1;
      a.grid = { show: false };
    }
    return a;
  }

  // ---- Header and tables ---------------------------------------------------------

  function header(data, kindLabel) {
    root.append(el('div', { class: 'kind', text: 'cachelab ' + kindLabel }));
    root.append(el('h1', { text: data.title || data.scenario || '' }));
    if (data.description) root.append(el('p', { class: 'description', text: data.description }));
  }

  // One small table per summary section ("cache", "db", ...), laid out in columns.
  function summaryTable(rows) {
    const wrap = el('div', { class: 'grid summary' });
    const sections = new Map();
    for (const [name, value] of rows) {
      const dot = name.indexOf('.');
      const group = dot < 0 ? 'run' : name.slice(0, dot);
      if (!sections.has(group)) sections.set(group, []);
      sections.get(group).push([dot < 0 ? name : name.slice(dot + 1), value]);
    }
    for (const [group, entries] of sections) {
      const table = el('table', null, [el('tr', { class: 'section' }, [el('th', { colspan: '2', text: group })])]);
      for (const [name, value] of entries) {
        const shown = typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
        table.append(el('tr', null, [el('td', { class: 'name', text: name }), el('td', { class: 'num', text: fmtNum(shown) })]));
      }
      wrap.append(table);
    }
    return wrap;
  }

  function alertsBlock(alerts) {
    const box = el('div');
    if (!alerts || alerts.length === 0) {
      box.append(el('p', { class: 'note', text: 'The scenario defines no alert rules.' }));
      return box;
    }
    const table = el('table', null, [
      el('tr', null, [el('th', { text: 'alert' }), el('th', { text: 'rule' }), el('th', { class: 'num', text: 'intervals firing' }), el('th', { text: 'fired, resolved' })]),
    ]);
    for (const a of alerts) {
      const spans = a.fired_at_s.map((f, i) => fmtTime(f) + ' - ' + (i < a.resolved_at_s.length ? fmtTime(a.resolved_at_s[i]) : 'end')).join(', ');
      table.append(
        el('tr', null, [
          el('td', { class: a.intervals_firing > 0 ? 'alert-fired' : '', text: a.name }),
          el('td', { text: a.rule }),
          el('td', { class: 'num', text: fmtNum(a.intervals_firing) }),
          el('td', { text: a.fired_at_s.length ? spans : 'never fired' }),
        ])
      );
    }
    box.append(table);
    return box;
  }

  // ---- Time series (run and compare) ---------------------------------------------

  const TS_CHARTS = [
    {
      id: 'requests',
      title: 'Requests per second and hit ratio',
      metrics: [
        { col: 'requests', rate: true, label: 'requests/s' },
        { col: 'hit_ratio', label: 'hit ratio', scale: 'ratio' },
      ],
      yLabel: 'requests/s',
      y2: { scale: 'ratio', label: 'hit ratio', range: [0, 1] },
    },
    {
      id: 'db',
      title: 'Database: queries per second, duplicate loads and queue depth',
      metrics: [
        { col: 'db_queries', rate: true, label: 'DB queries/s' },
        { col: 'stampede_loads', rate: true, label: 'duplicate loads/s' },
        { col: 'db_queue_depth', label: 'max queue depth', scale: 'depth' },
      ],
      yLabel: 'per second',
      y2: { scale: 'depth', label: 'queue depth' },
    },
    {
      id: 'latency',
      title: 'Latency: p50 and p99 (ms)',
      metrics: [
        { col: 'p50_ms', label: 'p50 ms' },
        { col: 'p99_ms', label: 'p99 ms' },
      ],
      yLabel: 'ms',
    },
    {
      id: 'stale',
      title: 'Stale reads and failed requests per second',
      metrics: [
        { col: 'stale_reads', rate: true, label: 'stale reads/s' },
        { col: 'failed', rate: true, label: 'failed requests/s' },
      ],
      yLabel: 'per second',
    },
    {
      id: 'evictions',
      title: 'Evictions and expirations per second',
      metrics: [
        { col: 'evictions', rate: true, label: 'evictions/s' },
        { col: 'expirations', rate: true, label: 'expirations/s' },
      ],
      yLabel: 'per second',
    },
    {
      id: 'memory',
      title: 'Cache memory and entries',
      metrics: [
        { col: 'cache_bytes', label: 'bytes', format: fmtBytes },
        { col: 'cache_items', label: 'entries', scale: 'items' },
      ],
      yLabel: 'bytes',
      yFormat: fmtBytes,
      y2: { scale: 'items', label: 'entries' },
    },
  ];

  function columnValues(d, metric) {
    const col = d.columns[metric.col];
    if (!col) return null;
    if (!metric.rate) return col.slice();
    return col.map((v, i) => (d.duration_s[i] > 0 ? v / d.duration_s[i] : null));
  }

  function downsampleNote(d) {
    if (!d || d.factor <= 1) return null;
    const n = d.rows_before_merge;
    const shown = d.duration_s.length;
    return (
      'Downsampled: ' + n.toLocaleString('en-US') + ' intervals shown as ' + shown.toLocaleString('en-US') +
      ' (each point merges ' + d.factor + ' consecutive intervals: counts summed and shown per second, ' +
      'hit ratio recomputed from the sums, queue depth and latency quantiles are the largest of the merged ' +
      "intervals' values, memory the last)."
    );
  }

  // Fault windows, deploys, hot-key expiries and alerts, as drawing functions.
  function marksFor(eventsList, alertsList, hotKeysPerVariant) {
    const faults = [];
    const deploys = [];
    const seen = new Set();
    for (const ev of eventsList) {
      if (!ev) continue;
      for (const f of ev.faults) {
        const k = JSON.stringify(f);
        if (!seen.has(k)) faults.push(f), seen.add(k);
      }
      for (const d of ev.deploys) {
        const k = JSON.stringify(d);
        if (!seen.has(k)) deploys.push(d), seen.add(k);
      }
    }
    const rugs = [];
    eventsList.forEach((ev, vi) => {
      if (!ev) return;
      const keys = ev.hot_keys.slice(0, hotKeysPerVariant);
      keys.forEach((h) => rugs.push({ times: h.expiries_s, color: hotKeysPerVariant === 1 ? COLORS[vi % COLORS.length] : COLORS[rugs.length % COLORS.length] }));
    });
    const alertSpans = [];
    for (const a of alertsList) {
      a.fired_at_s.forEach((f, i) => alertSpans.push([f, i < a.resolved_at_s.length ? a.resolved_at_s[i] : null]));
    }
    return {
      faults: faults,
      deploys: deploys,
      rugs: rugs,
      alertSpans: alertSpans,
      under: (u, ctx) => {
        for (const f of faults) {
          const x0 = u.valToPos(f.start_s, 'x', true);
          const x1 = f.end_s === null ? x0 + 2 * devicePixelRatio : u.valToPos(f.end_s, 'x', true);
          ctx.fillStyle = FAULT_FILL;
          ctx.fillRect(x0, u.bbox.top, Math.max(x1 - x0, 2 * devicePixelRatio), u.bbox.height);
        }
      },
      over: (u, ctx) => {
        for (const f of faults) {
          if (f.end_s === null) vline(u, ctx, f.start_s, '#d1495b', null, f.kind);
        }
        for (const d of deploys) vline(u, ctx, d.at_s, DEPLOY_COLOR, [5, 4], 'deploy');
        const bottom = u.bbox.top + u.bbox.height;
        const tick = 5 * devicePixelRatio;
        rugs.forEach((r, i) => {
          ctx.strokeStyle = r.color;
          ctx.lineWidth = 1 * devicePixelRatio;
          ctx.beginPath();
          const y0 = bottom - i * (tick + devicePixelRatio);
          for (const t of r.times) {
            const px = u.valToPos(t, 'x', true);
            ctx.moveTo(px, y0);
            ctx.lineTo(px, y0 - tick);
          }
          ctx.stroke();
        });
        const end = u.scales.x.max;
        ctx.fillStyle = 'rgba(224, 138, 0, 0.8)';
        for (const [a, b] of alertSpans) {
          const x0 = u.valToPos(a, 'x', true);
          const x1 = u.valToPos(b === null ? end : b, 'x', true);
          ctx.fillRect(x0, u.bbox.top, Math.max(x1 - x0, 2 * devicePixelRatio), 4 * devicePixelRatio);
        }
      },
    };
  }

  function marksLegend(marks, hotKeyNames) {
    const box = el('div', { class: 'legend-marks' });
    const item = (color, text) => box.append(el('span', null, [el('span', { class: 'swatch', style: 'background:' + color }), text]));
    if (marks.faults.length) {
      item(FAULT_FILL, 'cache faults: ' + marks.faults.map((f) => f.kind + ' ' + fmtTime(f.start_s) + (f.end_s === null ? '' : ' - ' + fmtTime(f.end_s))).join(', '));
    }
    if (marks.deploys.length) item(DEPLOY_COLOR, 'deploys (dashed): ' + marks.deploys.map((d) => fmtTime(d.at_s) + ' ' + d.what).join(', '));
    if (marks.rugs.length) item(COLORS[0], 'ticks at the bottom: cache expiries of ' + hotKeyNames);
    if (marks.alertSpans.length) item('rgba(224, 138, 0, 0.8)', 'orange bar at the top: an alert firing');
    if (!box.childNodes.length) box.append(el('span', { text: 'No faults, deploys or hot-key expiries to mark.' }));
    return box;
  }

  function timeSeriesCharts(parent, variants, marks) {
    const overlay = variants.length > 1;
    const note = downsampleNote(variants[0].data);
    for (const c of TS_CHARTS) {
      const series = [];
      c.metrics.forEach((m, mi) => {
        variants.forEach((v, vi) => {
          const values = columnValues(v.data, m);
          if (!values) return;
          const color = overlay ? COLORS[vi % COLORS.length] : COLORS[mi % COLORS.length];
          series.push({
            label: overlay ? m.label + ' · ' + v.label : m.label,
            values: values,
            color: color,
            scale: m.scale || 'y',
            dash: overlay && mi > 0 ? [6, 3] : undefined,
            format: m.format,
          });
        });
      });
      if (!series.length) continue;
      const scales = { y: { range: rangeWith([]) } };
      const axes = [axisX('simulated time', fmtTime), axisY(c.yLabel, 'y', c.yFormat)];
      if (c.y2) {
        scales[c.y2.scale] = c.y2.range ? { range: c.y2.range } : { range: rangeWith([]) };
        axes.push(axisY(c.y2.label, c.y2.scale, c.y2.scale === 'ratio' ? (v) => +v.toFixed(2) : fmtShort, true));
      }
      chart(parent, {
        id: c.id,
        title: c.title + (note ? ' (downsampled)' : ''),
        x: variants[0].data.columns.time_s,
        xLabel: 'time',
        xValue: fmtTime,
        series: series,
        scales: scales,
        axes: axes,
        under: marks.under,
        marks: marks.over,
        downsampled: note,
      });
    }
  }

  function renderRun(data) {
    header(data, 'run report');
    const v = data.series[0];
    const meta = data.seed === null ? [] : ['seed ' + data.seed];
    if (data.interval) meta.push('metrics interval ' + data.interval);
    meta.push(v.data.rows_before_merge.toLocaleString('en-US') + ' intervals');
    root.append(el('p', { class: 'meta', text: meta.join(' · ') }));
    const ev = data.events;
    const hot = ev && ev.hot_keys.length ? 'the ' + ev.hot_keys.length + ' hottest keys (' + ev.hot_keys.map((h) => 'key ' + h.key).join(', ') + '; one row each, hottest lowest)' : '';
    const marks = marksFor([ev], data.alerts, 5);
    root.append(el('h2', { text: 'Over time' }));
    root.append(marksLegend(marks, hot));
    if (!ev) root.append(el('p', { class: 'note', text: 'This folder has no events.json (an older run): faults, deploys and expiries are not marked.' }));
    timeSeriesCharts(root, [{ label: data.scenario, data: v.data }], marks);
    root.append(el('h2', { text: 'Alerts' }));
    root.append(alertsBlock(data.alerts));
    root.append(el('h2', { text: 'Summary' }));
    root.append(summaryTable(data.summary));
  }

  function renderCompare(data) {
    header(data, 'compare report');
    root.append(el('p', { class: 'meta', text: data.variants.length + ' variants on identical traffic (the same seed)' }));
    const legend = el('ol');
    data.variants.forEach((v, i) => legend.append(el('li', null, [el('span', { class: 'swatch', style: 'background:' + COLORS[i % COLORS.length] }), el('strong', { text: v.short }), ': ' + v.label])));
    root.append(legend);
    if (data.has_series) {
      const marks = marksFor(data.variants.map((v) => v.events), [], 1);
      root.append(el('h2', { text: 'Over time, variants overlaid' }));
      root.append(marksLegend(marks, "each variant's hottest key (one row per variant, in its colour)"));
      timeSeriesCharts(root, data.variants.map((v) => ({ label: v.short, data: v.data })), marks);
    } else {
      root.append(el('p', { class: 'note', text: 'This compare folder holds no per-variant time series (variant-<i>.timeseries.csv); rerun compare to get charts.' }));
    }
    root.append(el('h2', { text: 'Side by side' }));
    root.append(compareTable(data.variants));
    root.append(el('h2', { text: 'Alerts' }));
    data.variants.forEach((v) => {
      root.append(el('h3', { text: v.label }));
      root.append(alertsBlock(v.alerts));
    });
  }

  function compareTable(variants) {
    const table = el('table');
    const head = el('tr', null, [el('th', { text: 'metric' })]);
    variants.forEach((v, i) => head.append(el('th', { class: 'num', style: 'color:' + COLORS[i % COLORS.length], title: v.label, text: v.short })));
    table.append(head);
    let section = null;
    variants[0].summary.forEach(([name], r) => {
      const dot = name.indexOf('.');
      const group = dot < 0 ? '' : name.slice(0, dot);
      if (group !== section) {
        section = group;
        if (group) table.append(el('tr', { class: 'section' }, [el('th', { colspan: String(variants.length + 1), text: group })]));
      }
      const cells = variants.map((v) => {
        const value = v.summary[r] ? v.summary[r][1] : null;
        return typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
      });
      const differs = cells.some((c) => JSON.stringify(c) !== JSON.stringify(cells[0]));
      const row = el('tr', differs ? { class: 'differs' } : null, [el('td', { text: dot < 0 ? name : name.slice(dot + 1) })]);
      for (const c of cells) row.append(el('td', { class: 'num', text: fmtNum(c) }));
      table.append(row);
    });
    return table;
  }

  // ---- Sweeps and plans ------------------------------------------------------------

  const FIRST_METRICS = ['cache.hit_ratio', 'latency_ms.p99', 'latency_ms.p50', 'db.queries', 'db.mean_wait_ms', 'db.utilization', 'staleness.stale_reads', 'stampede.max_concurrent_loads', 'cache.evictions'];

  function metricOrder(metrics, slos) {
    const first = [];
    for (const s of slos) if (metrics.includes(s.metric) && !first.includes(s.metric)) first.push(s.metric);
    for (const m of FIRST_METRICS) if (metrics.includes(m) && !first.includes(m)) first.push(m);
    return first.concat(metrics.filter((m) => !first.includes(m)));
  }

  // Geometric grids (64MiB..4GiB:x2) spread evenly on a log axis.
  function xScale(xs) {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return lo > 0 && hi / lo >= 8 ? { time: false, distr: 3, log: hi / lo >= 1000 ? 10 : 2 } : { time: false };
  }

  function gridAxis(grid) {
    if (grid.x) return { x: grid.x.slice(), format: formatterFor(grid.unit), categorical: false };
    return { x: grid.labels.map((_, i) => i), format: (v) => (Number.isInteger(v) && grid.labels[v] !== undefined ? grid.labels[v] : ''), categorical: true };
  }

  function bandedSeries(label, color, means, his, los, withBand) {
    const out = [{ label: label, values: means, color: color, width: 2, points: { show: true, size: 6 } }];
    if (withBand) {
      out.push({ label: '95% high', values: his, color: withAlpha(color, 0.35), width: 1 });
      out.push({ label: '95% low', values: los, color: withAlpha(color, 0.35), width: 1 });
    }
    return out;
  }

  function sloMarks(slos, metric) {
    return slos.filter((s) => s.metric === metric);
  }

  function renderSweep(data) {
    header(data, 'sweep report');
    const grids = data.grids;
    root.append(
      el('p', {
        class: 'meta',
        text: data.points.length + ' points × ' + data.replications + ' replications; grids: ' + grids.map((g) => g.pointer + ' (' + g.labels.length + ' values)').join(', ') + '. Lines are means, the shaded band the 95% confidence interval of the mean.',
      })
    );
    if (data.slos.length) root.append(el('p', { class: 'meta', text: 'SLOs drawn (dashed red): ' + data.slos.map((s) => s.text).join(', ') }));
    if (data.plan) root.append(el('p', { class: 'meta', text: 'Planner answer (green): ' + data.plan.pointer + ' = ' + data.plan.answer + ', the smallest value meeting every SLO at the pessimistic end of its interval.' }));
    const metrics = metricOrder(data.metrics, data.slos);
    const constant = [];
    const varying = [];
    for (const m of metrics) {
      const vals = data.points.map((p) => (p.metrics[m] ? p.metrics[m].mean : null));
      if (vals.every((v) => v === vals[0]) && !data.slos.some((s) => s.metric === m)) constant.push(m + ' = ' + fmtNum(vals[0]));
      else varying.push(m);
    }
    grids.forEach((grid, gi) => {
      root.append(el('h2', { text: 'Against ' + grid.pointer }));
      const axis = gridAxis(grid);
      // One line per combination of the other grids' values (at most 8).
      const combos = new Map();
      for (const p of data.points) {
        const key = p.index.filter((_, j) => j !== gi).join(',');
        if (!combos.has(key)) combos.set(key, []);
        combos.get(key).push(p);
      }
      const comboList = Array.from(combos.entries()).slice(0, 8);
      if (combos.size > 8) root.append(el('p', { class: 'note', text: 'Showing 8 of ' + combos.size + ' combinations of the other grids.' }));
      const order = axis.x.map((x, i) => i).sort((a, b) => axis.x[a] - axis.x[b]);
      const xs = order.map((i) => axis.x[i]);
      const wrap = el('div', { class: 'grid' });
      root.append(wrap);
      for (const metric of varying) {
        const series = [];
        const bands = [];
        comboList.forEach(([, pts], ci) => {
          const byIndex = new Map(pts.map((p) => [p.index[gi], p.metrics[metric]]));
          const means = order.map((i) => (byIndex.get(i) ? byIndex.get(i).mean : null));
          const cis = order.map((i) => (byIndex.get(i) ? byIndex.get(i).ci95 : null));
          const withBand = cis.some((c) => c !== null);
          const his = means.map((m, k) => (m === null || cis[k] === null ? null : m + cis[k]));
          const los = means.map((m, k) => (m === null || cis[k] === null ? null : m - cis[k]));
          const others = grids.map((g, j) => (j === gi ? null : g.pointer + '=' + g.labels[pts[0].index[j]])).filter((t) => t !== null).join(', ');
          const color = COLORS[ci % COLORS.length];
          const base = series.length + 1;
          series.push(...bandedSeries(others || metric, color, means, his, los, withBand));
          if (withBand) bands.push({ series: [base + 1, base + 2], fill: withAlpha(color, 0.12) });
        });
        const slos = sloMarks(data.slos, metric);
        const planHere = data.plan && data.plan.pointer === grid.pointer;
        const answerX = planHere ? (axis.categorical ? grid.labels.indexOf(data.plan.answer) : data.plan.answer_x) : null;
        chart(wrap, {
          id: 'sweep-' + gi + '-' + metric,
          title: metric,
          x: xs,
          xLabel: grid.pointer,
          xValue: axis.format,
          series: series,
          bands: bands,
          scales: { x: axis.categorical ? { time: false } : xScale(xs), y: { range: rangeWith(slos.map((s) => s.threshold)) } },
          axes: [Object.assign(axisX(grid.pointer, axis.format), { splits: () => xs }), axisY(metric, 'y', fmtShort)],
          marks: (u, ctx) => {
            for (const s of slos) hline(u, ctx, s.threshold, 'y', SLO_COLOR, 'SLO ' + s.op + ' ' + fmtNum(s.threshold));
            if (answerX !== null && answerX !== undefined) vline(u, ctx, answerX, ANSWER_COLOR, null, 'plan: ' + data.plan.answer);
          },
        });
      }
    });
    if (constant.length) {
      root.append(el('h2', { text: 'Metrics that did not change' }));
      root.append(el('p', { class: 'constant-metrics', text: constant.join(' · ') }));
    }
  }

  function renderPlan(data) {
    const plan = data.plan;
    header(data, 'plan report');
    root.append(
      el('p', {
        class: 'meta',
        text: 'Smallest ' + plan.pointer + ' meeting every SLO: ' + plan.answer + (plan.below === null ? '' : ' (' + plan.below + ' does not)') + '; ' + plan.probes.length + ' values probed, ' + plan.runs + ' runs (' + plan.replications + ' replications each). SLOs: ' + plan.slos.map((s) => s.text).join(', ') + '.',
      })
    );
    const axis = plan.axis.x ? { x: plan.axis.x, format: formatterFor(plan.axis.unit) } : { x: plan.axis.labels.map((_, i) => i), format: (v) => plan.axis.labels[v] || '' };
    const order = axis.x.map((x, i) => i).sort((a, b) => axis.x[a] - axis.x[b]);
    const xs = order.map((i) => axis.x[i]);
    const answerX = plan.axis.x ? plan.answer_x : plan.axis.labels.indexOf(plan.answer);
    const wrap = el('div', { class: 'grid' });
    root.append(el('h2', { text: 'SLO metrics against ' + plan.pointer }));
    root.append(wrap);
    const metrics = [];
    for (const s of plan.slos) if (!metrics.includes(s.metric)) metrics.push(s.metric);
    for (const metric of metrics) {
      const means = order.map((i) => (plan.probes[i].metrics[metric] ? plan.probes[i].metrics[metric].mean : null));
      const cis = order.map((i) => (plan.probes[i].metrics[metric] ? plan.probes[i].metrics[metric].ci95 : null));
      const his = means.map((m, k) => (m === null || cis[k] === null ? null : m + cis[k]));
      const los = means.map((m, k) => (m === null || cis[k] === null ? null : m - cis[k]));
      const slos = sloMarks(plan.slos, metric);
      chart(wrap, {
        id: 'plan-' + metric,
        title: metric + ' at the probed values',
        x: xs,
        xLabel: plan.pointer,
        xValue: axis.format,
        series: bandedSeries('mean', COLORS[0], means, his, los, true),
        bands: [{ series: [2, 3], fill: withAlpha(COLORS[0], 0.12) }],
        scales: { x: xScale(xs), y: { range: rangeWith(slos.map((s) => s.threshold)) } },
        axes: [axisX(plan.pointer, axis.format), axisY(metric, 'y', fmtShort)],
        marks: (u, ctx) => {
          for (const s of slos) hline(u, ctx, s.threshold, 'y', SLO_COLOR, 'SLO ' + s.op + ' ' + fmtNum(s.threshold));
          if (answerX !== null && answerX !== undefined) vline(u, ctx, answerX, ANSWER_COLOR, null, 'answer: ' + plan.answer);
        },
      });
    }
    root.append(el('h2', { text: 'Probes, in the order they ran' }));
    const table = el('table');
    const head = el('tr', null, [el('th', { text: '#' }), el('th', { text: plan.pointer }), el('th', { text: 'meets every SLO' })]);
    for (const m of metrics) head.append(el('th', { class: 'num', text: m + ' (mean ± 95%)' }));
    table.append(head);
    plan.probes.forEach((p, i) => {
      const row = el('tr', null, [el('td', { text: String(i + 1) }), el('td', { text: p.value }), el('td', { text: p.meets ? 'yes' : 'no' })]);
      for (const m of metrics) {
        const s = p.metrics[m];
        row.append(el('td', { class: 'num', text: s ? fmtNum(s.mean) + (s.ci95 === null ? '' : ' ± ' + fmtNum(s.ci95)) : '' }));
      }
      table.append(row);
    });
    root.append(table);
  }

  // ---- explain: the sequence diagram as a timeline -------------------------------

  function laneOf(data, e) {
    if (e.column !== null && e.column !== undefined) return e.column;
    const shared = data.actors.length > 0 && data.actors[0] === 'app';
    const inProcess = e.actor === 'app' || e.actor === 'l1';
    if (inProcess && e.instance !== null) return shared ? 0 : e.instance;
    const at = data.actors.indexOf(e.actor);
    return at < 0 ? data.actors.length - 1 : at;
  }

  function directionOf(e) {
    if (e.direction) return e.direction;
    if (e.request === null || e.instance === null || e.actor === 'app' || e.actor === 'l1') return 'local';
    return e.text.includes('issued') || e.text.startsWith('SET') || e.text.startsWith('DEL') ? 'out' : 'in';
  }

  // Event times to 0.1 ms: a reload takes tens of milliseconds.
  function fmtPrecise(t) {
    return t === null || t === undefined ? '' : t.toFixed(4) + 's';
  }

  function renderExplain(data) {
    header(data, 'explain report');
    root.append(
      el('p', {
        class: 'meta',
        text: 'Events of key ' + String(data.key) + ' from ' + fmtTime(data.from_s) + ' to ' + fmtTime(data.to_s) + ': ' + data.events.length + (data.truncated ? ' shown of ' + data.events_total : '') + '. Arrows go from the instance to the actor it asked (requests) and back (answers); red points are stale answers.',
      })
    );
    const events = data.events.slice().sort((a, b) => a.at_s - b.at_s);
    if (events.length === 0) {
      root.append(el('p', { class: 'note', text: 'Nothing happened to this key in the window: widen --from/--to, or pick a key that is requested.' }));
      return;
    }
    const lanes = data.actors.length;
    const xs = events.map((e) => e.at_s);
    const y = events.map((e) => laneOf(data, e));
    const staleY = events.map((e, i) => (e.stale ? y[i] : null));
    const hover = el('div', { class: 'hover-info', text: 'Point at an event to read it.' });
    const describe = (e) => fmtPrecise(e.at_s) + '  ' + (e.request === null ? 'background' : 'request ' + e.request) + (e.instance === null ? '' : ' on instance ' + e.instance) + '  ' + e.actor + ': ' + e.text;
    root.append(el('h2', { text: 'Timeline' }));
    chart(root, {
      id: 'explain-timeline',
      title: 'Key ' + String(data.key) + ', one lane per actor',
      x: xs,
      xLabel: 'time',
      xValue: fmtPrecise,
      height: Math.max(220, 60 + lanes * 46),
      hover: hover,
      series: [
        { label: 'event', values: y, color: COLORS[0], noLine: true, points: { show: true, size: 8, fill: COLORS[0] }, format: (v) => data.actors[v] || '' },
        { label: 'stale answer', values: staleY, color: '#d1495b', noLine: true, points: { show: true, size: 11, fill: '#d1495b' }, format: (v) => data.actors[v] || '' },
      ],
      scales: { y: { range: [-0.5, lanes - 0.5], dir: -1 } },
      axes: [axisX('simulated time', fmtTime), { scale: 'y', label: 'actor', size: 80, splits: () => data.actors.map((_, i) => i), values: (u, ticks) => ticks.map((t) => data.actors[t] || '') }],
      marks: (u, ctx) => {
        ctx.lineWidth = 1.2 * devicePixelRatio;
        events.forEach((e, i) => {
          const dir = directionOf(e);
          if (dir === 'local' || e.instance === null) return;
          const from = data.actors[0] === 'app' ? 0 : e.instance;
          const px = u.valToPos(xs[i], 'x', true);
          const a = u.valToPos(dir === 'out' ? from : y[i], 'y', true);
          const b = u.valToPos(dir === 'out' ? y[i] : from, 'y', true);
          ctx.strokeStyle = e.stale ? '#d1495b' : 'rgba(31, 111, 180, 0.55)';
          ctx.beginPath();
          ctx.moveTo(px, a);
          ctx.lineTo(px, b);
          const head = 6 * devicePixelRatio * (b > a ? 1 : -1);
          ctx.moveTo(px - 4 * devicePixelRatio, b - head);
          ctx.lineTo(px, b);
          ctx.lineTo(px + 4 * devicePixelRatio, b - head);
          ctx.stroke();
        });
      },
      onCursor: (u) => {
        const i = u.cursor.idx;
        if (i !== null && i !== undefined && events[i]) hover.textContent = describe(events[i]);
      },
    });
    root.append(el('h2', { text: 'Events' }));
    const table = el('table', null, [el('tr', null, [el('th', { text: 'time' }), el('th', { text: 'request' }), el('th', { text: 'instance' }), el('th', { text: 'actor' }), el('th', { text: 'what happened' })])]);
    for (const e of events) {
      table.append(
        el('tr', null, [
          el('td', { class: 'num', text: fmtPrecise(e.at_s) }),
          el('td', { class: 'num', text: e.request === null ? '-' : String(e.request) }),
          el('td', { class: 'num', text: e.instance === null ? '-' : String(e.instance) }),
          el('td', { text: e.actor }),
          el('td', { class: e.stale ? 'stale' : '', text: e.text }),
        ])
      );
    }
    root.append(table);
    if (data.summary && Object.keys(data.summary).length) {
      root.append(el('h2', { text: 'Summary' }));
      root.append(summaryTable(Object.entries(data.summary)));
    }
  }

  // ---- Main -------------------------------------------------------------------------

  const root = document.getElementById('report');
  let data;
  try {
    data = JSON.parse(document.getElementById('report-data').textContent);
    state.kind = data.kind;
    const render = { run: renderRun, compare: renderCompare, sweep: renderSweep, plan: renderPlan, explain: renderExplain }[data.kind];
    if (!render) throw new Error('unknown report kind ' + data.kind);
    render(data);
    root.append(el('p', { class: 'note', text: 'Drag across a chart to zoom in, double-click to zoom out. Generated by cachelab report; every number is simulated.' }));
  } catch (e) {
    fail(e && e.stack ? e.stack : e);
    root.append(el('pre', { text: 'The report could not be drawn: ' + e }));
  }

  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const c of charts) c.u.setSize({ width: chartWidth(c.figure), height: c.u.height });
    }, 100);
  });

  // uPlot draws on the next microtask; the frame after that has everything on screen.
  requestAnimationFrame(() =>
    setTimeout(() => {
      state.readyMs = performance.now();
      if (state.errors.length === 0) document.body.dataset.status = 'ready';
    }, 0)
  );
})();
