#!/usr/bin/env python3
"""Regenerate the policy part of scenarios/schema.json from the registry.

The registry (`cachelab policies --json`) is the one place that declares every
policy, its parameters, their types, bounds and defaults. This script rewrites
from it, in scenarios/schema.json:
  - $defs/policy-<role>: the name enum and a params branch per policy;
  - $defs/params-<role>-<name>: each policy's parameter object;
  - /properties/policies: one property per role, and the defaults.
Everything else in the schema is left as it is. tests/analysis/scenario/check_schema.py
then checks the result against the loader.

Usage: scenarios/update_schema.py --cachelab build/release/cachelab [--schema scenarios/schema.json]
"""

import argparse
import json
import subprocess
import sys
import tempfile

ROLE_DOCS = {
    "read": "How a read uses the cache and the database.",
    "write": "How a write updates the database and the cache.",
    "invalidation": "How cached entries stop being served once their row changes.",
    "guard": "Stampede protection: what requests do when a hot key misses or is about to expire.",
    "l1": "A per-instance near cache above the shared cache, and how its copies are invalidated.",
    "warming": "Preloading the cache at start and after a flush or restart.",
    "degradation": "What a read does when the shared cache fails.",
    "eviction": "What the cache server drops when an entry does not fit.",
}
BOUNDS = {
    ">= 0": {"minimum": 0},
    "> 0": {"exclusiveMinimum": 0},
    "in [0, 1]": {"minimum": 0, "maximum": 1},
}


def param_schema(q):
    doc = q["doc"][0].upper() + q["doc"][1:]
    if not doc.endswith("."):
        doc += "."
    t = q["type"]
    bound = q.get("bound")
    if t == "duration":
        s = {"$ref": "#/$defs/positiveDuration" if bound == "> 0" else "#/$defs/duration"}
    elif t == "bytes":
        s = {"$ref": "#/$defs/size"}
    elif t in ("number", "integer"):
        s = {"type": t}
        s.update(BOUNDS.get(bound, {}))
    else:
        s = {"type": t}
    return dict({"description": doc}, **s, default=q["default"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cachelab", required=True)
    ap.add_argument("--schema", default="scenarios/schema.json")
    ap.add_argument("--readme", default="scenarios/README.md")
    args = ap.parse_args()
    every = json.loads(subprocess.run([args.cachelab, "policies", "--json"], check=True,
                                      capture_output=True, text=True).stdout)
    # Offline policies (belady) run only in `cachelab replay`; scenarios reject them.
    policies = [p for p in every if not p.get("offline")]
    with open(args.schema) as f:
        schema = json.load(f)
    defs = schema["$defs"]
    for key in [k for k in defs if k.startswith("policy-") or k.startswith("params-")]:
        del defs[key]
    roles = []
    for p in policies:
        if p["role"] not in roles:
            roles.append(p["role"])
    for role in roles:
        registered = [p for p in policies if p["role"] == role]
        names = [p["name"] for p in registered]
        defs["policy-" + role] = {
            "description": "A %s policy: its name, or {\"name\": ..., \"params\": {...}}; omitted "
                           "params take their defaults." % role,
            "anyOf": [
                {"enum": names},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {"name": {"enum": names}, "params": {"type": "object"}},
                    "allOf": [
                        {"if": {"properties": {"name": {"const": n}}},
                         "then": {"properties": {"params": {"$ref": "#/$defs/params-%s-%s" % (role, n)}}}}
                        for n in names
                    ],
                },
            ],
        }
        for p in registered:
            defs["params-%s-%s" % (role, p["name"])] = {
                "description": "%s: %s%s" % (p["name"], p["summary"],
                                             "" if p["params"] else ". No parameters."),
                "type": "object",
                "additionalProperties": False,
                "default": {q["name"]: q["default"] for q in p["params"]},
                "properties": {q["name"]: param_schema(q) for q in p["params"]},
            }
    # The defaults of /policies: what the loader resolves when a role is omitted.
    with tempfile.NamedTemporaryFile("w", suffix=".json") as tmp:
        json.dump({"name": "x", "duration": "1s",
                   "workload": {"rate": {"kind": "constant", "rps": 1}},
                   "cache": {"capacity": "1MiB"}}, tmp)
        tmp.flush()
        defaults = json.loads(subprocess.run(
            [args.cachelab, "validate", "--print-resolved", tmp.name],
            check=True, capture_output=True, text=True).stdout)["policies"]
    pol = schema["properties"]["policies"]
    pol["default"] = defaults
    pol["properties"] = {
        role: {"description": ROLE_DOCS.get(role, role), "$ref": "#/$defs/policy-" + role,
               "default": defaults[role]}
        for role in roles if role != "eviction"
    }
    ev = schema["properties"]["cache"]["properties"]["eviction"]
    ev["$ref"] = "#/$defs/policy-eviction"
    with open(args.schema, "w") as f:
        json.dump(schema, f, indent=2)
        f.write("\n")
    update_readme(every, args.readme)
    return 0


def describe_param(q):
    text = "`%s`: %s" % (q["name"], q["type"])
    if q.get("bound"):
        text += " " + q["bound"]
    text += ", default `%s`" % json.dumps(q["default"])
    return text + " (" + q["doc"] + ")"


def update_readme(policies, path):
    """The registered-policies table of scenarios/README.md, between its markers."""
    begin = "<!-- policies:begin (generated by scenarios/update_schema.py from `cachelab policies --json`) -->"
    end = "<!-- policies:end -->"
    with open(path) as f:
        text = f.read()
    if begin not in text or end not in text:
        raise SystemExit("%s: policy table markers missing" % path)
    lines = ["| Role | Name | What it does | Parameters |", "|------|------|--------------|------------|"]
    for p in policies:
        params = "; ".join(describe_param(q) for q in p["params"]) or "none"
        summary = p["summary"] + (" (trace replay only)" if p.get("offline") else "")
        lines.append("| %s | `%s` | %s | %s |" % (p["role"], p["name"], summary,
                                                  params.replace("|", "\\|")))
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w") as f:
        f.write(head + begin + "\n" + "\n".join(lines) + "\n" + end + tail)


if __name__ == "__main__":
    sys.exit(main())
