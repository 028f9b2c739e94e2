// The claim language of scenarios/claims.py, checked in the browser: the
// playground's exercise checker evaluates an exercise's checks on the run the
// participant just made, as scenarios/check_exercise.py does on a folder.
// A port of claims.check (parse, evaluate every variant combination, the
// detail text, whose numbers may group thousands where Python's would not:
// JSON numbers carry no int/float type here); tests/playground/claims_port_test.mjs holds it to the Python
// on every claim of the catalog and every exercise check.
//
//   cachelabClaims.check(text, {label: summary}) -> [ok, detail]  (throws ClaimError)
"use strict";
const cachelabClaims = (() => {
  class ClaimError extends Error {}
  const OPS = { "<": (a, b) => a < b, "<=": (a, b) => a <= b, ">": (a, b) => a > b, ">=": (a, b) => a >= b,
    "==": (a, b) => same(a, b), "!=": (a, b) => !same(a, b) };
  // Python's ==: a bool equals the number it stands for; a string only a string.
  function same(a, b) {
    if (typeof a === "string" || typeof b === "string") return a === b;
    return Number(a) === Number(b);
  }
  const FUNCS = { len: (xs) => xs.length, first: (xs) => xs[0], last: (xs) => xs[xs.length - 1],
    min: (...a) => Math.min(...(a.length === 1 ? a[0] : a)), max: (...a) => Math.max(...(a.length === 1 ? a[0] : a)),
    abs: (x) => Math.abs(x) };
  const TOKEN = new RegExp([
    "(?<space>\\s+)",
    "(?<op><=|>=|==|!=|<|>)",
    "(?<func>(?:len|first|last|min|max|abs)(?=\\())",
    '(?<string>"[^"]*")',
    "(?<bool>(?:true|false)(?![\\w.:|-]))",
    "(?<number>\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?(?![\\w.:]))",
    "(?<ref>(?:(?:\\*|[A-Za-z0-9_.+-]+(?:\\|[A-Za-z0-9_.+-]+)*):)?[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z0-9_]+)*)",
    "(?<punct>[()*/+,])",
    "(?<minus>-(?=\\s))",
  ].join("|"), "y");

  function tokenize(text) {
    const tokens = [];
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text.length) {
      const at = TOKEN.lastIndex;
      const m = TOKEN.exec(text);
      if (!m) throw new ClaimError(`cannot read ${JSON.stringify(text)} at ${JSON.stringify(text.slice(at, at + 20))}`);
      const kind = Object.keys(m.groups).find((k) => m.groups[k] !== undefined);
      if (kind !== "space") tokens.push([kind, m[0]]);
    }
    return tokens;
  }

  function parser(text) {
    const tokens = tokenize(text);
    let i = 0;
    const peek = () => tokens[i] || [null, null];
    const take = (value) => {
      const [kind, t] = peek();
      if (kind === null || (value !== undefined && t !== value)) throw new ClaimError(`${text}: expected ${value || "more"}`);
      i++;
      return [kind, t];
    };
    function expr() {
      let node = term();
      while (["+", "-"].includes(peek()[1])) node = { bin: take()[1], left: node, right: term() };
      return node;
    }
    function term() {
      let node = factor();
      while (["*", "/"].includes(peek()[1])) node = { bin: take()[1], left: node, right: factor() };
      return node;
    }
    function factor() {
      const [kind, t] = take();
      if (kind === "number") return { num: Number(t) };
      if (kind === "string") return { num: t.slice(1, -1) };
      if (kind === "bool") return { num: t === "true" };
      if (kind === "func") {
        take("(");
        const args = [expr()];
        while (peek()[1] === ",") { take(","); args.push(expr()); }
        take(")");
        return { call: t, args };
      }
      if (kind === "ref") {
        const colon = t.lastIndexOf(":");
        return { ref: t.slice(colon + 1), labels: colon >= 0 ? t.slice(0, colon).split("|") : null };
      }
      if (t === "(") { const node = expr(); take(")"); return node; }
      throw new ClaimError(`${text}: unexpected ${t}`);
    }
    return { expr, take, done: () => { if (i !== tokens.length) throw new ClaimError(`${text}: unexpected ${tokens[i][1]}`); } };
  }

  function lookup(summary, path) {
    let node = summary;
    for (const part of path.split(".")) {
      if (Array.isArray(node) && /^\d+$/.test(part) && Number(part) < node.length) node = node[Number(part)];
      else if (node && typeof node === "object" && !Array.isArray(node) && part in node) node = node[part];
      else throw new ClaimError(`the summary has no ${path}`);
    }
    return node;
  }

  function refs(node, out = []) {
    if (node.ref !== undefined) out.push(node);
    else if (node.call) node.args.forEach((a) => refs(a, out));
    else if (node.bin) { refs(node.left, out); refs(node.right, out); }
    return out;
  }

  function evaluate(node, results, choice) {
    if (node.num !== undefined) return node.num;
    if (node.ref !== undefined) {
      let label = choice.get(node);
      if (label === undefined) {
        const labels = Object.keys(results);
        if (labels.length !== 1) throw new ClaimError(`${node.ref} needs a variant label (one of ${labels.join(", ")})`);
        label = labels[0];
      }
      return lookup(results[label], node.ref);
    }
    if (node.call) return FUNCS[node.call](...node.args.map((a) => evaluate(a, results, choice)));
    const a = evaluate(node.left, results, choice), b = evaluate(node.right, results, choice);
    if (node.bin === "+") return a + b;
    if (node.bin === "-") return a - b;
    if (node.bin === "*") return a * b;
    if (b === 0) return a > 0 ? Infinity : a === 0 ? 0 : -Infinity;
    return a / b;
  }

  function* choices(nodes, results) {
    const slots = [];
    for (const node of nodes) {
      if (node.labels === null) continue;
      const labels = node.labels.length === 1 && node.labels[0] === "*" ? Object.keys(results) : node.labels;
      for (const l of labels) {
        if (!(l in results)) throw new ClaimError(`no variant labelled '${l}' (the labels are ${Object.keys(results).join(", ")})`);
      }
      slots.push([node, labels]);
    }
    const pick = new Array(slots.length).fill(0);
    for (;;) {
      yield new Map(slots.map(([node, labels], k) => [node, labels[pick[k]]]));
      let k = slots.length - 1;
      while (k >= 0 && ++pick[k] === slots[k][1].length) pick[k--] = 0;
      if (k < 0) return;
    }
  }

  // Python's "%.4g" % x.
  function g4(x) {
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    const [mant, expText] = x.toExponential(3).split("e");
    const exp = Number(expText);
    const strip = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
    if (exp < -4 || exp >= 4) return strip(mant) + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
    return strip(x.toFixed(Math.max(0, 3 - exp)));
  }
  // Python's round(): halves go to the even neighbour.
  function roundHalfEven(x) {
    const f = Math.floor(x), d = x - f;
    return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  }
  const grouped = (n) => Math.trunc(n).toLocaleString("en-US");
  function significant(x) {
    if (typeof x === "string") return `"${x}"`;
    if (typeof x === "boolean") return String(x);
    if (!Number.isFinite(x)) return "-";
    if (Number.isInteger(x)) return grouped(x);
    if (Math.abs(x) >= 9999.5) return grouped(roundHalfEven(Math.abs(x)));
    return g4(x);
  }

  function check(text, results) {
    const p = parser(text);
    const left = p.expr();
    const [kind, op] = p.take();
    if (kind !== "op") throw new ClaimError(`${text}: expected a comparison (< <= > >= == !=) after the left side`);
    const right = p.expr();
    p.done();
    const nodes = [...refs(left), ...refs(right)];
    const shown = [];
    let ok = true;
    for (const choice of choices(nodes, results)) {
      const a = evaluate(left, results, choice), b = evaluate(right, results, choice);
      ok = OPS[op](a, b) && ok;
      const line = `${significant(a)} ${op} ${significant(b)}`;
      if (!shown.includes(line)) shown.push(line);
    }
    return [ok, shown.join("; ")];
  }

  return { check, ClaimError };
})();
if (typeof module !== "undefined") module.exports = cachelabClaims;
