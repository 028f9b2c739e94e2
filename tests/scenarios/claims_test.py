#!/usr/bin/env python3
"""scenarios/claims.py: a lesson's claims are checked, not decorative. A claim
the numbers do not support fails; a claim that names a metric or a variant
the results lack is an error, never a silent pass."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scenarios"))
import claims  # noqa: E402

RESULTS = {
    "none": {"latency_ms": {"p99": 300.0}, "db": {"reads": 10236}, "requests": {"failed": 12},
             "alerts": [{"fired_at_s": [0, 65], "resolved_at_s": [60]}]},
    "lock": {"latency_ms": {"p99": 0.58}, "db": {"reads": 300}, "requests": {"failed": 0},
             "alerts": [{"fired_at_s": [], "resolved_at_s": []}]},
    "early-20s": {"latency_ms": {"p99": 0.57}, "db": {"reads": 461}, "requests": {"failed": 0},
                  "alerts": [{"fired_at_s": [], "resolved_at_s": []}]},
}


class ClaimsAreChecked(unittest.TestCase):
    def test_a_true_claim_holds_and_shows_its_numbers(self):
        ok, detail = claims.check("none:latency_ms.p99 >= 5 * lock:latency_ms.p99", RESULTS)
        self.assertTrue(ok)
        self.assertEqual(detail, "300 >= 2.9")

    def test_a_false_claim_fails(self):
        self.assertFalse(claims.check("lock:db.reads > none:db.reads", RESULTS)[0])
        self.assertFalse(claims.check("none:requests.failed == 0", RESULTS)[0])

    def test_alternatives_must_all_hold(self):
        self.assertTrue(claims.check("lock|early-20s:requests.failed == 0", RESULTS)[0])
        self.assertFalse(claims.check("*:requests.failed == 0", RESULTS)[0])
        ok, detail = claims.check("lock|early-20s:db.reads < 400", RESULTS)
        self.assertFalse(ok)  # 461 < 400 fails though 300 < 400 holds
        self.assertIn("461 < 400", detail)

    def test_true_and_false_are_json_flags_not_metric_names(self):
        flags = {"run": {"key": {"namespace": False}, "cache": {"enabled": True}}}
        self.assertTrue(claims.check("key.namespace == false", flags)[0])
        self.assertFalse(claims.check("key.namespace == true", flags)[0])
        self.assertTrue(claims.check("cache.enabled != false", flags)[0])

    def test_arithmetic_functions_and_lists(self):
        self.assertTrue(claims.check("none:db.reads - lock:db.reads > 9000", RESULTS)[0])
        self.assertTrue(claims.check("(none:db.reads + 64) / 100 == 103", RESULTS)[0])
        self.assertTrue(claims.check("len(none:alerts.0.fired_at_s) == 2", RESULTS)[0])
        self.assertTrue(claims.check("last(none:alerts.0.fired_at_s) == 65", RESULTS)[0])
        self.assertTrue(claims.check("first(none:alerts.0.resolved_at_s) == 60", RESULTS)[0])
        self.assertTrue(claims.check("len(lock:alerts.0.fired_at_s) == 0", RESULTS)[0])

    def test_a_run_needs_no_labels(self):
        run = {"run": RESULTS["none"]}
        self.assertTrue(claims.check("latency_ms.p99 > 100", run)[0])
        with self.assertRaises(claims.ClaimError):
            claims.check("latency_ms.p99 > 100", RESULTS)  # which variant?

    def test_unknown_names_are_errors(self):
        for bad in ("nobody:db.reads > 0", "none:db.writes > 0", "none:alerts.3.name == 0",
                    "none:db.reads", "none:db.reads >", "none:db.reads > > 1", "none:db.reads = 1"):
            with self.subTest(bad=bad), self.assertRaises(claims.ClaimError):
                claims.check(bad, RESULTS)

    def test_texts_fill_in_numbers_as_the_console_prints_them(self):
        text = claims.render_text("p99 {none:latency_ms.p99}, {none:db.reads / lock:db.reads}x the "
                                  "reads, {lock:db.reads} reads", RESULTS)
        self.assertEqual(text, "p99 300 ms, 34.12x the reads, 300 reads")
        self.assertEqual(claims.format_metric("latency_ms.max", 1309965.025), "21.83 min")
        self.assertEqual(claims.format_metric("cache.hit_ratio", 0.99984), "99.98 %")
        self.assertEqual(claims.format_metric("cache.peak_bytes", 640851681), "611.2 MiB")
        self.assertEqual(claims.format_metric("latency_ms.p50", 0.2941), "294.1 us")


if __name__ == "__main__":
    unittest.main()
