"""`import cachelab` against the CLI: the same scenario, seed and options give
the same summary.json, timeseries.csv and sweep.csv; bad input raises
InputError naming the field's JSON pointer and writes nothing.

Run by ctest (python.pytest) with the build's module on PYTHONPATH and the
CLI in CACHELAB_BINARY; from the source root.
"""

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import cachelab

ROOT = Path(__file__).resolve().parents[2]
CLI = os.environ.get("CACHELAB_BINARY", str(ROOT / "build/release/cachelab"))
TINY = ROOT / "tests/data/cli_tiny.json"


def cli(*args, cwd=None):
    """Runs the CLI; (exit code, stdout, stderr)."""
    p = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def cli_run(tmp_path, scenario, seed, *extra):
    out = tmp_path / "cli-run"
    code, _, err = cli("run", scenario, "--seed", seed, "--quiet", "--out", out, *extra)
    assert code == 0, err
    return out


# ---- the summary and the time series equal the CLI's ----------------------------------------


@pytest.mark.parametrize("scenario,seed", [("scenarios/basics/cache-aside.json", 11),
                                           ("scenarios/stampede/hot-key-expiry.json", 3)])
def test_run_summary_and_timeseries_equal_the_cli(tmp_path, scenario, seed):
    out = cli_run(tmp_path, ROOT / scenario, seed)
    result = cachelab.run(ROOT / scenario, seed=seed)
    assert result.summary == json.loads((out / "summary.json").read_text())
    assert result.summary["seed"] == seed
    pd.testing.assert_frame_equal(result.timeseries, pd.read_csv(out / "timeseries.csv"))
    assert result.scenario == json.loads((out / "scenario.resolved.json").read_text())
    assert result.events == json.loads((out / "events.json").read_text())
    # The files' very text, as the CLI writes it.
    for name in ("summary.json", "timeseries.csv", "scenario.resolved.json", "events.json"):
        assert result.files[name] == (out / name).read_text(), name
    assert result.nodes.empty  # one cache node: no nodes.csv


def test_cluster_run_gives_the_cli_nodes_csv(tmp_path):
    scenario = ROOT / "scenarios/topology/hot-shard.json"
    short = ["--set", "/duration=20s"]
    out = cli_run(tmp_path, scenario, 5, *short)
    result = cachelab.run(str(scenario), seed=5, set={"/duration": "20s"})
    assert result.summary == json.loads((out / "summary.json").read_text())
    pd.testing.assert_frame_equal(result.nodes, pd.read_csv(out / "nodes.csv"))
    cluster = result.summary["cluster"]
    assert result.nodes["node"].nunique() == cluster["nodes"] == len(cluster["per_node"])
    # Each interval's node rows add up to the node's whole-run operations.
    for node in cluster["per_node"]:
        assert result.nodes[result.nodes["node"] == node["node"]]["ops"].sum() == node["ops"]


def test_per_instance_pools_give_the_cli_pools_csv(tmp_path):
    sets = {"/instances/count": 3, "/database/pool": "per_instance", "/database/connections": 2}
    out = cli_run(tmp_path, TINY, 4, *[a for k, v in sets.items() for a in ("--set", f"{k}={v}")])
    result = cachelab.run(TINY, seed=4, set=sets)
    assert result.files["pools.csv"] == (out / "pools.csv").read_text()
    pd.testing.assert_frame_equal(result.pools, pd.read_csv(out / "pools.csv"))
    pools = result.summary["pools"]
    assert sorted(result.pools["instance"].unique()) == [0, 1, 2]
    # Each pool's interval rows add up to its whole-run queries and timeouts.
    for pool in pools["per_instance"]:
        rows = result.pools[result.pools["instance"] == pool["instance"]]
        assert rows["queries"].sum() == pool["queries"]
        assert rows["timeouts"].sum() == pool["timeouts"]
        assert rows["peak_queue_depth"].max() == pool["peak_queue_depth"]
    # A global pool: no pools.csv.
    assert cachelab.run(TINY, seed=4).pools.empty


def test_dict_scenario_runs_as_its_file(tmp_path):
    doc = json.loads(TINY.read_text())
    out = cli_run(tmp_path, TINY, 7)
    assert cachelab.run(doc, seed=7).summary == json.loads((out / "summary.json").read_text())
    assert cachelab.load(doc) == cachelab.load(TINY)


def test_default_scenario_and_overrides_as_the_cli_resolves_them():
    code, stdout, err = cli("validate", TINY, "--print-resolved", "--set", "/cache/capacity=1MiB",
                            "--set", "/workload/keys/alpha=0.8")
    assert code == 0, err
    resolved = cachelab.validate(TINY, set={"/cache/capacity": "1MiB",
                                            "/workload/keys/alpha": 0.8})
    assert resolved == json.loads(stdout)
    assert cachelab.load(set=["/seed=9"])["seed"] == 9  # the embedded default scenario
    assert cachelab.default_scenario()["name"] == cachelab.load()["name"]


# ---- invariants of a run ----------------------------------------------------------------------


def test_every_request_is_a_hit_a_miss_or_an_error():
    r = cachelab.run(TINY, seed=4)
    s, ts = r.summary, r.timeseries
    assert s["cache"]["gets"] == s["cache"]["hits"] + s["cache"]["misses"] + s["cache"]["errors"]
    assert (ts["reads"] == ts["hits"] + ts["misses"] + ts["errors"]).all()
    assert (ts["requests"] == ts["reads"] + ts["writes"]).all()
    assert ts["requests"].sum() == s["requests"]["total"]
    assert ts["reads"].sum() == s["requests"]["reads"]
    assert 0 < s["cache"]["hit_ratio"] < 1
    # Deterministic: the same seed, the same summary.
    assert cachelab.run(TINY, seed=4).summary == s


# ---- errors -------------------------------------------------------------------------------------


def test_invalid_dict_raises_input_error_with_the_pointer_and_writes_nothing(tmp_path):
    doc = json.loads(TINY.read_text())
    doc["workload"]["keys"]["count"] = -5
    before = set(os.listdir(tmp_path))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.raises(cachelab.InputError) as e:
            cachelab.run(doc)
    finally:
        os.chdir(cwd)
    assert isinstance(e.value, ValueError)
    assert e.value.pointer == "/workload/keys/count"
    assert str(e.value).startswith("<dict>: /workload/keys/count: ")
    assert "\n" not in str(e.value)
    assert set(os.listdir(tmp_path)) == before  # no results/ folder


def test_file_error_message_is_the_cli_s(tmp_path):
    bad = ROOT / "tests/data/cli_zero_capacity.json"
    code, _, err = cli("run", bad, "--out", tmp_path / "x")
    assert code == 2 and not (tmp_path / "x").exists()
    with pytest.raises(cachelab.InputError) as e:
        cachelab.run(bad)
    assert err.strip() == "cachelab: error: " + e.value.message
    assert e.value.pointer == "/cache/capacity"


def test_override_errors_name_the_override():
    with pytest.raises(cachelab.InputError) as e:
        cachelab.load(TINY, set={"/cache/capcity": "1GiB"})
    assert e.value.message.startswith("--set /cache/capcity=1GiB: ")
    assert e.value.pointer == "/cache/capcity"
    with pytest.raises(cachelab.InputError) as e:
        cachelab.load(TINY, set=["no-pointer"])
    assert e.value.pointer is None


def test_experiment_on_a_bad_dict_names_the_dict():
    doc = json.loads(TINY.read_text())
    doc["cache"]["capacity"] = "-1MiB"
    with pytest.raises(cachelab.InputError) as e:
        cachelab.sweep(doc, grid={"/database/connections": [2, 4]}, replications=1)
    assert e.value.message.startswith("<dict>: /cache/capacity: ")
    with pytest.raises(cachelab.InputError) as e:
        cachelab.sweep(json.loads(TINY.read_text()), grid={"/cache/capcity": [1, 2]})
    assert "cachelab-" not in e.value.message and e.value.pointer == "/cache/capcity"


# ---- experiments equal the CLI's outputs ------------------------------------------------------


def test_sweep_equals_the_cli_sweep_csv(tmp_path):
    out = tmp_path / "sweep"
    code, _, err = cli("sweep", TINY, "--grid", "/cache/capacity=128KiB..512KiB:x2",
                       "--grid", "/database/connections=2,4", "--replications", 2,
                       "--threads", 2, "--out", out)
    assert code == 0, err
    frame, doc = cachelab.sweep(TINY, grid={"/cache/capacity": "128KiB..512KiB:x2",
                                            "/database/connections": [2, 4]},
                                replications=2, threads=2, full=True)
    pd.testing.assert_frame_equal(frame, pd.read_csv(out / "sweep.csv"))
    assert doc == json.loads((out / "sweep.json").read_text())
    assert len(frame) == 3 * 2
    # A larger cache never hits less at the same connections (same seeds).
    for _, group in frame.groupby("/database/connections"):
        assert group["cache.hit_ratio.mean"].is_monotonic_increasing


def test_sweep_sensitivity_equals_the_cli(tmp_path):
    out = tmp_path / "sensitivity"
    code, stdout, err = cli("sweep", TINY, "--grid", "/database/connections=2,4",
                            "--sensitivity", "/workload/keys/alpha=±0.1",
                            "--sensitivity", "/workload/rate/rps=±10%",
                            "--report", "--slo", "requests.total>=1",
                            "--replications", 2, "--threads", 2, "--out", out)
    assert code == 0, err
    frame, doc = cachelab.sweep(TINY, grid={"/database/connections": [2, 4]},
                                sensitivity={"/workload/keys/alpha": 0.1,
                                             "/workload/rate/rps": "10%"},
                                slo="requests.total>=1", replications=2, threads=2, full=True)
    pd.testing.assert_frame_equal(frame, pd.read_csv(out / "sweep.csv"))
    assert doc == json.loads((out / "sweep.json").read_text())
    assert len(frame) == 2 * 3 * 3
    # The table the CLI prints, as text and as rows.
    printed = stdout[stdout.index("sensitivity: "):stdout.index("\noutput: ")]
    table = frame.attrs["sensitivity_table"]
    assert table == printed  # 0.1 and "10%" are spelled "±0.1" and "±10%", as on the CLI
    rows = pd.DataFrame(frame.attrs["sensitivity"])
    assert len(rows) == 2 * 2 * 4  # inputs x connections x metrics (requests.total from the SLO)
    assert set(rows["metric"]) == {"cache.hit_ratio", "latency_ms.p99", "db.utilization",
                                   "requests.total"}
    assert (rows["swing"] >= 0).all()
    alpha = rows[(rows["input"] == "/workload/keys/alpha=±0.1") & (rows["metric"] ==
                                                                    "cache.hit_ratio")]
    assert list(alpha["at"]) == ["/database/connections=2", "/database/connections=4"]
    assert (alpha["low"] < alpha["base"]).all() and (alpha["base"] < alpha["high"]).all()
    # The base point's row in sweep.csv is the table's base.
    base = frame[(frame["/database/connections"] == 2) & (frame["/workload/keys/alpha"] == 1)
                 & (frame["/workload/rate/rps"] == 300)]
    assert alpha["base"].iloc[0] == base["cache.hit_ratio.mean"].iloc[0]
    assert alpha["base_ci95"].iloc[0] == base["cache.hit_ratio.ci95"].iloc[0]


def test_sweep_sensitivity_errors_are_the_cli_s():
    code, _, err = cli("sweep", TINY, "--grid", "/workload/keys/alpha=1,1.2",
                       "--sensitivity", "/workload/keys/alpha=±0.1")
    assert code == 2
    with pytest.raises(cachelab.InputError) as e:
        cachelab.sweep(TINY, grid={"/workload/keys/alpha": [1, 1.2]},
                       sensitivity={"/workload/keys/alpha": "±0.1"})
    assert err.strip() == "cachelab: error: " + e.value.message
    with pytest.raises(cachelab.InputError) as e:
        cachelab.sweep(TINY, sensitivity={"/cache/eviction": 1})
    assert e.value.message.startswith("--sensitivity /cache/eviction=±1: ")
    with pytest.raises(TypeError):
        cachelab.sweep(TINY)


def test_compare_equals_the_cli(tmp_path):
    out = tmp_path / "compare"
    code, _, err = cli("compare", TINY, "--vary", "/policies/read/params/ttl=1s,4s", "--out", out)
    assert code == 0, err
    c = cachelab.compare(TINY, vary={"/policies/read/params/ttl": ["1s", "4s"]}, threads=2)
    assert c.variants == json.loads((out / "compare.json").read_text())
    pd.testing.assert_frame_equal(c.table, pd.read_csv(out / "compare.csv"))
    pd.testing.assert_frame_equal(c.timeseries[1], pd.read_csv(out / "variant-1.timeseries.csv"))
    assert [v["label"] for v in c.variants] == ["1s", "4s"]


def test_plan_equals_the_cli(tmp_path):
    out = tmp_path / "plan"
    args = ["--minimize", "/database/connections", "--range", "1..16", "--slo",
            "db.utilization<=0.5", "--replications", 2]
    code, _, err = cli("plan", TINY, *args, "--out", out)
    assert code == 0, err
    doc = cachelab.plan(TINY, minimize="/database/connections", range="1..16",
                        slo="db.utilization<=0.5", replications=2, threads=2)
    assert doc == json.loads((out / "plan.json").read_text())


def test_cost_plan_equals_the_cli(tmp_path):
    out = tmp_path / "cost-plan"
    scenario = ROOT / "tests/data/cost_plan.json"
    code, _, err = cli("plan", scenario, "--minimize", "cost",
                       "--candidates", "/cache/node_type=small,large",
                       "--candidates", "/cache/cluster/nodes=1..4:+1",
                       "--slo", "steady.cache.hit_ratio>=0.6", "--replications", 2, "--out", out)
    assert code == 0, err
    doc = cachelab.plan(scenario, minimize="cost",
                        candidates={"/cache/node_type": ["small", "large"],
                                    "/cache/cluster/nodes": "1..4:+1"},
                        slo="steady.cache.hit_ratio>=0.6", replications=2, threads=2)
    assert doc == json.loads((out / "plan.json").read_text())
    assert doc["answer"] == "/cache/node_type=small /cache/cluster/nodes=3"


# ---- traces --------------------------------------------------------------------------------------

TRACE = ROOT / "tests/data/cloudPhysicsIO.oracleGeneral.bin.zst"


def test_replay_equals_the_cli_json():
    code, stdout, err = cli("replay", TRACE, "--policy", "lru,s3fifo", "--size", "0.01,0.1",
                            "--ignore-size", "--json")
    assert code == 0, err
    frame = cachelab.replay(TRACE, policies=["lru", "s3fifo"], sizes=["0.01", "0.1"],
                            ignore_size=True, threads=2)
    assert frame.to_dict("records") == json.loads(stdout)


def test_mrc_equals_the_cli_csv(tmp_path):
    code, _, err = cli("mrc", TRACE, "--ignore-size", "--points", 20, "--out", tmp_path / "m.csv")
    assert code == 0, err
    frame = cachelab.mrc(TRACE, ignore_size=True, points=20)
    pd.testing.assert_frame_equal(frame, pd.read_csv(tmp_path / "m.csv"))
    assert frame["miss_ratio"].is_monotonic_decreasing
    assert frame.attrs["requests"] > 0


def test_bad_replay_input_raises_input_error():
    with pytest.raises(cachelab.InputError):
        cachelab.replay(TRACE, policies=["no-such-policy"], sizes=["0.1"])
    with pytest.raises(cachelab.InputError):
        cachelab.mrc(TRACE, rate=0.1)  # a SHARDS option with the exact method


# ---- Ctrl-C -------------------------------------------------------------------------------------


def test_ctrl_c_stops_a_run_with_keyboard_interrupt():
    import signal
    import sys
    import time

    child = subprocess.Popen([sys.executable, "-c", """
import time, cachelab
print("start", flush=True)
t = time.time()
try:
    cachelab.run(None, set={"/duration": "300m"})  # minutes of work
    print("finished")
except KeyboardInterrupt:
    print(f"interrupted {time.time() - t:.1f}")
print(cachelab.run(%r, seed=4).summary["seed"])  # the next run is not cancelled
""" % str(TINY)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "start"
    time.sleep(1)
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=60)
    lines = out.split()
    assert lines[0] == "interrupted" and float(lines[1]) < 10, out
    assert lines[2] == "4"
