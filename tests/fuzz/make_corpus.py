#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) and the
scenario dictionary (tests/fuzz/scenario.dict) from what the project ships: the
catalog's scenarios (and copies shrunk to run in milliseconds, so the fuzzer
reaches the simulation), slices of the reference traces, and result folders of
every kind that `cachelab` writes for a tiny scenario.

    python3 tests/fuzz/make_corpus.py --cachelab build/release/cachelab

Deterministic: the same tree and binary give the same files. The seeds are
committed; what libFuzzer finds beyond them stays in build/fuzz/ (make fuzz).
"""
import argparse
import copy
import io
import json
import pathlib
import shutil
import struct
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
FUZZ = ROOT / "tests" / "fuzz"
REFERENCE = ROOT.parent / "shared" / "reference" / "libcachesim"
TESTDATA = ROOT / "tests" / "data"


def write(target, name, data):
    d = FUZZ / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def shrink(doc):
    """A copy that simulates a few thousand requests: the run, not only the load."""
    d = copy.deepcopy(doc)
    d["duration"] = "4s"
    w = d.setdefault("workload", {})
    if "trace" in w:
        return None
    w["rate"] = {"kind": "constant", "rps": 500}
    # Key classes carry their own keys (workload.keys is then an error).
    classes = w.get("classes") if isinstance(w.get("classes"), list) else None
    for keys in [c.get("keys") for c in classes or [] if isinstance(c, dict)] or \
            ([] if classes is not None else [w.setdefault("keys", {})]):
        if isinstance(keys, dict):
            keys["count"] = min(int(keys.get("count", 1000)), 500)
    d.setdefault("metrics", {})["interval"] = "1s"
    d["metrics"].pop("warmup", None)
    d["metrics"].pop("windows", None)  # their bounds lie past the shortened run
    # A node type sets the capacity (another one is an error): keep it.
    if isinstance(d.get("cache"), dict) and "node_type" not in d["cache"]:
        d["cache"]["capacity"] = "2MiB"
    return d


def scenarios():
    files = sorted(p for p in (ROOT / "scenarios").rglob("*.json") if p.name != "schema.json")
    files += sorted(TESTDATA.glob("*.json"))
    for p in files:
        stem = p.relative_to(ROOT).with_suffix("").as_posix().replace("/", "-")
        text = p.read_text()
        write("scenario", stem + ".json", text)
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            continue
        small = shrink(doc) if isinstance(doc, dict) and "workload" in doc else None
        if small is not None:
            write("scenario", stem + ".small.json", json.dumps(small, indent=1))
    tiny = (TESTDATA / "cli_tiny.json").read_text()
    overrides = {
        "guard-lock": ['/policies/guard={"name":"lock","params":{"retry_interval":"5ms"}}'],
        "write-behind": ['/policies/write={"name":"write-behind"}', "/workload/write_fraction=0.3"],
        "l1": ['/policies/l1={"name":"broadcast","params":{"capacity":"64KiB","ttl":"1s"}}'],
        "capacity": ["/cache/capacity=1GiB", "/cache/eviction=allkeys-lru"],
        "append": ['/alerts/-={"name":"x","metric":"hit_ratio","op":"<","threshold":0.5}'],
        # Blocks no shipped scenario uses, so that the fuzzer starts from valid ones.
        "memory": ['/cache/memory={"model":"redis","key_bytes":40,"fragmentation":1.3,'
                   '"ram":"4MiB"}'],
        "cluster": ['/cache/cluster={"nodes":3,"sharding":"consistent-hashing",'
                    '"virtual_nodes":40}', '/cache/cpu={"per_op":"20us","per_kib":"2us"}',
                    '/cache/network={"bandwidth_mbit":100}'],
        "pool": ['/database/pool="per_instance"', "/instances/count=3",
                 "/database/connections=2"],
        "replicas": ['/database/replicas={"count":2,"connections":4,'
                     '"lag":{"kind":"exponential","mean":"50ms"},"read_your_writes":"100ms"}',
                     "/workload/write_fraction=0.2"],
        # A node type sets the price and 75% of its RAM as the capacity.
        "cost": ['/cost={"database_per_hour":0.5,"replica_per_hour":0.25,"network_per_gib":0.01,'
                 '"node_types":{"tiny":{"ram":"1MiB","per_hour":0.02},'
                 '"big":{"ram":"8MiB","per_hour":0.1}}}',
                 '/cache/node_type="tiny"', '/cache/capacity="768KiB"'],
    }
    for name, sets in overrides.items():
        write("scenario", f"tiny-set-{name}.txt", tiny + "\n#--set\n" + "\n".join(sets) + "\n")


def oracle_records(n):
    data = (REFERENCE / "cloudPhysicsIO.oracleGeneral.bin").read_bytes()
    return data[: 24 * n]


def traces():
    for n, opts in ((50, b"\x00\x00"), (400, b"\x01\x02"), (400, b"\x03\x85")):
        write("trace_oracle", f"cloudphysics-{n}-{opts.hex()}.bin", opts + oracle_records(n))
        plain = oracle_records(n)
        z = subprocess.run(["zstd", "-q", "-c", "-3"], input=plain, stdout=subprocess.PIPE,
                           check=True).stdout
        write("trace_oracle_zstd", f"cloudphysics-{n}-{opts.hex()}.bin.zst", opts + z)
    # A record whose next access is the last one of the trace, and a negative one.
    rec = struct.pack("<IQIq", 1, 42, 100, 1) + struct.pack("<IQIq", 2, 42, 100, -1)
    write("trace_oracle", "next-access.bin", b"\x02\x01" + rec)

    lines = (REFERENCE / "cloudPhysicsIO.csv").read_text().splitlines()
    body = lines[1:301]
    # The reference's op codes are not the reader's names: mapped as "opcode".
    header = "version,time,opcode,size,key"
    write("trace_csv", "cloudphysics-header.csv", b"\x19\x00\x00" + "\n".join([header] + body).encode())
    write("trace_csv", "cloudphysics-noheader.csv", b"\x00\x01\x03" + "\n".join(body).encode())
    ops = ["get", "set", "get", "delete", "gets", "write", "r", "w", "del"]
    synth = ["time;key;size;op"] + [f"{i};user:{i % 17};{100 + i % 7};{ops[i % len(ops)]}"
                                    for i in range(120)]
    write("trace_csv", "ops-semicolon.csv", b"\x3b\x04\x01" + "\n".join(synth).encode())
    tab = [f"{i}\t{i % 13}\t{50 + i}" for i in range(80)]
    write("trace_csv", "tab-noheader.csv", b"\x1c\x00\x84" + "\n".join(tab).encode())

    for p in sorted(TESTDATA.glob("twitter_*.csv")):
        write("trace_twitter", p.stem + ".csv", b"\x00\x01" + p.read_bytes())
    rows = []
    for i in range(200):
        op = ["get", "set", "gets", "add", "delete", "incr", "cas"][i % 7]
        rows.append(f"{i // 5},key{i % 31},{8 + i % 3},{100 * (i % 9)},{i % 4},{op},{i % 3 * 60}")
    write("trace_twitter", "synthetic.csv", b"\x01\x03" + "\n".join(rows).encode())


def value_lists():
    items = {
        0: ["/cache/capacity=1GiB", '/policies/guard={"name":"lock","params":{"retry_interval":"5ms"}}',
            "/workload/keys/count=5000", "/duration=90s"],
        1: ['/policies/guard={"name":"lock","params":{"retry_interval":"5ms"}},none',
            "/cache/capacity=1MiB,16MiB", "/policies/read/params/ttl=1s,\"10s\",1m"],
        2: ["/cache/capacity=1MiB..64MiB:x2", "/database/connections=4..64:+4",
            "/workload/write_fraction=0.1..0.5:+0.1", "/policies/read/params/ttl=1s..10s:+1s,1h",
            "/cache/cluster/nodes=1..8:+1", "/database/replicas/count=0..3:+1"],
        3: ["/database/read/mean=2ms..8ms:x2", "/workload/keys/alpha=0.8,1.0,1.2"],
        4: ["/database/connections=±4", "/workload/keys/alpha=±10%", "/cache/capacity=+-1MiB",
            "/cache/memory/fragmentation=±0.2"],
    }
    for which, texts in items.items():
        for i, t in enumerate(texts):
            write("value_list", f"{which}-{i}.txt", bytes([which]) + t.encode())


def run(cachelab, *args, cwd):
    subprocess.run([cachelab, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def pack(folder, extra=()):
    out = io.BytesIO()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            out.write(f"=== {p.relative_to(folder).as_posix()}\n".encode())
            out.write(p.read_bytes())
            out.write(b"\n")
    for name, body in extra:
        out.write(f"=== {name}\n{body}\n".encode())
    return out.getvalue()


def results(cachelab):
    tiny = str(TESTDATA / "cli_tiny.json")
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        short = ["--set", "/duration=3s"]
        run(cachelab, "run", tiny, *short, "--out", "run", "--quiet", cwd=t)
        run(cachelab, "compare", tiny, *short, "--vary", "/cache/capacity=64KiB,1MiB", "--out",
            "compare", cwd=t)
        run(cachelab, "sweep", tiny, *short, "--grid", "/cache/capacity=64KiB,256KiB,1MiB",
            "--replications", "2", "--out", "sweep", cwd=t)
        run(cachelab, "plan", tiny, *short, "--minimize", "/cache/capacity", "--range", "16KiB..4MiB", "--slo",
            "cache.hit_ratio>=0.3", "--replications", "2", "--out", "plan", cwd=t)
        run(cachelab, "explain", tiny, *short, "--key", "0", "--out", "explain", cwd=t)
        csv = (t / "run" / "timeseries.csv").read_bytes()
        write("report_csv", "run-timeseries.csv", b"\x06" + csv)
        write("report_csv", "run-timeseries-end.csv", b"\x0b" + csv)
        for kind in ("run", "compare", "sweep", "plan", "explain"):
            write("report_folder", kind + ".txt", pack(t / kind))
        shutil.copytree(t / "plan", t / "sweep" / "plan")
        write("report_folder", "sweep-slo-plan.txt",
              pack(t / "sweep", [("slo", "cache.hit_ratio>=0.5\nlatency_ms.p99<=50")]))


def dictionary():
    schema = json.loads((ROOT / "scenarios" / "schema.json").read_text())
    keys, names = set(), set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.get("properties", {}).items():
                keys.add(k)
            for v in node.get("enum", []) if isinstance(node.get("enum"), list) else []:
                if isinstance(v, str):
                    names.add(v)
            if isinstance(node.get("const"), str):
                names.add(node["const"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)
    tokens = sorted(f'"{k}"' for k in keys | names)
    tokens += ['"1ms"', '"250us"', '"10s"', '"1h"', '"87600h"', '"1KiB"', '"1GiB"', '"1PiB"',
               "1e308", "-1", "0", "9007199254740993", "1e400", "#--set", "..", ":x2", ":+1"]
    lines = ["# Scenario keys and names from scenarios/schema.json, units and edges;",
             "# written by tests/fuzz/make_corpus.py."]
    lines += [f"k{i}={json.dumps(t)}" for i, t in enumerate(tokens)]
    (FUZZ / "scenario.dict").write_text("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cachelab", required=True, help="the cachelab binary")
    args = ap.parse_args()
    cachelab = str(pathlib.Path(args.cachelab).resolve())
    shutil.rmtree(FUZZ / "corpus", ignore_errors=True)
    scenarios()
    traces()
    value_lists()
    results(cachelab)
    dictionary()
    for target in sorted((FUZZ / "corpus").iterdir()):
        print(f"{target.name}: {len(list(target.iterdir()))} seeds")


if __name__ == "__main__":
    main()
