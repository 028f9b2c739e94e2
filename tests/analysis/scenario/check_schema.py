#!/usr/bin/env python3
"""Keeps scenarios/schema.json, the shipped scenarios and the loader in step.

Checks, each reported as one line in a list of problems (exit 1 if any):
  (a) the schema is a valid JSON Schema (its metaschema, draft 2020-12);
  (b) every scenarios/**/*.json except schema.json validates against it;
  (c) the loader and the schema accept the same fields. For every scenario,
      and for probe variants of the default scenario that exercise each
      alternative of the format (rate kinds, key popularities, distribution
      kinds, faults, ...),
      `cachelab validate FILE --print-resolved` gives the fully defaulted
      scenario; it must validate against the schema, its key tree must equal
      the schema's property tree (walked through $ref/allOf/anyOf/oneOf/if by
      the branch the value matches), and every schema `default` must equal the
      resolved value wherever the input file did not set the field. Every
      object alternative of the schema must be exercised by some scenario or
      probe, and the policy enums and parameter schemas must match
      `cachelab policies --json`.

Usage: check_schema.py --schema F --scenarios DIR --cachelab BIN
"""

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

# Probes: (JSON pointer in the default scenario, value). Together with the
# shipped scenarios they must reach every object alternative of the schema.
PROBES = [
    ("/workload/rate", {"kind": "constant", "rps": 10}),
    ("/workload/rate", {"kind": "steps", "steps": [{"at": "0", "rps": 10}, {"at": "1s", "rps": 0}]}),
    ("/workload/rate", {"kind": "ramp", "from_rps": 0, "to_rps": 50, "start": "1s", "end": "2s"}),
    ("/workload/value_size", "4KiB"),
    ("/workload/value_size", {"kind": "constant", "value": 100}),
    ("/workload/value_size", {"kind": "exponential", "mean": "1KiB"}),
    ("/workload/value_size", {"kind": "lognormal", "mean": "1KB", "sigma": 0.5}),
    ("/workload/value_size", {"kind": "uniform", "min": "0", "max": "2KiB"}),
    ("/workload/value_size", {"kind": "empirical", "values": ["512B", 4096], "weights": [3, 0.5]}),
    ("/cache/rtt", "1ms"),
    ("/cache/rtt", {"kind": "constant", "value": "1ms"}),
    ("/cache/rtt", {"kind": "exponential", "mean": "1ms"}),
    ("/cache/rtt", {"kind": "lognormal", "mean": "1ms", "sigma": 0}),
    ("/cache/rtt", {"kind": "uniform", "min": "1ms", "max": "2ms"}),
    ("/cache/faults", [{"kind": "down", "start": "10s", "duration": "5s"}]),
    ("/cache/faults", [{"kind": "slow", "start": "10s", "duration": "5s", "factor": 3},
                       {"kind": "flush", "start": "20s"},
                       {"kind": "restart", "start": "30s", "duration": "2s"}]),
    ("/instances/serialization", {"per_kib": "2us", "cached_fraction": 0.25}),
    ("/alerts", [{"name": "low hit ratio", "metric": "hit_ratio", "op": "<", "threshold": 0.9}]),
    ("/workload/keys", {"popularity": "uniform"}),
    ("/workload", {"rate": {"kind": "constant", "rps": 100}, "classes": [
        {"name": "user", "share": 0.7, "keys": {"count": 1000, "alpha": 0.9}, "write_fraction": 0.01,
         "missing_fraction": 0.05, "value_size": "2KiB", "ttl": "10m",
         "database": {"read": {"kind": "lognormal", "mean": "20ms", "sigma": 0.5}, "write": "5ms"}},
        {"name": "config", "share": 0.3, "keys": {"count": 10, "popularity": "uniform"}}]}),
    ("/workload/keys", {"popularity": "lru-stack", "cold": 0.25, "depths": [1, "4KiB", "1.5MiB"]}),
    ("/cache/eviction", "lru"),
    ("/cache/eviction", "fifo"),
    ("/cache/eviction", {"name": "clock", "params": {"bits": 2}}),
    ("/cache/eviction", "sieve"),
    ("/cache/eviction", "slru"),
    ("/cache/eviction", "lfu"),
    ("/cache/eviction", "wtinylfu"),
    ("/cache/eviction", "arc"),
    ("/cache/eviction", "twoq"),
    ("/cache/eviction", "s3fifo"),
    ("/cache/eviction", "lirs"),
    ("/cache/eviction", "random"),
    ("/cache/eviction", "allkeys-lru"),
    ("/cache/eviction", "allkeys-lfu"),
    ("/cache/eviction", "volatile-ttl"),
    ("/policies", {}),
    ("/policies/read", {"name": "read-through", "params": {"ttl": "5m"}}),
    ("/policies/write", {"name": "write-through", "params": {"ttl": "5m"}}),
    ("/policies/write", {"name": "write-around"}),
]

# What cache.node_type sets in place of the schema's defaults.
NODE_TYPE_FIELDS = {"/cache/capacity", "/cache/memory", "/cache/memory/ram", "/cache/network",
                    "/cache/network/bandwidth_mbit"}

# Schema $defs holding each role's policy choice; params schemas are
# $defs/params-<role>-<name>.
ROLES = ["read", "write", "invalidation", "guard", "l1", "warming", "degradation", "eviction"]
POLICY_DEFS = {role: "policy-" + role for role in ROLES}


def registry_probes(cachelab):
    """One probe per registered policy, so every params branch is exercised."""
    run = subprocess.run([cachelab, "policies", "--json"], capture_output=True, text=True,
                         timeout=60)
    if run.returncode != 0:
        return []
    probes = []
    for p in json.loads(run.stdout):
        if p.get("offline"):
            continue  # replay-only (belady): scenarios reject it
        pointer = "/cache/eviction" if p["role"] == "eviction" else "/policies/" + p["role"]
        probes.append((pointer, {"name": p["name"]}))
    return probes


class Checker:
    def __init__(self, schema, cachelab):
        self.schema = schema
        self.cachelab = cachelab
        self.problems = []
        self.exercised = set()  # ids of object alternatives some resolved value matched
        self.node_type = ""  # the scenario being walked's cache.node_type
        self.unresolved = 0  # scenarios the loader could not resolve
        self.validator = jsonschema.Draft202012Validator(schema)

    def problem(self, text, where=None):
        """Records a problem; the same text seen in several scenarios (`where`)
        is reported once, naming the first of them and counting the rest."""
        for entry in self.problems:
            if entry[0] == text:
                if where is not None:
                    entry[1].append(where)
                return
        self.problems.append((text, [] if where is None else [where]))

    def report(self):
        lines = []
        for text, places in self.problems:
            if not places:
                lines.append(text)
            else:
                more = " (and %d more)" % (len(places) - 1) if len(places) > 1 else ""
                lines.append("%s%s: %s" % (places[0], more, text))
        return lines

    # ---- schema navigation ---------------------------------------------------

    def resolve(self, node):
        ref = node.get("$ref")
        if ref is None:
            return None
        if not ref.startswith("#/"):
            raise ValueError("only local $refs are supported: " + ref)
        target = self.schema
        for token in ref[2:].split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        return target

    def is_valid(self, subschema, instance):
        # Validate against a fragment while keeping "#/$defs/..." resolvable.
        doc = dict(subschema)
        doc["$defs"] = self.schema.get("$defs", {})
        return jsonschema.Draft202012Validator(doc).is_valid(instance)

    def applicable(self, node, instance):
        """The subschemas (dicts) that apply to `instance`, flattening $ref,
        allOf, the matching anyOf/oneOf branches and if/then/else."""
        if not isinstance(node, dict):
            return []
        out = [node]
        target = self.resolve(node)
        if target is not None:
            out += self.applicable(target, instance)
        for sub in node.get("allOf", []):
            out += self.applicable(sub, instance)
        for key in ("anyOf", "oneOf"):
            branches = node.get(key, [])
            matching = [b for b in branches if self.is_valid(b, instance)]
            for b in matching or branches:
                out += self.applicable(b, instance)
        if "if" in node:
            branch = node.get("then") if self.is_valid(node["if"], instance) else node.get("else")
            if branch is not None:
                out += self.applicable(branch, instance)
        return out

    def object_alternatives(self, node, path="#", seen=None):
        """Every subschema that declares `properties`, with a readable path."""
        seen = set() if seen is None else seen
        found = []
        if isinstance(node, dict):
            if id(node) in seen:
                return found
            seen.add(id(node))
            if "properties" in node and node["properties"]:
                found.append((id(node), path))
            for key, value in node.items():
                if key in ("default", "const", "enum", "examples", "if", "not"):
                    continue
                found += self.object_alternatives(value, path + "/" + key, seen)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                found += self.object_alternatives(value, "%s/%d" % (path, i), seen)
        return found

    # ---- the walk --------------------------------------------------------------

    def walk(self, where, pointer, subschemas, resolved, raw):
        """Compares the resolved value at `pointer` with the schema nodes that
        apply to it; `raw` is the input's value there (None if absent)."""
        nodes = []
        for s in subschemas:
            nodes += self.applicable(s, resolved)
        if isinstance(resolved, dict):
            properties = {}
            for n in nodes:
                if n.get("properties"):
                    self.exercised.add(id(n))
                for key, sub in n.get("properties", {}).items():
                    properties.setdefault(key, []).append(sub)
            # Parameters of a policy without any: the schema says so with an
            # empty "properties", which the loop above cannot mark.
            for n in nodes:
                if "properties" in n and not n["properties"]:
                    self.exercised.add(id(n))
            # A map of named objects (cost.node_types): every key not among
            # the properties is one of additionalProperties' objects.
            extra = [n["additionalProperties"] for n in nodes
                     if isinstance(n.get("additionalProperties"), dict)]
            for n in nodes:
                if extra and isinstance(n.get("additionalProperties"), dict):
                    self.exercised.add(id(n))
            for key in sorted(set(resolved) - set(properties)):
                if extra:
                    child_raw = raw.get(key) if isinstance(raw, dict) else None
                    self.walk(where, pointer + "/" + key, extra, resolved[key], child_raw)
                    continue
                self.problem("%s/%s: the loader fills a field the schema does not describe"
                             % (pointer, key), where)
            for key in sorted(set(properties) - set(resolved)):
                self.problem("%s/%s: the schema describes a field the loader's resolved "
                             "scenario lacks" % (pointer, key), where)
            for key in sorted(set(properties) & set(resolved)):
                child_raw = raw.get(key) if isinstance(raw, dict) else None
                if child_raw is None:
                    self.check_defaults(where, pointer + "/" + key, properties[key], resolved[key])
                self.walk(where, pointer + "/" + key, properties[key], resolved[key], child_raw)
        elif isinstance(resolved, list):
            items = [n["items"] for n in nodes if isinstance(n.get("items"), dict)]
            for i, element in enumerate(resolved):
                child_raw = raw[i] if isinstance(raw, list) and i < len(raw) else None
                self.walk(where, "%s/%d" % (pointer, i), items, element, child_raw)

    def check_defaults(self, where, pointer, subschemas, resolved):
        # A node type sets these (analysis/scenario/cost.h): their default is the type's.
        if self.node_type and pointer in NODE_TYPE_FIELDS:
            return
        defaults = []
        for s in subschemas:
            for n in self.applicable(s, resolved):
                if "default" in n and not any(same(n["default"], d) for d in defaults):
                    defaults.append(n["default"])
        for d in defaults:
            if not same(d, resolved):
                self.problem("%s: schema default %s differs from the loader's default %s"
                             % (pointer, json.dumps(d), json.dumps(resolved)), where)

    # ---- the loader ----------------------------------------------------------------

    def resolved(self, path, label):
        self.unresolved += 1  # until it succeeds
        try:
            run = subprocess.run([self.cachelab, "validate", path, "--print-resolved"],
                                 capture_output=True, text=True, timeout=60)
        except OSError as e:
            self.problem("cannot run %s: %s" % (self.cachelab, e), label)
            return None
        if run.returncode != 0:
            self.problem("`cachelab validate --print-resolved` failed (exit %d): %s"
                         % (run.returncode, (run.stderr or run.stdout).strip()), label)
            return None
        try:
            result = json.loads(run.stdout)
            self.unresolved -= 1
            return result
        except ValueError as e:
            self.problem("`cachelab validate --print-resolved` printed no JSON (%s): %.200s"
                         % (e, run.stdout), label)
            return None

    def check_scenario(self, raw, path, label):
        resolved = self.resolved(path, label)
        if resolved is None:
            return
        for e in self.validator.iter_errors(resolved):
            self.problem("resolved scenario does not validate: %s: %s"
                         % ("/" + "/".join(map(str, e.absolute_path)), e.message), label)
        self.node_type = resolved.get("cache", {}).get("node_type", "")
        self.walk(label, "", [self.schema], resolved, raw)

    def check_policies(self):
        try:
            run = subprocess.run([self.cachelab, "policies", "--json"], capture_output=True,
                                 text=True, timeout=60)
            policies = json.loads(run.stdout) if run.returncode == 0 else None
        except (OSError, ValueError):
            policies = None
        if policies is None:
            self.problem("cannot list the registered policies with `cachelab policies --json`")
            return
        defs = self.schema.get("$defs", {})
        for role, def_name in POLICY_DEFS.items():
            # Offline policies (belady) run only in trace replay; scenarios cannot name them.
            registered = [p for p in policies if p["role"] == role and not p.get("offline")]
            names = [p["name"] for p in registered]
            choice = defs.get(def_name)
            if choice is None:
                self.problem("schema: $defs/%s is missing" % def_name)
                continue
            enums = [n for n in self.enums(choice)]
            for i, enum in enumerate(enums):
                if sorted(enum) != sorted(names):
                    self.problem("schema: $defs/%s: name enum #%d is %s; registered %s policies "
                                 "are %s" % (def_name, i + 1, enum, role, names))
            for p in registered:
                params_def = "params-%s-%s" % (role, p["name"])
                ps = defs.get(params_def)
                if ps is None:
                    self.problem("schema: $defs/%s is missing (parameters of %s policy %s)"
                                 % (params_def, role, p["name"]))
                    continue
                declared = {q["name"]: q for q in p["params"]}
                props = ps.get("properties", {})
                if set(props) != set(declared):
                    self.problem("schema: $defs/%s: parameters %s, registry declares %s"
                                 % (params_def, sorted(props), sorted(declared)))
                expected_default = {n: q["default"] for n, q in declared.items()}
                if not same(ps.get("default"), expected_default):
                    self.problem("schema: $defs/%s: default %s, registry defaults are %s"
                                 % (params_def, json.dumps(ps.get("default")),
                                    json.dumps(expected_default)))
                for name, q in declared.items():
                    if name in props and not same(props[name].get("default"), q["default"]):
                        self.problem("schema: $defs/%s/properties/%s: default %s, registry "
                                     "default is %s" % (params_def, name,
                                                        json.dumps(props[name].get("default")),
                                                        json.dumps(q["default"])))

    @staticmethod
    def enums(choice):
        """The name enums of a policy choice: the shorthand's and "name"'s."""
        found = []
        for branch in choice.get("anyOf", []):
            if "enum" in branch:
                found.append(branch["enum"])
            name = branch.get("properties", {}).get("name", {})
            if "enum" in name:
                found.append(name["enum"])
        return found


def same(a, b):
    """JSON equality: 1 == 1.0, but true != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def set_pointer(doc, pointer, value):
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    node = doc
    for t in tokens[:-1]:
        node = node.setdefault(t, {})
    node[tokens[-1]] = value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", required=True)
    parser.add_argument("--scenarios", required=True)
    parser.add_argument("--cachelab", required=True)
    args = parser.parse_args()

    with open(args.schema) as f:
        schema = json.load(f)
    checker = Checker(schema, args.cachelab)

    # (a) the schema itself
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print("schema.json is not a valid JSON Schema: %s" % e.message)
        return 1

    # (b) every shipped scenario validates; (c) and agrees with the loader
    scenarios = []
    for root, _, files in os.walk(args.scenarios):
        for name in sorted(files):
            path = os.path.join(root, name)
            # The workshop guide's manifests (lessons, exercises, the article's
            # ideas) are not scenarios.
            if (name.endswith(".json") and name not in ("catalog.json", "exercises.json", "ideas.json")
                    and os.path.abspath(path) != os.path.abspath(args.schema)):
                scenarios.append(path)
    scenarios.sort()
    default_raw = None
    for path in scenarios:
        label = os.path.relpath(path, os.path.dirname(os.path.abspath(args.scenarios)))
        try:
            with open(path) as f:
                raw = json.load(f)
        except ValueError as e:
            checker.problem("invalid JSON: %s" % e, label)
            continue
        for e in checker.validator.iter_errors(raw):
            checker.problem("does not validate against the schema: %s: %s"
                            % ("/" + "/".join(map(str, e.absolute_path)), e.message), label)
        checker.check_scenario(raw, path, label)
        if os.path.basename(path) == "default.json":
            default_raw = raw
    if default_raw is None:
        checker.problem("%s: no default.json" % args.scenarios)
    else:
        # Only the required fields: every other default is then the loader's.
        minimal = {key: default_raw[key] for key in ("name", "duration")}
        minimal["workload"] = {"rate": default_raw["workload"]["rate"]}
        minimal["cache"] = {"capacity": default_raw["cache"]["capacity"]}
        probes = [(None, minimal)] + PROBES + registry_probes(args.cachelab)
        # A CSV trace workload (its file is in tests/data, next to scenarios/).
        data = os.path.join(os.path.dirname(os.path.abspath(args.scenarios)), "tests", "data")
        probes.append(("/workload", {"trace": {
            "path": os.path.join(data, "cloudPhysicsIO.csv.zst"), "format": "csv",
            "csv": {"time": "time", "key": "lbn", "size": 4}}}))
        with tempfile.TemporaryDirectory() as tmp:
            for i, (pointer, value) in enumerate(probes):
                if pointer is None:
                    raw, label = value, "probe: default.json with only its required fields"
                else:
                    raw = copy.deepcopy(default_raw)
                    set_pointer(raw, pointer, value)
                    label = "probe %s=%s" % (pointer, json.dumps(value))
                for e in checker.validator.iter_errors(raw):
                    checker.problem("does not validate against the schema: %s" % e.message, label)
                path = os.path.join(tmp, "probe-%d.json" % i)
                with open(path, "w") as f:
                    json.dump(raw, f)
                checker.check_scenario(raw, path, label)
        # Coverage only means something when every probe reached the loader.
        unexercised = [w for node_id, w in checker.object_alternatives(schema)
                       if node_id not in checker.exercised and checker.unresolved == 0]
        for where in unexercised:
            checker.problem("schema: %s: no scenario or probe exercises these fields; add a probe "
                            "to %s" % (where, os.path.basename(__file__)))
    checker.check_policies()

    if checker.problems:
        print("%d problem(s) between scenarios/schema.json, the scenarios and the loader:"
              % len(checker.problems))
        for line in checker.report():
            print("  " + line)
        return 1
    print("ok: schema valid; %d scenario(s) and %d probe(s) agree with the loader"
          % (len(scenarios), len(PROBES) + 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
