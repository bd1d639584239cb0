"""The Spark engine gives the local engine's suggestions, in ``local[2]`` and on a real
standalone master + worker (started here, on 127.0.0.1) where a killed job resumes with
every note coded exactly once. Needs Java 17 (``.ci/run`` installs Debian's
openjdk-17-jre-headless)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from code_index.index import CodeIndex
from suggest.batch import run_batch
from suggest.batch.store import STATUS
from tests.api.cli_process import run_cli
from tests.suggest.batch.conftest import read_output

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (the spark extra)")
if shutil.which("java") is None:
    pytest.skip(
        "Spark needs Java 17: apt-get install openjdk-17-jre-headless", allow_module_level=True
    )

from pyspark.sql import SparkSession  # noqa: E402

from suggest.batch.spark import suggest_dataframe  # noqa: E402

SPARK_ENV = {"SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}


@pytest.fixture(scope="module")
def spark(data_dir: Path) -> Iterator[SparkSession]:
    """One ``local[2]`` session for the module (a JVM start costs seconds)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SPARK_ENV.items():
            patch.setenv(name, value)
        session = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate()
        )
        yield session
        session.stop()


def test_local2_codes_as_the_local_engine_does(
    spark: SparkSession, notes_file: Path, local_output: Path, data_dir: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    summary = run_batch(
        notes_file, output, engine="spark", data_dir=data_dir, chunk_size=5, progress=False
    )
    assert read_output(output) == read_output(local_output)
    assert (summary.duplicates, summary.already_done) == (1, 0)
    assert summary.coded.notes == len(read_output(local_output)[1])


def test_suggest_dataframe_gives_the_suggestion_rows(
    spark: SparkSession,
    codiesp_notes: dict[str, str],
    local_output: Path,
    data_dir: Path,
) -> None:
    # outpatient notes with no column of their own (the first is inpatient, the third
    # reports every procedure: conftest.notes_file)
    picked = list(codiesp_notes.items())[3:6]
    notes = spark.createDataFrame(picked, "id string, text string")
    rows = [
        row.asDict(recursive=True) for row in suggest_dataframe(notes, data_dir=data_dir).collect()
    ]
    expected = [r for r in read_output(local_output)[0] if r["id"] in dict(picked)]
    assert sorted(rows, key=lambda r: (r["id"], r["rank"])) == expected


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return dict(json.load(response))


def _wait(condition: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except OSError:
            pass  # not listening yet
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A standalone master and one 2-core worker, as separate processes on 127.0.0.1;
    yields the master URL and the master's and worker's status URLs."""
    spark_class = str(Path(pyspark.__file__).parent / "bin" / "spark-class")
    env = {**os.environ, **SPARK_ENV, "SPARK_HOME": str(Path(pyspark.__file__).parent)}
    port, master_ui, worker_ui = _free_port(), _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    work = tmp_path_factory.mktemp("spark-worker")
    host = ["--host", "127.0.0.1"]
    daemons = [
        [spark_class, "org.apache.spark.deploy.master.Master", *host, "--port", str(port)],
        [spark_class, "org.apache.spark.deploy.worker.Worker", *host, "--cores", "2"],
    ]
    daemons[0] += ["--webui-port", str(master_ui)]
    daemons[1] += ["--memory", "3g", "--webui-port", str(worker_ui), "--work-dir", str(work), url]
    logs = work / "daemons.log"
    with logs.open("w") as log:
        processes = [
            subprocess.Popen(d, env=env, stdout=log, stderr=log, start_new_session=True)
            for d in daemons
        ]
    try:
        master_json = f"http://127.0.0.1:{master_ui}/json/"
        _wait(lambda: _json(master_json)["aliveworkers"] == 1, "the worker to register")
        yield url, master_json, f"http://127.0.0.1:{worker_ui}/json/"
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)


def test_standalone_cluster_resumes_a_killed_job_with_every_note_once(
    standalone: tuple[str, str, str],
    notes_file: Path,
    local_output: Path,
    data_dir: Path,
    default_index: CodeIndex,
    tmp_path: Path,
) -> None:
    url, master_json, worker_json = standalone
    output = tmp_path / "out"
    args = ["batch", str(notes_file), str(output), "--engine", "spark", "--master", url]
    args += ["--chunk-size", "1", "--quiet"]
    env = {**os.environ, **SPARK_ENV, "CODESUGGEST_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-c", "from api.cli import main; main()", *args]
    driver = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    try:

        def first_chunk() -> bool:
            assert driver.poll() is None, "the batch command ended before it was killed"
            return bool(list(output.glob(f"{STATUS}/*/part-*.parquet")))

        _wait(first_chunk, "a first chunk", 300)
    finally:
        os.killpg(driver.pid, signal.SIGKILL)  # the driver and its JVM, mid-job
        driver.wait()
    # the worker stops the dead application's executors before the rerun starts
    _wait(lambda: not _json(master_json)["activeapps"], "the killed application to end")
    _wait(lambda: not _json(worker_json)["executors"], "its executors to stop")
    before = len(read_output(output)[1])
    everything = len(read_output(local_output)[1])
    assert 0 < before < everything
    for name, value in SPARK_ENV.items():
        os.environ.setdefault(name, value)
    resumed = run_cli(*args, data_dir=data_dir)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    summary = json.loads(resumed.stdout)
    assert summary["already_done"] == before
    assert summary["coded"]["notes"] == everything - before
    assert read_output(output) == read_output(local_output)
