"""Two gloo processes on CPU train as one process would on the whole batch."""

from __future__ import annotations

import json
import socket
import time

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from ddp_worker import CPU, ROWS, short_fit, step_grads
from sbkit_torch import InfoNCE
from synthetic_catalogue import synthetic_data
from bn_free_models import tiny_model

from sbkit.errors import ConfigError
from sbkit.training import TrainOptions, fit
from sbkit.training.distributed import Ranks, piece_sizes
from sbkit.training.precision import grad_scaler
from sbkit.training.step import PairModel, StepContext

pytestmark = pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(), reason="needs gloo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    """What each of 2 processes computed (forked, so they start without importing torch again)."""
    folder = tmp_path_factory.mktemp("ddp")
    import torch._dynamo  # DDP imports it (seconds): once here, not in each child
    from ddp_worker import worker

    processes = mp.start_processes(worker, args=(str(folder), free_port()), nprocs=2, start_method="fork",
                                   join=False)
    deadline = time.monotonic() + 180
    while not processes.join(timeout=1):  # raises if a rank failed
        if time.monotonic() > deadline:
            for process in processes.processes:
                process.kill()
            pytest.fail("the 2 training processes did not finish within 180 s (a collective out of step?)")
    return folder, [torch.load(folder / f"rank{r}.pt", weights_only=False) for r in range(2)]


def single_process_step(chunk: int) -> tuple[float, dict[str, torch.Tensor]]:
    data = synthetic_data(n=24)
    model, loss = tiny_model(data, "mlp"), InfoNCE()
    model.train()
    ctx = StepContext(PairModel(model), loss, CPU, None, grad_scaler(CPU, None), Ranks())
    return step_grads(ctx, model, loss, data.batch(ROWS, CPU), chunk)


@pytest.mark.parametrize("kind,chunk", [("plain", 0), ("cached", 3)])
def test_one_step_equals_one_process_on_the_global_batch(ranks, kind, chunk):
    _, results = ranks
    assert [r["step"]["rows"] for r in results] == [7, 6]
    value, grads = single_process_step(chunk)
    for result in results:
        rank_value, rank_grads = result["step"][kind]
        assert rank_value == pytest.approx(value, rel=1e-5)  # negatives come from both pieces
        assert rank_grads.keys() == grads.keys()
        for name, grad in grads.items():
            assert torch.allclose(rank_grads[name], grad, rtol=1e-4, atol=1e-6), name


def test_fit_on_two_processes_matches_one_process(ranks, tmp_path):
    folder, results = ranks
    single = short_fit(tmp_path, distributed=False)
    for result in results:
        assert [r["loss"] for r in result["fit"]["history"]] == pytest.approx(
            [r["loss"] for r in single["history"]], rel=1e-4)
        for name, tensor in single["weights"].items():
            assert torch.allclose(result["fit"]["weights"][name], tensor, atol=1e-5), name
        assert not result["group_left"]  # fit destroyed the group it created
    assert not (folder / "run-rank1").exists()  # only rank 0 writes
    history = json.loads((folder / "run" / "history.json").read_text())
    assert [r["step"] for r in history] == [2, 4]
    state = torch.load(folder / "run" / "state.pt", weights_only=True)
    assert len(state["rank_rng"]) == 2 and not torch.equal(state["rank_rng"][0]["torch"], state["rank_rng"][1]["torch"])


def test_pieces_split_evenly_and_distributed_needs_a_launcher(monkeypatch):
    assert piece_sizes(13, 2) == [7, 6] and piece_sizes(4, 4) == [1, 1, 1, 1]
    assert Ranks(3, 2).piece(13) == (9, 13) and Ranks().piece(5) == (0, 5)
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    data = synthetic_data(n=24)
    with pytest.raises(ConfigError, match="torchrun"):
        fit(tiny_model(data), InfoNCE(), data, TrainOptions(epochs=1, batch_size=12, distributed=True))


def test_batchnorm_and_uneven_gradient_caching_stay_in_step(ranks):
    _, results = ranks
    first, second = (r["batchnorm"] for r in results)
    assert first["history"][0]["loss"] == second["history"][0]["loss"]  # the same global loss on both ranks
    for name, tensor in first["weights"].items():
        assert torch.isfinite(tensor).all() and torch.equal(tensor, second["weights"][name]), name
