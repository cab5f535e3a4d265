"""What a bench run records of the machine it ran on (bench/common.py)."""

from pathlib import Path

from bench import common


def test_the_cpu_model_is_the_first_model_name(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n\n"
                       "processor\t: 1\nmodel name\t: Another\n")
    assert common.cpu_model(cpuinfo) == "Intel(R) Xeon(R) Processor"


def test_no_model_name_or_no_file_is_none(tmp_path: Path) -> None:
    arm = tmp_path / "arm"
    arm.write_text("processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n")
    assert common.cpu_model(arm) is None
    assert common.cpu_model(tmp_path / "missing") is None


def test_the_machine_record_names_the_cpu(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("model name\t: Some CPU @ 2.00GHz\n")
    record = common.machine(cpuinfo)
    assert record["cpu_model"] == "Some CPU @ 2.00GHz"
    assert set(record) == {"cpu_count", "cpu_model", "platform", "python"}
