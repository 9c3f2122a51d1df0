#!/usr/bin/env python3
"""Runs Coxswain (`cox-bench cluster`) and etcd (`cox-bench etcd` against a 3-member etcd on loopback) over the same
cases and writes the report: report.md, results.json, curves.txt, PNG plots (gnuplot), one log per run. Prints
progress as it goes; its last line is one JSON object with the ratios (Coxswain's figure over etcd's).

Called by scripts/bench-report, which installs the packages and builds cox-bench first."""

import argparse
import datetime
import json
import math
import os
import shutil
import subprocess
import sys
import time
import urllib.request

ETCD_MEMBERS = 3
ETCD_CLIENT_PORT_BASE = 23790  # member i (1-based): client 23790+i, peer 23800+i
ETCD_PEER_PORT_BASE = 23800
# The in-process cluster's members take ~40 UDP ports from here: above the tests' (10000-29400), below the kernel's
# ephemeral range (32768 up, where a socket bound to port 0 may hold one), away from etcd's.
CLUSTER_PORT_BASE = 29500
RUN_TIMEOUT_S = 300

# Per concurrency: the fixed rate (requests per second over all sessions, well under etcd's capacity here so that
# its latency is not queueing) and the request counts of each run. Both systems get the same numbers.
FULL_LOAD = {
    1: {"rate": 100, "fixed": 600, "fixed_warmup": 60, "max": 2000, "max_warmup": 200},
    16: {"rate": 500, "fixed": 2500, "fixed_warmup": 250, "max": 5000, "max_warmup": 500},
    64: {"rate": 1000, "fixed": 5000, "fixed_warmup": 500, "max": 10000, "max_warmup": 1000},
}
# The pipelined max-rate run (PIPELINE_WINDOW requests outstanding per session; etcd's HTTP/1.1 connections pipeline
# them) at the largest concurrency, where the throughput target is: a cluster client is asynchronous, so an
# exchange's gateway keeps many orders in flight per session; etcd gets the same window.
PIPELINE_WINDOW = 16
PIPELINE_MESSAGES = {"max": 40000, "max_warmup": 4000}
QUICK_PIPELINE_MESSAGES = {"max": 2000, "max_warmup": 200}
QUICK_LOAD = {
    1: {"rate": 200, "fixed": 200, "fixed_warmup": 20, "max": 400, "max_warmup": 40},
    4: {"rate": 400, "fixed": 400, "fixed_warmup": 40, "max": 800, "max_warmup": 80},
}


def log(message):
    print("==> " + message, flush=True)


class EtcdCluster:
    """Three etcd members on loopback, each with a data directory under root; stopped by stop()."""

    def __init__(self, root):
        self.root = root
        self.processes = []

    def endpoints(self):
        return ",".join("127.0.0.1:%d" % (ETCD_CLIENT_PORT_BASE + i) for i in range(1, ETCD_MEMBERS + 1))

    def start(self):
        os.makedirs(self.root, exist_ok=True)
        initial = ",".join("m%d=http://127.0.0.1:%d" % (i, ETCD_PEER_PORT_BASE + i) for i in range(1, ETCD_MEMBERS + 1))
        for i in range(1, ETCD_MEMBERS + 1):
            client = "http://127.0.0.1:%d" % (ETCD_CLIENT_PORT_BASE + i)
            peer = "http://127.0.0.1:%d" % (ETCD_PEER_PORT_BASE + i)
            data_dir = os.path.join(self.root, "m%d" % i)
            shutil.rmtree(data_dir, ignore_errors=True)
            command = ["etcd", "--name", "m%d" % i, "--data-dir", data_dir,
                       "--listen-client-urls", client, "--advertise-client-urls", client,
                       "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                       "--initial-cluster", initial, "--initial-cluster-state", "new",
                       "--initial-cluster-token", "cox-bench-report", "--log-level", "warn"]
            out = open(os.path.join(self.root, "m%d.log" % i), "w")
            self.processes.append(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT))
        deadline = time.time() + 30
        while time.time() < deadline:
            if all(self._status(i) for i in range(1, ETCD_MEMBERS + 1)):
                return
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError("an etcd member exited with %d; see %s" % (process.returncode, self.root))
            time.sleep(0.2)
        raise RuntimeError("etcd did not come up within 30 s; see the logs in " + self.root)

    def _status(self, member):
        request = urllib.request.Request("http://127.0.0.1:%d/v3/maintenance/status" % (ETCD_CLIENT_PORT_BASE + member),
                                         data=b"{}", method="POST")
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                body = json.loads(response.read())
                return response.status == 200 and body.get("leader", "0") != "0"
        except OSError:
            return False

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = []


def run_bench(binary, arguments, log_path):
    """Runs cox-bench with arguments; returns its last line's JSON object. Raises on failure."""
    command = [binary] + arguments
    started = time.time()
    run = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    with open(log_path, "w") as out:
        out.write("$ " + " ".join(command) + "\n" + run.stdout + "\n--- stderr ---\n" + run.stderr)
    if run.returncode != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-5:])
        raise RuntimeError("%s exited with %d (log %s):\n%s" % (" ".join(command), run.returncode, log_path, tail))
    lines = run.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    figures["wall_s"] = round(time.time() - started, 1)
    return figures


def load_arguments(load):
    return ["--rate", str(load["rate"])]


def make_cases(quick):
    """(name, system, parameters) in run order."""
    loads = QUICK_LOAD if quick else FULL_LOAD
    sizes = [32] if quick else [32, 256, 1024]
    cases = []
    for sessions in loads:
        for size in sizes:
            cases.append({"system": "etcd", "service": "kv", "members": 3, "sessions": sessions, "size": size,
                          "sync": 1})
            for sync in (0, 1):
                cases.append({"system": "coxswain", "service": "kv", "members": 3, "sessions": sessions,
                              "size": size, "sync": sync})
    first = min(loads)
    last = max(loads)
    # The echo service (the cluster alone, no state) and a single member, at the headline sizes.
    for sync in (0, 1):
        cases.append({"system": "coxswain", "service": "echo", "members": 3, "sessions": first, "size": 32,
                      "sync": sync})
    for sessions in (first, last):
        cases.append({"system": "coxswain", "service": "kv", "members": 1, "sessions": sessions, "size": 32,
                      "sync": 1})
    for case in cases:
        case["load"] = loads[case["sessions"]]
        case["name"] = case_name(case)
        case["pipelined"] = case["sessions"] == last and case["members"] == 3 and case["service"] == "kv"
        case["pipeline"] = QUICK_PIPELINE_MESSAGES if quick else PIPELINE_MESSAGES
    return cases


def case_name(case):
    if case["system"] == "etcd":
        return "etcd-3m-%ds-%dB" % (case["sessions"], case["size"])
    return "cox-%s-%dm-%ds-%dB-sync%d" % (case["service"], case["members"], case["sessions"], case["size"], case["sync"])


def run_case(case, binary, out_dir, etcd, first_cox_case):
    load = case["load"]
    curves = os.path.join(out_dir, "curves.txt")
    common = ["--sessions", str(case["sessions"]), "--message-length", str(case["size"]), "--rate", str(load["rate"]),
              "--curve-file", curves, "--label", case["name"]]
    runs = []
    # Separate invocations (fixed, max, pipelined max) so that each has its own message counts and window.
    plan = [("fixed", 1, load["fixed"], load["fixed_warmup"]), ("max", 1, load["max"], load["max_warmup"])]
    if case.get("pipelined"):
        plan.append(("max", PIPELINE_WINDOW, case["pipeline"]["max"], case["pipeline"]["max_warmup"]))
    for mode, window, count, warmup in plan:
        arguments = common + ["--mode", mode, "--window", str(window), "--messages", str(count), "--warmup", str(warmup)]
        if case["system"] == "etcd":
            arguments = ["etcd", "--endpoints", etcd.endpoints()] + arguments
        else:
            # The UDP transport echo baseline once, in the first case, for the sync-level-0 target.
            baseline = "on" if first_cox_case and mode == "fixed" else "off"
            arguments = ["cluster", "--service", case["service"], "--members", str(case["members"]),
                         "--sync-level", str(case["sync"]), "--baseline", baseline,
                         "--dir", os.path.join(out_dir, "cluster-data"), "--port", str(CLUSTER_PORT_BASE)] + arguments
        suffix = mode if window == 1 else "%s-window%d" % (mode, window)
        runs.append(run_bench(binary, arguments, os.path.join(out_dir, "logs", "%s-%s.log" % (case["name"], suffix))))
    fixed, maximum = runs[0], runs[1]
    figures = {key: value for key, value in fixed.items() if key.startswith("fixed_rate_") or key.startswith("baseline")}
    figures.update({key: value for key, value in maximum.items() if key.startswith("max_rate_")})
    if len(runs) > 2:
        figures["pipeline_window"] = PIPELINE_WINDOW
        figures.update({"pipelined_" + key[len("max_rate_"):]: value for key, value in runs[2].items()
                        if key.startswith("max_rate_")})
    figures["wall_s"] = round(sum(run["wall_s"] for run in runs), 1)
    return figures


def best_throughput(figures):
    """The higher of the one-outstanding and the pipelined max rate: the system's maximum throughput."""
    return max(figures.get("max_rate_msgs_per_sec") or 0, figures.get("pipelined_msgs_per_sec") or 0) or None


def ratio(ours, theirs):
    if ours is None or theirs is None or theirs <= 0:
        return None
    return round(ours / theirs, 3)


def find(results, **match):
    for result in results:
        if all(result["case"].get(k) == v for k, v in match.items()):
            return result
    return None


def comparisons(results, sync):
    """Coxswain kv (3 members) at this sync level over etcd, for every (size, sessions) both ran."""
    rows = []
    for etcd in (r for r in results if r["case"]["system"] == "etcd"):
        cox = find(results, system="coxswain", service="kv", members=3, sessions=etcd["case"]["sessions"],
                   size=etcd["case"]["size"], sync=sync)
        if cox is None:
            continue
        rows.append({
            "sessions": etcd["case"]["sessions"], "size": etcd["case"]["size"], "sync_level": sync,
            "p50_ratio_vs_etcd": ratio(cox["figures"]["fixed_rate_p50_us"], etcd["figures"]["fixed_rate_p50_us"]),
            "p99_ratio_vs_etcd": ratio(cox["figures"]["fixed_rate_p99_us"], etcd["figures"]["fixed_rate_p99_us"]),
            "throughput_ratio_vs_etcd": ratio(best_throughput(cox["figures"]), best_throughput(etcd["figures"])),
            "window1_throughput_ratio_vs_etcd": ratio(cox["figures"]["max_rate_msgs_per_sec"],
                                                      etcd["figures"]["max_rate_msgs_per_sec"]),
            "pipelined_throughput_ratio_vs_etcd": ratio(cox["figures"].get("pipelined_msgs_per_sec"),
                                                        etcd["figures"].get("pipelined_msgs_per_sec")),
        })
    return rows


def fmt_us(value):
    if value is None:
        return "-"
    return "%.0f" % value if value >= 100 else "%.1f" % value


def fmt_ratio(value):
    return "-" if value is None else "%.2fx" % value


def write_markdown(path, results, sync1, sync0, headline, quick):
    lines = ["# Coxswain beside etcd", "",
             "Generated by `scripts/bench-report%s` on %s (%d CPUs). Both systems: 3 members on loopback on this "
             "machine, the same client program and load schedule. Fixed rate: latency from each request's intended "
             "send time (coordinated omission corrected), one request per session at a time. Max rate: one request "
             "outstanding per session, as fast as they come back; pipelined (the largest concurrency): %d "
             "outstanding per session (etcd's HTTP/1.1 connections pipeline them). A system's throughput is the "
             "higher of its two max rates. etcd always syncs its WAL; Coxswain at sync level 0 leaves the log in "
             "the page cache, at 1 fdatasyncs it before it counts towards commit."
             % (" --quick" if quick else "", datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), os.cpu_count(),
                PIPELINE_WINDOW), "",
             "| case | rate/s | fixed p50 µs | p90 | p99 | p99.9 | max | max-rate req/s | max-rate p50 µs | p99 "
             "| pipelined req/s | pipelined p50 µs |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        f = result["figures"]
        pipelined = f.get("pipelined_msgs_per_sec")
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %.0f | %s | %s | %s | %s |" % (
            result["case"]["name"], result["case"]["load"]["rate"], fmt_us(f.get("fixed_rate_p50_us")),
            fmt_us(f.get("fixed_rate_p90_us")), fmt_us(f.get("fixed_rate_p99_us")),
            fmt_us(f.get("fixed_rate_p999_us")), fmt_us(f.get("fixed_rate_max_us")),
            f.get("max_rate_msgs_per_sec", 0), fmt_us(f.get("max_rate_p50_us")), fmt_us(f.get("max_rate_p99_us")),
            "-" if pipelined is None else "%.0f" % pipelined, fmt_us(f.get("pipelined_p50_us"))))
    for title, rows in (("sync level 1", sync1), ("sync level 0", sync0)):
        lines += ["", "Coxswain (kv, 3 members, %s) over etcd:" % title, "",
                  "| sessions | size | p50 ratio | p99 ratio | throughput ratio | one outstanding | pipelined |",
                  "|---|---|---|---|---|---|---|"]
        for row in rows:
            lines.append("| %d | %d B | %s | %s | %s | %s | %s |" % (
                row["sessions"], row["size"], fmt_ratio(row["p50_ratio_vs_etcd"]), fmt_ratio(row["p99_ratio_vs_etcd"]),
                fmt_ratio(row["throughput_ratio_vs_etcd"]), fmt_ratio(row["window1_throughput_ratio_vs_etcd"]),
                fmt_ratio(row["pipelined_throughput_ratio_vs_etcd"])))
    lines += ["", "Headline figures and targets:", "", "```", json.dumps(headline, indent=2), "```", "",
              "![latency, 1 session](latency-1-sessions.png)", "", "![throughput](throughput.png)", ""]
    with open(path, "w") as out:
        out.write("\n".join(lines))


def read_curves(path):
    curves = {}
    if not os.path.exists(path):
        return curves
    with open(path) as source:
        for line in source:
            parts = line.split()
            if len(parts) == 3:
                curves.setdefault(parts[0], []).append((float(parts[1]), float(parts[2])))
    return curves


def percentile_axis(percentile):
    """-log10 of the fraction above: 50% -> 0.3, 99% -> 2, 99.9% -> 3; the maximum plots at 6."""
    if percentile >= 100.0:
        return 6.0
    return -math.log10(1.0 - percentile / 100.0)


def plot(out_dir, results):
    if shutil.which("gnuplot") is None:
        log("gnuplot not found: no plots")
        return []
    curves = read_curves(os.path.join(out_dir, "curves.txt"))
    plots = []
    data_dir = os.path.join(out_dir, "plot-data")
    os.makedirs(data_dir, exist_ok=True)
    for sessions in sorted({r["case"]["sessions"] for r in results}):
        series = []
        for result in results:
            case = result["case"]
            if case["sessions"] != sessions or case["members"] != 3 or case["service"] != "kv":
                continue
            label = case["name"] + "/fixed"
            if label not in curves:
                continue
            data = os.path.join(data_dir, label.replace("/", "-") + ".dat")
            with open(data, "w") as out:
                for percentile, value in curves[label]:
                    out.write("%.4f %.3f\n" % (percentile_axis(percentile), value))
            series.append((data, case["name"]))
        if not series:
            continue
        png = "latency-%d-sessions.png" % sessions
        script = ["set terminal pngcairo size 1100,650 font ',10'", "set output '%s'" % os.path.join(out_dir, png),
                  "set title 'Round-trip latency at a fixed rate, %d session(s), from the intended send time'" % sessions,
                  "set logscale y", "set ylabel 'latency (µs)'", "set xlabel 'percentile'", "set key outside right",
                  "set xtics ('0' 0, '50' 0.301, '90' 1, '99' 2, '99.9' 3, '99.99' 4, '99.999' 5, 'max' 6)",
                  "set grid", "plot " + ", ".join("'%s' using 1:2 with linespoints title '%s'" % (d, t) for d, t in series)]
        run_gnuplot(script)
        plots.append(png)
    # Throughput bars: one group per (sessions, size), a bar per system.
    groups = []
    for etcd in (r for r in results if r["case"]["system"] == "etcd"):
        s, b = etcd["case"]["sessions"], etcd["case"]["size"]
        row = ["%ds/%dB" % (s, b)]
        for sync in (0, 1):
            cox = find(results, system="coxswain", service="kv", members=3, sessions=s, size=b, sync=sync)
            row.append(cox["figures"]["max_rate_msgs_per_sec"] if cox else 0)
        row.append(etcd["figures"]["max_rate_msgs_per_sec"])
        groups.append(row)
    for etcd in (r for r in results if r["case"]["system"] == "etcd" and "pipelined_msgs_per_sec" in r["figures"]):
        s, b = etcd["case"]["sessions"], etcd["case"]["size"]
        row = ["%ds/%dB/x%d" % (s, b, PIPELINE_WINDOW)]
        for sync in (0, 1):
            cox = find(results, system="coxswain", service="kv", members=3, sessions=s, size=b, sync=sync)
            row.append(cox["figures"].get("pipelined_msgs_per_sec", 0) if cox else 0)
        row.append(etcd["figures"]["pipelined_msgs_per_sec"])
        groups.append(row)
    if groups:
        data = os.path.join(data_dir, "throughput.dat")
        with open(data, "w") as out:
            out.write("case cox-sync0 cox-sync1 etcd\n")
            for row in groups:
                out.write("%s %.0f %.0f %.0f\n" % tuple(row))
        script = ["set terminal pngcairo size 1100,600 font ',10'",
                  "set output '%s'" % os.path.join(out_dir, "throughput.png"),
                  "set title 'Maximum throughput (requests/s): sessions/value size, one outstanding per session "
                  "or /x%d outstanding'" % PIPELINE_WINDOW,
                  "set style data histograms", "set style histogram clustered gap 1", "set style fill solid 0.8",
                  "set logscale y", "set ylabel 'requests per second'", "set grid ytics", "set key top left",
                  "set xtics rotate by -30",
                  "plot '%s' using 2:xtic(1) title columnheader, '' using 3 title columnheader, "
                  "'' using 4 title columnheader" % data]
        run_gnuplot(script)
        plots.append("throughput.png")
    return plots


def run_gnuplot(script):
    run = subprocess.run(["gnuplot"], input="\n".join(script) + "\n", capture_output=True, text=True)
    if run.returncode != 0:
        log("gnuplot failed: " + run.stderr.strip()[:500])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", default="build/bin", help="directory holding cox-bench")
    parser.add_argument("--out", default=None, help="results directory (default build/bench-results/<timestamp>)")
    parser.add_argument("--quick", action="store_true", help="a few small cases: checks the machinery only")
    options = parser.parse_args()

    binary = os.path.abspath(os.path.join(options.bin, "cox-bench"))
    if not os.access(binary, os.X_OK):
        sys.exit("no cox-bench at " + binary)
    out_dir = os.path.abspath(options.out or os.path.join(
        "build", "bench-results", datetime.datetime.now().strftime("%Y%m%d-%H%M%S")))
    os.makedirs(os.path.join(out_dir, "logs"), exist_ok=True)
    if os.path.exists(os.path.join(out_dir, "curves.txt")):
        os.remove(os.path.join(out_dir, "curves.txt"))
    if shutil.which("etcd") is None:
        sys.exit("etcd is not installed (apt-get install etcd-server)")

    cases = make_cases(options.quick)
    log("results in %s; %d cases, each a fixed-rate and a max-rate run" % (out_dir, len(cases)))
    started = time.time()
    results = []
    etcd = EtcdCluster(os.path.join(out_dir, "etcd-data"))
    log("starting 3 etcd members on 127.0.0.1:23791-23793")
    etcd.start()
    try:
        first_cox_case = True
        for index, case in enumerate(cases, 1):
            print("[%2d/%d] %-28s rate %5d/s ... " % (index, len(cases), case["name"], case["load"]["rate"]),
                  end="", flush=True)
            try:
                figures = run_case(case, binary, out_dir, etcd, first_cox_case and case["system"] == "coxswain")
            except (RuntimeError, subprocess.TimeoutExpired, ValueError) as error:
                # Once more, so that one failed set-up does not cost the whole report; a second failure ends it.
                print("failed, running it again:\n    %s" % str(error).replace("\n", "\n    "), flush=True)
                figures = run_case(case, binary, out_dir, etcd, first_cox_case and case["system"] == "coxswain")
                figures["retried"] = True
            if case["system"] == "coxswain":
                first_cox_case = False
            results.append({"case": case, "figures": figures})
            pipelined = figures.get("pipelined_msgs_per_sec")
            print("fixed p50 %s µs p99 %s µs | max %.0f req/s%s (%.0f s)" % (
                fmt_us(figures.get("fixed_rate_p50_us")), fmt_us(figures.get("fixed_rate_p99_us")),
                figures.get("max_rate_msgs_per_sec", 0),
                "" if pipelined is None else ", x%d %.0f req/s" % (PIPELINE_WINDOW, pipelined), figures["wall_s"]),
                flush=True)
    finally:
        log("stopping etcd")
        etcd.stop()
    shutil.rmtree(os.path.join(out_dir, "cluster-data"), ignore_errors=True)
    shutil.rmtree(os.path.join(out_dir, "etcd-data"), ignore_errors=True)

    sync1 = comparisons(results, 1)
    sync0 = comparisons(results, 0)
    first = min(c["sessions"] for c in cases)
    last = max(c["sessions"] for c in cases)

    def pick(rows, sessions, key):
        row = next((r for r in rows if r["sessions"] == sessions and r["size"] == 32), None)
        return row[key] if row else None

    baseline_case = next((r for r in results if "baseline_p50_us" in r["figures"]), None)
    udp_ratio = None
    if baseline_case:
        udp_ratio = ratio(baseline_case["figures"]["fixed_rate_p50_us"], baseline_case["figures"]["baseline_p50_us"])
    headline = {
        "benchmark": "bench-report",
        "p50_ratio_vs_etcd": pick(sync1, first, "p50_ratio_vs_etcd"),
        "p99_ratio_vs_etcd": pick(sync1, first, "p99_ratio_vs_etcd"),
        "throughput_ratio_vs_etcd": pick(sync1, last, "throughput_ratio_vs_etcd"),
        "window1_throughput_ratio_vs_etcd": pick(sync1, last, "window1_throughput_ratio_vs_etcd"),
        "pipelined_throughput_ratio_vs_etcd": pick(sync1, last, "pipelined_throughput_ratio_vs_etcd"),
        "sync0_p50_ratio_vs_etcd": pick(sync0, first, "p50_ratio_vs_etcd"),
        "sync0_p99_ratio_vs_etcd": pick(sync0, first, "p99_ratio_vs_etcd"),
        "sync0_throughput_ratio_vs_etcd": pick(sync0, last, "throughput_ratio_vs_etcd"),
        "sync0_p50_ratio_vs_udp_echo": udp_ratio,
        "latency_case": "3 members, %d session(s), 32-byte values, fixed rate" % first,
        "throughput_case": "3 members, %d sessions, 32-byte values, each system's higher max rate (1 or %d "
                           "outstanding per session)" % (last, PIPELINE_WINDOW),
    }
    headline["targets_met"] = {
        "p50_at_most_one_third_of_etcd": headline["p50_ratio_vs_etcd"] is not None
        and headline["p50_ratio_vs_etcd"] <= 1 / 3,
        "p99_at_most_one_third_of_etcd": headline["p99_ratio_vs_etcd"] is not None
        and headline["p99_ratio_vs_etcd"] <= 1 / 3,
        "throughput_at_least_20x_etcd": headline["throughput_ratio_vs_etcd"] is not None
        and headline["throughput_ratio_vs_etcd"] >= 20,
        "sync0_p50_within_10x_udp_echo": udp_ratio is not None and udp_ratio <= 10,
    }
    headline["sync1_cases"] = sync1
    headline["results_dir"] = out_dir
    headline["wall_s"] = round(time.time() - started)

    with open(os.path.join(out_dir, "results.json"), "w") as out:
        json.dump({"results": results, "summary": headline}, out, indent=2)
    plots = plot(out_dir, results)
    write_markdown(os.path.join(out_dir, "report.md"), results, sync1, sync0,
                   {k: v for k, v in headline.items() if k != "sync1_cases"}, options.quick)
    log("wrote report.md, results.json, curves.txt and %s to %s" % (", ".join(plots) or "no plots", out_dir))
    print("ratios, Coxswain over etcd (sync level 1): p50 %s, p99 %s at %d session(s); throughput %s at %d sessions" % (
        fmt_ratio(headline["p50_ratio_vs_etcd"]), fmt_ratio(headline["p99_ratio_vs_etcd"]), first,
        fmt_ratio(headline["throughput_ratio_vs_etcd"]), last))
    print("ratios at sync level 0: p50 %s, p99 %s, throughput %s; p50 over the UDP transport echo %s" % (
        fmt_ratio(headline["sync0_p50_ratio_vs_etcd"]), fmt_ratio(headline["sync0_p99_ratio_vs_etcd"]),
        fmt_ratio(headline["sync0_throughput_ratio_vs_etcd"]), fmt_ratio(udp_ratio)))
    print(json.dumps(headline, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
