"""Run folders stay whole: refused runs write nothing, repeats never overwrite, late errors leave no half-made
folder, a tampered config.toml is refused on --resume, and one folder takes one run at a time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import tomli_w
from b_helpers import DEMO_ARGS, TINY, TINY_ARGS, TRAIN_ARGS, error_line, sbkit_cli, snapshot

import sbkit
from sbkit.compat import tomllib
from sbkit.config import RunConfig
from sbkit.errors import ConfigError, DataError
from sbkit.folder_lock import LOCK_FILE, FolderBusyError, folder_lock
from sbkit.pipeline.run_folder_guard import FAILED, run_entries


@pytest.fixture
def trained(run_dir: Path, tmp_path: Path) -> Path:
    """A copy of the session's tiny trained run whose config.toml names the copy as its folder."""
    copy = tmp_path / "trained"
    shutil.copytree(run_dir, copy)
    config = tomllib.loads((copy / "config.toml").read_text(encoding="utf-8"))
    (copy / "config.toml").write_text(tomli_w.dumps({**config, "out": str(copy)}), encoding="utf-8")
    (copy / LOCK_FILE).write_text("1\n")  # another process's lock file: a refused run must not rewrite it either
    return copy


def edit_config(folder: Path, **changes) -> None:
    config = tomllib.loads((folder / "config.toml").read_text(encoding="utf-8"))
    (folder / "config.toml").write_text(tomli_w.dumps({**config, **changes}), encoding="utf-8")


# --- defect 6: a refused --resume writes nothing ----------------------------------------------------------------

def test_refused_resume_changes_nothing_and_a_plain_resume_still_works(trained: Path, capsys):
    before = snapshot(trained)
    code, output = sbkit_cli(capsys, "run", "--resume", str(trained), "--batch-size", "16")
    assert code == 2 and "batch_size: 32 -> 16" in error_line(output)
    assert snapshot(trained) == before
    code, output = sbkit_cli(capsys, "run", "--resume", str(trained))
    assert code == 0, output
    assert tomllib.loads((trained / "config.toml").read_text())["batch_size"] == 32


@pytest.mark.parametrize(("tamper", "message"), [
    (lambda f: (f / "config.toml").write_text("epochs = = 1\n"), "is not valid TOML"),
    (lambda f: edit_config(f, epoch=3), "unknown setting 'epoch'"),
    (lambda f: edit_config(f, epochs=0), "epochs must be at least 1"),
    (lambda f: edit_config(f, image_size=7), "image_size must be between 16 and 1024"),
    (lambda f: edit_config(f, batch_size=16), "no longer matches its checkpoint (batch_size: 32 -> 16)"),
    (lambda f: (f / "config.toml").unlink(), "holds no run to continue"),
], ids=["not-toml", "unknown-key", "epochs-0", "image-size-7", "changed-batch-size", "deleted"])
def test_tampered_config_is_refused_on_resume_before_any_write(trained: Path, tamper, message, capsys):
    tamper(trained)
    before = snapshot(trained)
    code, output = sbkit_cli(capsys, "run", "--resume", str(trained))
    assert code == 2 and message in error_line(output)
    assert snapshot(trained) == before


def test_resume_of_a_folder_without_a_run_is_one_line(tmp_path: Path, capsys):
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "nowhere"):
        code, output = sbkit_cli(capsys, "run", "--resume", str(folder))
        assert code == 2 and "holds no run to continue" in error_line(output)
    assert not (tmp_path / "nowhere").exists() and not any((tmp_path / "empty").iterdir())


# --- defect 7: repeating a run never overwrites it --------------------------------------------------------------

def test_repeating_a_run_from_its_config_is_refused(trained: Path, capsys):
    before = snapshot(trained)
    for extra in ([], ["--epochs", "2"]):
        code, output = sbkit_cli(capsys, "run", "--config", str(trained / "config.toml"), *extra)
        line = error_line(output)
        assert code == 2 and "already holds a run" in line and "--force" in line and "--resume" in line
    with pytest.raises(ConfigError, match="already holds a run"):
        sbkit.run(RunConfig.from_toml(trained / "config.toml"))
    assert snapshot(trained) == before


def test_force_replaces_the_old_run_and_keeps_other_files(trained: Path):
    (trained / "probe-colour.png").write_bytes(b"an old run's probe figure")
    (trained / FAILED).write_text("old failure\n")
    (trained / "notes.txt").write_text("mine\n")
    old_metrics = (trained / "metrics.json").read_bytes()
    sbkit.run(RunConfig.from_toml(trained / "config.toml"), force=True, seed=1)
    assert not (trained / "probe-colour.png").exists() and not (trained / FAILED).exists()
    assert (trained / "notes.txt").read_text() == "mine\n"
    assert tomllib.loads((trained / "config.toml").read_text())["seed"] == 1
    assert (trained / "metrics.json").read_bytes() != old_metrics and (trained / "report.md").is_file()


def test_force_and_resume_together_are_refused(trained: Path, capsys):
    before = snapshot(trained)
    code, output = sbkit_cli(capsys, "run", "--resume", str(trained), "--force")
    assert code == 2 and "contradict" in error_line(output)
    with pytest.raises(ConfigError, match="contradict"):
        sbkit.run(out=str(trained), resume=True, force=True)
    assert snapshot(trained) == before


def test_resume_with_another_config_file_is_refused(trained: Path, tmp_path: Path, capsys):
    (tmp_path / "other.toml").write_text("epochs = 5\n", encoding="utf-8")
    before = snapshot(trained)
    code, output = sbkit_cli(capsys, "run", "--resume", str(trained), "--config", str(tmp_path / "other.toml"))
    assert code == 2 and "drop --config" in error_line(output)
    assert snapshot(trained) == before


def test_resume_may_train_longer(trained: Path, capsys):
    code, output = sbkit_cli(capsys, "run", "--resume", str(trained), "--epochs", "2")
    assert code == 0, output
    assert tomllib.loads((trained / "config.toml").read_text())["epochs"] == 2
    history = json.loads((trained / "checkpoint" / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2]


def test_run_entries_name_every_file_a_run_writes(run_dir: Path):
    from sbkit.evaluation.probes import brand, caption, colour, top1, white

    written = {p.name for p in run_dir.iterdir()} - {LOCK_FILE}
    assert written == {p.name for p in run_entries(run_dir)}
    probe_files = [brand.CHART, caption.CHART, colour.CHART, colour.SHEET, top1.FIGURE, white.CHART]
    folder = run_dir.parent / "probe-names"
    folder.mkdir(exist_ok=True)
    for name in probe_files:
        (folder / name).write_bytes(b"")
    assert len(run_entries(folder)) == len(probe_files)


# --- defect 10: everything is checked before the folder exists; late errors leave no half-made folder -----------

def _one_item(root: Path) -> Path:
    from sbkit.data.adapters.examples import make_folder_catalogue

    make_folder_catalogue(root, n_items=1)
    return root


def _all_bad(root: Path) -> Path:
    root.mkdir()
    (root / "a.png").write_bytes(b"not a picture")
    (root / "captions.csv").write_text("id,image,caption\na,a.png,x\nb,b.png,y\n", encoding="utf-8")
    return root


def _no_columns(root: Path) -> Path:
    root.mkdir()
    (root / "captions.csv").write_text("name|path|text\na|a.png|x\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(("args", "message"), [
    ([*DEMO_ARGS, "--config", "{tmp}/c.toml"], "batch_size must be at least 2"),
    ([*DEMO_ARGS, "--lr", "-1"], "lr must be above 0"),
    (["--data", "{one}"], "no test item"),
    (["--data", "{bad}"], "none of its 2 items is usable"),
    (["--data", "{nocols}"], "the header has no image, caption columns"),
    (["--data", "demo", "--data.size", "nope"], "size"),
    ([*DEMO_ARGS, "--device", "gpu-please"], "not a torch device"),
    ([*DEMO_ARGS, "--fuser.nope", "1"], "no parameter 'nope'"),
], ids=["batch-size-0", "lr-negative", "one-item", "all-bad", "no-columns", "bad-data-param", "bad-device",
        "unknown-component-param"])
def test_bad_input_is_refused_before_the_run_folder_exists(args, message, tmp_path: Path, capsys):
    (tmp_path / "c.toml").write_text("batch_size = 0\n", encoding="utf-8")
    paths = {"tmp": tmp_path, "one": _one_item(tmp_path / "one"), "bad": _all_bad(tmp_path / "bad"),
             "nocols": _no_columns(tmp_path / "nocols")}
    inputs = snapshot(tmp_path)
    out = tmp_path / "runs" / "x"
    code, output = sbkit_cli(capsys, "run", *TRAIN_ARGS, *(a.format(**paths) for a in args), "--out", str(out))
    assert code == 2 and message in error_line(output)
    assert not (tmp_path / "runs").exists()
    assert snapshot(tmp_path) == inputs


@pytest.mark.parametrize("error", [DataError("every sketch came out blank"), KeyboardInterrupt()],
                         ids=["late-error", "ctrl-c"])
@pytest.mark.parametrize("existed", [False, True], ids=["new-folder", "existing-empty-folder"])
def test_a_failure_before_training_removes_what_the_run_made(error, existed, tmp_path: Path, monkeypatch):
    import sbkit.pipeline.run as pipeline_run

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(pipeline_run, "prepare_split", fail)
    out = tmp_path / "runs" / "x"
    if existed:
        out.mkdir(parents=True)
    with pytest.raises(type(error)):
        sbkit.run(**TINY, out=str(out))
    assert out.exists() == existed and (not existed or not any(out.iterdir()))
    assert (tmp_path / "runs").exists() == existed  # parents the run made go too


def disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_a_failure_after_training_marks_the_folder_failed_and_resume_finishes_it(tmp_path: Path, monkeypatch,
                                                                                  capsys):
    import sbkit.pipeline.report as report

    out = tmp_path / "x"
    with monkeypatch.context() as patch:
        patch.setattr(report, "write_report", disk_full)
        with pytest.raises(OSError):
            sbkit.run(**TINY, out=str(out))
    failed = (out / FAILED).read_text()
    assert "No space left on device" in failed and f"sbkit run --resume {out}" in failed
    assert (out / "checkpoint").is_dir() and not (out / "report.md").exists()
    code, output = sbkit_cli(capsys, "run", *TINY_ARGS, "--out", str(out))  # a new run may not mix in
    assert code == 2 and "already holds a run" in error_line(output)
    sbkit.run(out=str(out), resume=True)
    assert not (out / FAILED).exists() and (out / "report.md").is_file()


def test_a_run_killed_before_its_first_checkpoint_resumes_from_the_start(tmp_path: Path, capsys):
    # What SIGKILL leaves after the run saved its config.toml and before training checkpointed: the config, the
    # lock file (its flock died with the process), no checkpoint/ and no FAILED file.
    out = tmp_path / "x"
    out.mkdir()
    RunConfig().updated({**TINY, "out": str(out)}, "test").save(out / "config.toml")
    (out / LOCK_FILE).write_text("12345\n")
    code, output = sbkit_cli(capsys, "run", "--resume", str(out))
    assert code == 0, output
    assert (out / "report.md").is_file() and (out / "checkpoint").is_dir() and not (out / FAILED).exists()


def test_a_failed_train_folder_names_sbkit_train_to_continue_it(tmp_path: Path, monkeypatch, capsys):
    import sbkit.pipeline.train_stage as train_stage

    out = tmp_path / "t"
    with monkeypatch.context() as patch:
        patch.setattr(train_stage, "save_run_model", disk_full)
        with pytest.raises(OSError):
            train_stage.train_run(out=str(out), **TINY)
    assert f"sbkit train --resume {out}" in (out / FAILED).read_text()
    code, output = sbkit_cli(capsys, "train", "--resume", str(out))
    assert code == 0, output
    assert not (out / FAILED).exists() and (out / "model").is_dir()


@pytest.mark.parametrize("inside", ["", "images"], ids=["the-catalogue-folder", "a-folder-in-it"])
def test_a_run_folder_inside_the_catalogue_is_refused_before_any_write(inside, tmp_path: Path, capsys):
    from sbkit.data.adapters.examples import make_folder_catalogue

    catalogue = make_folder_catalogue(tmp_path / "cat", n_items=24)
    before = snapshot(catalogue)
    code, output = sbkit_cli(capsys, "run", *TRAIN_ARGS, "--data", str(catalogue), "--out", str(catalogue / inside))
    assert code == 2 and "lies inside the catalogue" in error_line(output)
    assert snapshot(catalogue) == before


def test_files_named_like_a_run_s_are_not_a_run_that_force_may_replace(tmp_path: Path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.md").write_text("# my own notes\n")
    for extra in ([], ["--force"]):
        code, output = sbkit_cli(capsys, "run", *TINY_ARGS, "--out", str(out), *extra)
        assert code == 2 and "which no sbkit run wrote there" in error_line(output)
    assert (out / "report.md").read_text() == "# my own notes\n" and [p.name for p in out.iterdir()] == ["report.md"]


def test_an_encoder_of_no_size_is_refused_before_the_run_folder_exists(tmp_path: Path):
    for change in ({"dim": 0}, {"width": 0}, {"dim": -1}):
        with pytest.raises(ConfigError, match=f"encoder 'small': {next(iter(change))} must be at least 1"):
            sbkit.run(**{**TINY, "encoder": {**TINY["encoder"], **change}}, out=str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_a_config_is_a_run_config_or_a_dict(tmp_path: Path):
    assert RunConfig.given({"epochs": 3}, "run()").epochs == 3
    with pytest.raises(ConfigError, match=r"run\(\): config must be a RunConfig or a dict of settings, got int"):
        sbkit.run(5)
    with pytest.raises(ConfigError, match=r"run\(\): unknown setting 'epoch'"):
        sbkit.run({"epoch": 1}, out=str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_a_cuda_device_the_machine_lacks_is_refused_up_front(tmp_path: Path, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # as on a one-GPU machine
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ConfigError, match=r"'cuda:7': this machine has 1 CUDA device \(cuda:0 to cuda:0\)"):
        sbkit.run(**{**TINY, "device": "cuda:7"}, out=str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_out_that_is_a_file_is_refused(tmp_path: Path, capsys):
    (tmp_path / "x").write_text("mine\n")
    code, output = sbkit_cli(capsys, "run", *TINY_ARGS, "--out", str(tmp_path / "x"))
    assert code == 2 and "is a file" in error_line(output)
    assert (tmp_path / "x").read_text() == "mine\n"


# --- defect 15: one run per folder at a time ----------------------------------------------------------------

def test_a_second_run_on_a_busy_folder_is_refused(tmp_path: Path, capsys):
    out = tmp_path / "x"
    out.mkdir()
    with folder_lock(out):  # stands for a first run still going
        code, output = sbkit_cli(capsys, "run", *TINY_ARGS, "--out", str(out))
        line = error_line(output)
        assert code == 2 and str(out) in line and "in use by another sbkit job" in line
        with pytest.raises(FolderBusyError, match="in use"):
            sbkit.run(**TINY, out=str(out))
        assert {p.name for p in out.iterdir()} == {LOCK_FILE}
