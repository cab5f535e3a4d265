"""``python -m bench ab``'s pure parts (bench/ab.py, bench/servers.py): the /proc parsing behind its CPU
µs per request, the order of the sides, the per-round ratios and medians, and its options."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bench import ab, common, servers
from bench.databases import PostgresBackend, SqliteBackend
from bench.wrk import WrkResult

# A worker whose command name holds spaces and parentheses: the fields count from the last ")".
STAT = ("4242 (granian (w 1)) S 4200 4200 4200 0 -1 4194560 5021 0 3 0 250 75 4 2 20 0 6 0 "
        "81234 512000000 12800 18446744073709551615 1 1 0 0 0 0 0 16781312 2 0 0 0 17 0 0 0 0 0 0")


def test_stat_fields_start_after_the_command_name() -> None:
    fields = servers.stat_fields(STAT)
    assert fields[0] == "S"  # field 3, the state
    assert fields[2] == "4200"  # field 5, the process group


def test_cpu_ticks_are_utime_plus_stime() -> None:
    assert servers.cpu_ticks(STAT) == 250 + 75  # fields 14 and 15, not the children's 16 and 17


def test_group_processes_finds_this_process_and_its_cpu_time() -> None:
    end = time.process_time() + 0.05
    while time.process_time() < end:  # some CPU time of our own to find
        pass
    found = dict(servers.group_processes(os.getpgrp()))
    mine = found[Path(f"/proc/{os.getpid()}")]
    assert servers.cpu_ticks(mine) >= 1
    assert all(int(servers.stat_fields(line)[2]) == os.getpgrp() for line in found.values())


STATUS = "Name:\tgranian\nVmPeak:\t 912000 kB\nVmRSS:\t   55296 kB\nRssAnon:\t   36864 kB\nRssFile:\t   18432 kB\n"


def test_status_memory_reads_the_resident_set_and_its_anonymous_part() -> None:
    assert servers.status_memory(STATUS) == servers.Memory(54.0, 36.0)
    assert servers.Memory(54.0, 36.0).as_json() == {"rss_mib_after_load": 54.0, "rss_anon_mib_after_load": 36.0}


def test_largest_memory_is_the_largest_resident_set_and_passes_over_the_unreadable(tmp_path: Path) -> None:
    small, large, gone = tmp_path / "1", tmp_path / "2", tmp_path / "3"
    small.mkdir()
    large.mkdir()
    (small / "status").write_text(STATUS.replace("55296", "1024").replace("36864", "512"))
    (large / "status").write_text(STATUS)
    assert servers.largest_memory([small, gone, large]) == servers.Memory(54.0, 36.0)
    mine = servers.largest_memory([Path("/proc/self")])
    assert 0 < mine.anon_mib < mine.rss_mib


# A main process holding 64 MiB that forks a worker holding ~none, both staying a while, in a group of their own.
# The worker says it is ready once it has let go of what it inherited (said by the main process, it raced the
# worker's ``del``, and the worker could still count the inherited pages).
LEADER_AND_WORKER = """
import os, sys, time
held = bytearray(64 * 1024 * 1024)  # zero pages: written below, so that they are resident
for at in range(0, len(held), 4096):
    held[at] = 1
if os.fork() == 0:
    del held
    print("ready", flush=True)
    time.sleep(30)
    os._exit(0)
time.sleep(30)
"""


def test_a_servers_memory_is_its_largest_workers_not_its_main_processes(tmp_path: Path) -> None:
    server = servers.Server("sqlite:///unused.db", 1, tmp_path / "log")
    server.process = subprocess.Popen([sys.executable, "-c", LEADER_AND_WORKER], stdout=subprocess.PIPE,
                                      start_new_session=True)
    try:
        assert server.process.stdout is not None and server.process.stdout.readline() == b"ready\n"
        leader = servers.largest_memory([Path(f"/proc/{server.process.pid}")])
        assert leader.anon_mib > 64
        worker = server.memory()
        assert 0 < worker.rss_mib < leader.rss_mib - 60
    finally:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


def test_the_memory_line_names_each_sides_worker() -> None:
    memory = {"A": servers.Memory(57.34, 44.01).as_json(), "B": servers.Memory(55.9, 42.66).as_json()}
    assert ab.memory_line(memory) == ("largest worker after the load: A 57.3 MiB (44.0 anonymous), "
                                      "B 55.9 MiB (42.7 anonymous)")


def test_sides_take_turns_going_first() -> None:
    assert [ab.round_order(n) for n in range(4)] == [("A", "B"), ("B", "A"), ("A", "B"), ("B", "A")]


def test_ratios_are_b_over_a_per_round() -> None:
    assert ab.ratios([100.0, 200.0, 0.0], [110.0, 180.0, 5.0]) == pytest.approx([1.1, 0.9, float("inf")])
    assert ab.ratios([100.0, 200.0], [50.0]) == [0.5]  # a round cut short has no ratio


def run(rps: float, requests: int, cpu_s: float, p50_ms: float = 1.0, non_2xx: int = 0) -> ab.Run:
    result = WrkResult(requests=requests, duration_s=4.0, rps=rps, p50_ms=p50_ms, p75_ms=2.0, p90_ms=3.0,
                       p99_ms=4.0 * p50_ms, non_2xx=non_2xx)
    return ab.Run(result, cpu_s)


def test_summary_medians_and_both_ratios() -> None:
    runs: ab.Runs = {
        "A": [run(100, 1_000, 0.05), run(200, 2_000, 0.08, p50_ms=3.0), run(300, 4_000, 0.12), run(999, 1, 9.0)],
        "B": [run(150, 1_000, 0.04), run(180, 2_000, 0.10), run(330, 5_000, 0.10, non_2xx=2)],
    }
    summary = ab.summarize(runs)
    assert summary is not None
    assert summary.rounds == 3  # A's fourth run has no B beside it: left out
    assert (summary.rps_a, summary.rps_b) == (200, 180)
    assert summary.ratio_of_medians == pytest.approx(0.9)
    assert summary.median_ratio == pytest.approx(1.1)  # median of 1.5, 0.9, 1.1
    assert summary.cpu_us_a == pytest.approx(40.0)  # median of 50, 40, 30 µs/req
    assert summary.cpu_us_b == pytest.approx(40.0)  # median of 40, 50, 20
    assert summary.p50_ms_a == pytest.approx(1.0)
    assert (summary.errors_a, summary.errors_b) == (0, 2)


def test_no_summary_before_a_complete_round() -> None:
    assert ab.summarize({"A": [run(100, 1_000, 0.05)], "B": []}) is None


def test_records_keep_a_round_cut_short() -> None:
    rows = ab.records({"A": [run(100, 1_000, 0.05), run(100, 1_000, 0.05)], "B": [run(120, 1_000, 0.02)]})
    assert rows[0]["order"] == "AB" and rows[0]["b_over_a"] == pytest.approx(1.2)
    assert rows[0]["A"]["cpu_us_per_request"] == pytest.approx(50.0)
    assert rows[1]["order"] == "BA" and rows[1]["B"] is None and "b_over_a" not in rows[1]


def test_arguments_and_their_defaults(tmp_path: Path) -> None:
    (tmp_path / "connectapps").mkdir()
    (tmp_path / "connectapps" / "__init__.py").write_text("")
    args = ab.parse_args(["--a", str(tmp_path), "--serve-flag=--blocking-threads=4", "--serve-flag=--cpu-policy=batch"])
    assert args.a == tmp_path.resolve()
    assert args.b == common.ROOT / "src"
    assert (args.backend, args.apps, args.rounds, args.duration, args.warmup) == ("sqlite", 1_000, 7, 4.0, 1.0)
    assert (args.connections, args.endpoint_names) == (32, ("fetch", "update"))
    assert args.serve_flag == ["--blocking-threads=4", "--cpu-policy=batch"]
    assert args.results_dir == common.RESULTS


def test_a_folder_without_the_package_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        ab.parse_args(["--a", str(tmp_path)])  # e.g. the archive's root instead of its src/
    assert "holds no connectapps package" in capsys.readouterr().err


def test_the_backend_named_is_the_one_seeded_and_an_unreachable_one_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    sqlite = ab.parse_args(["--a", str(common.ROOT / "src")])
    assert isinstance(common.dataset_backend(sqlite, tmp_path), SqliteBackend)
    assert common.backend_unusable(sqlite) is False
    postgres = ab.parse_args(["--a", str(common.ROOT / "src"), "--backend", "postgres",
                              "--postgres-url", "postgresql://postgres@127.0.0.1:1/postgres"])
    assert isinstance(common.dataset_backend(postgres, tmp_path), PostgresBackend)
    assert common.backend_unusable(postgres) is True
    assert "PostgreSQL not usable at postgresql://postgres@127.0.0.1:1/postgres" in capsys.readouterr().err
