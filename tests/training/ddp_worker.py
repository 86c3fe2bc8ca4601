"""The per-process half of the distributed tests: one step on a fixed batch, then a short ``fit``.

Each rank saves what it computed to ``<folder>/rank<r>.pt`` for the test to compare with one process.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.distributed as dist
from sbkit_torch import Concat, InfoNCE, SmallEncoder
from synthetic_catalogue import synthetic_data
from bn_free_models import tiny_model

from sbkit import progress
from sbkit.training import RetrievalModel, TrainOptions, fit
from sbkit.training.distributed import Ranks, average_gradients, wrap
from sbkit.training.gradcache import cached_backward
from sbkit.training.precision import grad_scaler
from sbkit.training.step import BOTH, PairModel, StepContext, plain_backward

ROWS = torch.tensor([5, 17, 2, 9, 11, 0, 21, 8, 14, 3, 19, 6, 12])  # 13 rows: pieces of 7 and 6
FIT = {"epochs": 2, "batch_size": 12, "lr": 5e-3, "amp": "off", "modality_dropout": (0.3, 0.3),
       "checkpoint_every": 1}
CPU = torch.device("cpu")


def step_grads(ctx: StepContext, model, loss, batch, chunk: int) -> tuple[float, dict[str, torch.Tensor]]:
    """The loss of one step and the gradients every parameter gets (after any averaging over ranks)."""
    value = cached_backward(ctx, batch, BOTH, 1.0, chunk) if chunk else plain_backward(ctx, batch, BOTH, 1.0)
    average_gradients([p for p in loss.parameters()], ctx.ranks)
    grads = {}
    for prefix, module in (("model", model), ("loss", loss)):
        for name, p in module.named_parameters():
            if p.grad is not None:  # the fuser's missing-modality vectors get none in a sketch+text step
                grads[f"{prefix}.{name}"] = p.grad.clone()
                p.grad = None
    return value.item(), grads


def one_step(ranks: Ranks) -> dict:
    """Plain and gradient-cached steps on ``ROWS`` with this process's piece of them."""
    data = synthetic_data(n=24)
    model, loss = tiny_model(data, "mlp"), InfoNCE()
    model.train()
    net = wrap(PairModel(model), ranks, CPU)
    ctx = StepContext(net, loss, CPU, None, grad_scaler(CPU, None), ranks)
    batch = data.batch(ROWS, CPU, ranks.piece(len(ROWS)))
    return {"plain": step_grads(ctx, model, loss, batch, 0), "cached": step_grads(ctx, model, loss, batch, 3),
            "rows": len(batch.texts)}


def short_fit(out_dir: Path | None, distributed: bool) -> dict:
    data = synthetic_data(n=24)
    model = tiny_model(data, "mlp")
    history = fit(model, InfoNCE(), data, TrainOptions(**FIT, distributed=distributed), out_dir=out_dir)
    return {"weights": model.state_dict(), "history": history}


def batchnorm_fit() -> dict:
    """A model with BatchNorm and gradient caching over uneven pieces: 7 rows in chunks of 2, 2, 3; 6 in 3, 3."""
    data = synthetic_data(n=26)
    torch.manual_seed(0)
    encoder = SmallEncoder(dim=8, width=4)
    encoder.prepare(data.captions)
    model = RetrievalModel(encoder, Concat(8, 8, 8))
    options = TrainOptions(epochs=1, batch_size=13, lr=5e-3, amp="off", grad_cache_chunk=3)
    history = fit(model, InfoNCE(), data, options)
    weights = {name: p.detach() for name, p in model.named_parameters()}  # BatchNorm buffers are per rank
    return {"weights": weights, "history": history}


def worker(rank: int, folder: str, port: int) -> None:
    """Rank ``rank`` of 2: first with a process group made here, then with one ``fit`` makes from the
    torchrun-style environment."""
    torch.set_num_threads(1)
    progress.set_quiet(True)
    folder_path = Path(folder)
    dist.init_process_group("gloo", init_method=f"file://{folder_path / 'rendezvous'}", rank=rank, world_size=2)
    result = {"step": one_step(Ranks(2, rank))}
    dist.destroy_process_group()
    os.environ.update({"RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_RANK": str(rank), "MASTER_ADDR": "127.0.0.1",
                       "MASTER_PORT": str(port)})
    # rank 1 gets its own folder, which must stay empty: only rank 0 writes
    result["fit"] = short_fit(folder_path / ("run" if rank == 0 else "run-rank1"), distributed=True)
    result["group_left"] = dist.is_initialized()
    dist.init_process_group("gloo", init_method=f"file://{folder_path / 'rendezvous2'}", rank=rank, world_size=2)
    result["batchnorm"] = batchnorm_fit()
    dist.destroy_process_group()
    torch.save(result, folder_path / f"rank{rank}.pt")
