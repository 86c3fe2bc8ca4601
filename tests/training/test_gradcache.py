"""Gradient caching: the same loss and gradients as a plain step, with dropout replayed and BatchNorm honest."""

from __future__ import annotations

import pytest
import torch
from sbkit_torch import InfoNCE, SmallEncoder
from synthetic_catalogue import synthetic_data
from bn_free_models import tiny_model
from torch import nn

from sbkit.errors import ConfigError
from sbkit.training import RetrievalModel, TrainOptions, build_model, fit, gradcache
from sbkit.training.distributed import Ranks
from sbkit.training.gradcache import cached_backward
from sbkit.training.precision import grad_scaler
from sbkit.training.step import (
    BOTH,
    EVERY,
    TEXT_ONLY,
    PairModel,
    StepContext,
    inputs,
    plain_backward,
)

CPU = torch.device("cpu")


def context(model: RetrievalModel, loss: InfoNCE) -> StepContext:
    return StepContext(PairModel(model), loss, CPU, None, grad_scaler(CPU, None), Ranks())


def grads(*modules: nn.Module) -> dict[str, torch.Tensor]:
    out = {}
    for i, module in enumerate(modules):
        for name, p in module.named_parameters():
            if p.grad is not None:
                out[f"{i}.{name}"] = p.grad.clone()
                p.grad = None
    return out


def assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys() and len(a) > 10
    for name, value in a.items():
        assert torch.allclose(value, b[name], rtol=1e-4, atol=1e-6), name


def chunked_reference(ctx: StepContext, batch, mode: int, chunk: int) -> torch.Tensor:
    """One forward over the chunks in order (keeping activations), the loss on all rows, one backward."""
    images, sketches, texts = inputs(batch, mode)
    parts = [ctx.embed(images[a:a + chunk], None if sketches is None else sketches[a:a + chunk],
                       None if texts is None else texts[a:a + chunk]) for a in range(0, len(images), chunk)]
    value = ctx.contrastive(torch.cat([q for q, _ in parts]), torch.cat([t for _, t in parts]), batch, mode)
    value.backward()
    return value.detach()


@pytest.fixture
def data():
    return synthetic_data(n=24)


@pytest.mark.parametrize("mode", [BOTH, TEXT_ONLY])
def test_grad_cache_equals_a_full_batch_step(data, mode):
    model, loss = tiny_model(data, "mlp", dropout=0.0), InfoNCE()
    ctx = context(model, loss)
    batch = data.batch(torch.arange(24), CPU)
    plain = plain_backward(ctx, batch, mode, weight=0.5)
    plain_grads = grads(model, loss)
    cached = cached_backward(ctx, batch, mode, weight=0.5, chunk=5)  # chunks of 4, 5, 5, 5, 5
    assert cached.item() == pytest.approx(plain.item(), rel=1e-6)
    assert_same(grads(model, loss), plain_grads)


def test_grad_cache_replays_dropout_per_chunk(data, monkeypatch):
    model, loss = tiny_model(data, "mlp", dropout=0.5), InfoNCE()
    ctx = context(model, loss)
    batch = data.batch(torch.arange(24), CPU)
    torch.manual_seed(3)
    reference = chunked_reference(ctx, batch, BOTH, chunk=8)
    reference_grads = grads(model, loss)
    after_reference = torch.get_rng_state()
    torch.manual_seed(3)
    cached = cached_backward(ctx, batch, BOTH, weight=1.0, chunk=8)
    assert cached.item() == pytest.approx(reference.item(), rel=1e-6)
    assert_same(grads(model, loss), reference_grads)
    assert torch.equal(torch.get_rng_state(), after_reference)  # the next step draws what it would have

    monkeypatch.setattr(gradcache, "set_rng_state", lambda state, device: None)
    torch.manual_seed(3)  # the check has teeth: without the replay, other masks give other gradients
    cached_backward(ctx, batch, BOTH, weight=1.0, chunk=8)
    other = grads(model, loss)
    assert not torch.allclose(other["0.fuser.mlp.0.weight"], reference_grads["0.fuser.mlp.0.weight"], atol=1e-5)


def small_model(data) -> RetrievalModel:
    torch.manual_seed(0)
    encoder = SmallEncoder(dim=8, width=4)
    encoder.prepare(data.captions)
    return build_model(encoder, "concat")


def test_batchnorm_in_eval_mode_gives_the_full_batch_gradients(torch_plugins, data):
    model, loss = small_model(data), InfoNCE()
    model.train()
    for layer in model.modules():
        if isinstance(layer, nn.BatchNorm2d):
            layer.eval()  # running statistics, as when fine-tuning with frozen BatchNorm
    ctx = context(model, loss)
    batch = data.batch(torch.arange(24), CPU)
    plain = plain_backward(ctx, batch, BOTH, 1.0)
    plain_grads = grads(model, loss)
    cached = cached_backward(ctx, batch, BOTH, 1.0, chunk=7)
    assert cached.item() == pytest.approx(plain.item(), rel=1e-5)
    assert_same(grads(model, loss), plain_grads)


def test_batchnorm_in_train_mode_normalises_per_chunk(torch_plugins, data):
    model, loss = small_model(data), InfoNCE()
    model.train()
    ctx = context(model, loss)
    batch = data.batch(torch.arange(24), CPU)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    reference = chunked_reference(ctx, batch, BOTH, chunk=8)
    reference_grads, reference_stats = grads(model, loss), {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(start)
    cached = cached_backward(ctx, batch, BOTH, 1.0, chunk=8)
    assert cached.item() == pytest.approx(reference.item(), rel=1e-5)
    assert_same(grads(model, loss), reference_grads)
    stats = model.state_dict()
    bn = "encoder.vision.features.1"
    # photos and sketches pass the shared tower once per chunk each, not twice as the no-grad pass would add
    assert int(stats[f"{bn}.num_batches_tracked"]) == int(reference_stats[f"{bn}.num_batches_tracked"]) == 2 * 3
    assert torch.allclose(stats[f"{bn}.running_var"], reference_stats[f"{bn}.running_var"], atol=1e-6)

    model.load_state_dict(start)  # the caveat is real: a full-batch pass normalises differently
    full = plain_backward(ctx, batch, BOTH, 1.0)
    assert abs(full.item() - cached.item()) > 1e-4


def test_fit_with_grad_cache_matches_fit_without(data):
    histories, weights = [], []
    for chunk in (0, 3):
        model, loss = tiny_model(data, "concat"), InfoNCE()
        options = TrainOptions(epochs=2, batch_size=12, lr=5e-3, amp="off", grad_cache_chunk=chunk,
                               modality_dropout=(0.3, 0.3))
        histories.append(fit(model, loss, data, options))
        weights.append(model.state_dict())
    assert [r["loss"] for r in histories[0]] == pytest.approx([r["loss"] for r in histories[1]], rel=1e-5)
    for name, tensor in weights[0].items():
        assert torch.allclose(tensor, weights[1][name], atol=1e-5), name


class SpyLoss(InfoNCE):
    """InfoNCE that records the positives each call gets."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[torch.Tensor | None] = []

    def forward(self, query, target, labels=None, positives=None):
        self.seen.append(positives)
        return super().forward(query, target, labels, positives)


def test_only_text_only_queries_get_the_items_their_caption_describes(data):
    model, loss = tiny_model(data, "mlp", dropout=0.0), SpyLoss()
    ctx = context(model, loss)
    batch = data.batch(torch.arange(8), CPU)
    batch.text_positives = torch.ones(8, 8, dtype=torch.bool)
    for mode in (BOTH, TEXT_ONLY):
        plain_backward(ctx, batch, mode, weight=1.0)
    plain_backward(context(model, loss), batch, EVERY, weight=1.0)
    assert [seen is batch.text_positives for seen in loss.seen] == [False, True, False, False, True]


def test_sketch_text_queries_count_the_described_items_in_their_share_of_the_loss(data):
    model, loss = tiny_model(data, "mlp", dropout=0.0), InfoNCE()
    batch = data.batch(torch.arange(8), CPU)
    described = torch.rand(8, 8, generator=torch.Generator().manual_seed(0)) < 0.4
    batch.text_positives = described | torch.eye(8, dtype=torch.bool)
    with torch.no_grad():
        query, target = context(model, loss).embed(*inputs(batch, BOTH))
        own_only = loss(query, target, batch.labels)
        with_described = loss(query, target, batch.labels, batch.text_positives)
        assert abs(float(with_described - own_only)) > 1e-3  # else the share would show nothing
        shared = StepContext(PairModel(model), loss, CPU, None, grad_scaler(CPU, None), Ranks(),
                             sketch_text_positives=0.25)
        assert float(shared.contrastive(query, target, batch, BOTH)) == pytest.approx(
            0.75 * float(own_only) + 0.25 * float(with_described), rel=1e-6)
        # text-only queries keep every described item as a positive, whatever the share
        assert float(shared.contrastive(query, target, batch, TEXT_ONLY)) == pytest.approx(float(with_described))
        batch.text_positives = None  # a batch that says nothing of what its captions describe
        assert float(shared.contrastive(query, target, batch, BOTH)) == pytest.approx(float(own_only))


def test_the_sketch_text_share_is_a_share():
    with pytest.raises(ConfigError, match="sketch_text_positives"):
        TrainOptions(sketch_text_positives=1.5)
