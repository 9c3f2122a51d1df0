"""Checks the report's arithmetic (ratios, each system's best throughput, the per-case comparisons) on made-up
results, so that a headline figure cannot silently compare the wrong runs. Run by ctest (scripts.bench-report)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report  # noqa: E402


def result(system, sessions, figures, sync=1, size=32):
    case = {"system": system, "service": "kv", "members": 3, "sessions": sessions, "size": size, "sync": sync}
    return {"case": case, "figures": figures}


class BenchReportArithmeticTest(unittest.TestCase):
    def test_ratio_is_ours_over_theirs_and_none_without_both(self):
        self.assertEqual(bench_report.ratio(50.0, 200.0), 0.25)
        self.assertIsNone(bench_report.ratio(None, 200.0))
        self.assertIsNone(bench_report.ratio(50.0, 0))

    def test_best_throughput_takes_the_higher_max_rate_or_the_only_one(self):
        self.assertEqual(bench_report.best_throughput({"max_rate_msgs_per_sec": 7342, "pipelined_msgs_per_sec": 7300}),
                         7342)
        self.assertEqual(bench_report.best_throughput({"max_rate_msgs_per_sec": 21628,
                                                       "pipelined_msgs_per_sec": 126509}), 126509)
        self.assertEqual(bench_report.best_throughput({"max_rate_msgs_per_sec": 950}), 950)

    def test_comparisons_pair_each_etcd_case_with_coxswain_at_the_same_load_and_sync_level(self):
        common = {"fixed_rate_p50_us": 1000.0, "fixed_rate_p99_us": 4000.0}
        results = [
            result("etcd", 64, dict(common, max_rate_msgs_per_sec=7342, pipelined_msgs_per_sec=7300)),
            result("coxswain", 64, dict(fixed_rate_p50_us=500.0, fixed_rate_p99_us=1000.0,
                                        max_rate_msgs_per_sec=21628, pipelined_msgs_per_sec=126509), sync=1),
            result("coxswain", 64, dict(fixed_rate_p50_us=100.0, fixed_rate_p99_us=100.0,
                                        max_rate_msgs_per_sec=1, pipelined_msgs_per_sec=1), sync=0),
            result("etcd", 1, dict(common, max_rate_msgs_per_sec=950)),
            result("coxswain", 1, dict(fixed_rate_p50_us=250.0, fixed_rate_p99_us=2000.0, max_rate_msgs_per_sec=2205)),
        ]
        rows = {row["sessions"]: row for row in bench_report.comparisons(results, 1)}
        self.assertEqual(rows[64]["p50_ratio_vs_etcd"], 0.5)
        self.assertEqual(rows[64]["p99_ratio_vs_etcd"], 0.25)
        self.assertEqual(rows[64]["throughput_ratio_vs_etcd"], round(126509 / 7342, 3))
        self.assertEqual(rows[64]["window1_throughput_ratio_vs_etcd"], round(21628 / 7342, 3))
        self.assertEqual(rows[64]["pipelined_throughput_ratio_vs_etcd"], round(126509 / 7300, 3))
        self.assertEqual(rows[1]["throughput_ratio_vs_etcd"], round(2205 / 950, 3))
        self.assertIsNone(rows[1]["pipelined_throughput_ratio_vs_etcd"])

    def test_only_the_largest_concurrency_of_the_three_member_kv_cases_is_pipelined(self):
        cases = bench_report.make_cases(quick=False)
        pipelined = {c["name"] for c in cases if c["pipelined"]}
        self.assertEqual(len(pipelined), 9)  # etcd and Coxswain at sync 0 and 1, three sizes, 64 sessions
        self.assertTrue(all("-64s-" in name and "-1m-" not in name for name in pipelined))


if __name__ == "__main__":
    unittest.main()
