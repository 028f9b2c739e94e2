"""Claims a lesson makes about its own results, checked on those results.

A claim compares two expressions over the summaries of a run or a compare:

    none:stampede.max_concurrent_loads > 10
    none:latency_ms.p99 >= 5 * lock:latency_ms.p99
    lock|lease:stampede.max_concurrent_loads <= 1     (every listed variant)
    *:requests.failed == 0                            (every variant)
    len(alerts.0.fired_at_s) == 2

Grammar:
    claim  := expr OP expr            OP: < <= > >= == !=
    expr   := term (('+' | ' - ') term)*    (a minus needs spaces: labels hold '-')
    term   := factor (('*' | '/') factor)*
    factor := NUMBER | "STRING" | true | false | REF | FUNC '(' expr {',' expr} ')' | '(' expr ')'
    REF    := [LABELS ':'] PATH       LABELS: label{'|'label} or '*'; PATH: summary.json's
                                      dotted path, list items by index (alerts.0.name)
    FUNC   := len | first | last | min | max | abs

A REF without labels needs a single-variant result (a run). A claim with label
alternatives holds when it holds for every combination of them.

Lesson texts embed the same expressions in braces, "{none:db.reads / lock:db.reads}x";
a bare REF prints as the console prints that metric (format_metric), anything
else with 4 significant digits.
"""

import itertools
import math
import re

OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
FUNCS = {
    "len": len,
    "first": lambda xs: xs[0],
    "last": lambda xs: xs[-1],
    "min": min,
    "max": max,
    "abs": abs,
}

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<op><=|>=|==|!=|<|>)
  | (?P<func>(?:len|first|last|min|max|abs)(?=\())
  | (?P<string>"[^"]*")
  | (?P<bool>(?:true|false)(?![\w.:|-]))
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.:]))
  | (?P<ref>(?:(?:\*|[A-Za-z0-9_.+-]+(?:\|[A-Za-z0-9_.+-]+)*):)?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
  | (?P<punct>[()*/+,])
  | (?P<minus>-(?=\s))
""", re.VERBOSE)


class ClaimError(Exception):
    """A claim that does not parse or names something the results lack."""


def tokenize(text):
    tokens, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise ClaimError("cannot read %r at %r" % (text, text[pos:pos + 20]))
        pos = m.end()
        if m.lastgroup != "space":
            tokens.append((m.lastgroup, m.group()))
    return tokens


class Parser:
    """Recursive descent into a tree of tuples: ("num", x), ("ref", labels, path),
    ("call", name, args), ("bin", op, left, right)."""

    def __init__(self, text):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, value=None):
        kind, text = self.peek()
        if kind is None or (value is not None and text != value):
            raise ClaimError("%r: expected %s" % (self.text, value or "more"))
        self.i += 1
        return kind, text

    def expr(self):
        node = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            node = ("bin", op, node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            node = ("bin", op, node, self.factor())
        return node

    def factor(self):
        kind, text = self.take()
        if kind == "number":
            return ("num", float(text))
        if kind == "string":
            return ("num", text[1:-1])
        if kind == "bool":  # JSON's true and false, for flags in the resolved scenario
            return ("num", text == "true")
        if kind == "func":
            self.take("(")
            args = [self.expr()]
            while self.peek()[1] == ",":
                self.take(",")
                args.append(self.expr())
            self.take(")")
            return ("call", text, args)
        if kind == "ref":
            labels, _, path = text.rpartition(":")
            return ("ref", labels.split("|") if labels else None, path)
        if text == "(":
            node = self.expr()
            self.take(")")
            return node
        raise ClaimError("%r: unexpected %r" % (self.text, text))

    def done(self):
        if self.i != len(self.tokens):
            raise ClaimError("%r: unexpected %r" % (self.text, self.tokens[self.i][1]))


def parse_expr(text):
    p = Parser(text)
    node = p.expr()
    p.done()
    return node


def parse_claim(text):
    p = Parser(text)
    left = p.expr()
    kind, op = p.take()
    if kind != "op":
        raise ClaimError("%r: expected a comparison (< <= > >= == !=) after the left side" % text)
    right = p.expr()
    p.done()
    return left, op, right


def refs(node):
    if node[0] == "ref":
        yield node
    elif node[0] == "call":
        for a in node[2]:
            yield from refs(a)
    elif node[0] == "bin":
        yield from refs(node[2])
        yield from refs(node[3])


def lookup(summary, path):
    node = summary
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ClaimError("the summary has no %s" % path)
    return node


def evaluate(node, results, choice):
    """results: {label: summary}; choice: {id(ref node): label} picks a variant per ref."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "ref":
        label = choice.get(id(node))
        if label is None:
            if len(results) != 1:
                raise ClaimError("%s needs a variant label (one of %s)" %
                                 (node[2], ", ".join(results)))
            label = next(iter(results))
        return lookup(results[label], node[2])
    if kind == "call":
        args = [evaluate(a, results, choice) for a in node[2]]
        return FUNCS[node[1]](*args)
    _, op, left, right = node
    a, b = evaluate(left, results, choice), evaluate(right, results, choice)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return math.inf if a > 0 else (0.0 if a == 0 else -math.inf)
    return a / b


def choices(nodes, results):
    """Every assignment of a variant to each labelled ref."""
    slots = []
    for node in nodes:
        labels = node[1]
        if labels is None:
            continue
        if labels == ["*"]:
            labels = list(results)
        for label in labels:
            if label not in results:
                raise ClaimError("no variant labelled %r (the labels are %s)" %
                                 (label, ", ".join(results)))
        slots.append((id(node), labels))
    for combo in itertools.product(*[labels for _, labels in slots]):
        yield {slot[0]: label for slot, label in zip(slots, combo)}


def check(text, results):
    """Evaluates a claim on {label: summary}. Returns (ok, detail): detail shows
    the numbers each side had, for the guide and for failure messages."""
    left, op, right = parse_claim(text)
    nodes = list(refs(left)) + list(refs(right))
    shown = []
    ok = True
    for choice in choices(nodes, results):
        a, b = evaluate(left, results, choice), evaluate(right, results, choice)
        holds = OPS[op](a, b)
        ok = ok and holds
        shown.append("%s %s %s" % (significant(a), op, significant(b)))
    return ok, "; ".join(dict.fromkeys(shown))


# ---- formatting, as the console prints (analysis/outputs/run_outputs.cc) ----

def grouped(n):
    return "{:,}".format(int(n))


def significant(x):
    if isinstance(x, str):
        return '"%s"' % x
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int):
        return grouped(x)
    if not math.isfinite(x):
        return "-"
    if abs(x) >= 9999.5:
        return grouped(round(abs(x)))
    text = "%.4g" % x
    return text


def millis(ms):
    if not math.isfinite(ms):
        return "-"
    if ms == 0:
        return "0 ms"
    unit_ms, name = 1e-3, "us"
    for u, n in ((1e-3, "us"), (1, "ms"), (1e3, "s"), (60e3, "min"), (3600e3, "h")):
        if abs(ms) >= u:
            unit_ms, name = u, n
    return "%s %s" % (significant(ms / unit_ms), name)


FRACTIONS = ("hit_ratio", "utilization", "wait_probability", "offered_load", "stale_read_ratio")


def format_metric(path, value):
    """A metric's value as the console table prints it."""
    leaf = path.rsplit(".", 1)[-1]
    if isinstance(value, list):
        return ", ".join(significant(v) for v in value) or "-"
    if isinstance(value, str) or isinstance(value, bool):
        return str(value)
    if isinstance(value, int) and not leaf.endswith(FRACTIONS + ("_bytes",)):
        return grouped(value)
    if leaf.endswith(FRACTIONS):
        return "%.2f %%" % (value * 100)
    if leaf.endswith("_bytes"):
        units, v, i = ("B", "KiB", "MiB", "GiB", "TiB"), float(value), 0
        while v >= 1024 and i + 1 < len(units):
            v, i = v / 1024, i + 1
        return "%d B" % value if i == 0 else "%.1f %s" % (v, units[i])
    parent = path.rsplit(".", 2)[-2] if "." in path else ""
    if parent.endswith("latency_ms") or leaf.endswith("_ms"):
        return millis(value)
    if leaf.endswith("_s") or leaf == "simulated_seconds":
        return millis(value * 1e3)
    return significant(value)


def render_text(text, results):
    """Replaces each {EXPR} of a lesson text by its value on the results."""
    def one(m):
        node = parse_expr(m.group(1))
        nodes = list(refs(node))
        values = [evaluate(node, results, c) for c in choices(nodes, results)]
        if len(values) != 1:
            raise ClaimError("{%s} in a text must name one variant per metric" % m.group(1))
        if node[0] == "ref":
            return format_metric(node[2], values[0])
        return significant(values[0])
    return re.sub(r"\{([^{}]+)\}", one, text)
