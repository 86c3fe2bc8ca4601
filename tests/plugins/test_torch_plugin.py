"""The torch plugin: the ``small`` encoder and its towers, every fuser, every loss."""

from __future__ import annotations

import inspect
import math

import pytest
import sbkit_torch
import torch
from sbkit_torch import (
    MLP,
    PML,
    Attention,
    Avg,
    Combiner,
    Concat,
    InfoNCE,
    SmallCNN,
    SmallEncoder,
    Sum,
    Triplet,
    Weighted,
    WordTextEncoder,
    tokenize,
)

from sbkit.components import Encoder, Fuser, Loss
from sbkit.errors import ConfigError, ShapeError
from sbkit.params import component_params

FUSERS = [Avg, Sum, Concat, Weighted, MLP, Combiner, Attention]
CAPTIONS = ["a red dress", "blue denim jacket", "red jacket with zip", "a long ivory trouser"]


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_hooks_register_every_component():
    assert [spec.load("encoder") for spec in sbkit_torch.register_encoders()] == [SmallEncoder]
    assert {spec.load("fuser") for spec in sbkit_torch.register_fusers()} == set(FUSERS)
    assert {spec.load("loss") for spec in sbkit_torch.register_losses()} == {InfoNCE, Triplet, PML}
    names = [c.name for c in FUSERS]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("cls", [SmallEncoder, *FUSERS, InfoNCE, Triplet, PML])
def test_components_declare_and_store_their_params(cls):
    assert cls.name and cls.name == cls.name.lower() and cls.description
    for param in component_params(cls):
        assert not param.required, f"{cls.name}.{param.name} needs a default"
        assert param.annotation is not inspect.Parameter.empty, f"{cls.name}.{param.name} needs a type hint"
    context = {"sketch_dim": 8, "text_dim": 8, "dim": 8} if issubclass(cls, Fuser) else {}
    instance = cls(**context)
    for param in component_params(cls):
        assert getattr(instance, param.name) == param.default or param.name == "text_dim"


# -- encoder -------------------------------------------------------------------------------------------------


def test_small_encoder_shapes_and_dims():
    enc = SmallEncoder(dim=24, width=4, text_dim=12)
    enc.prepare(CAPTIONS)
    assert isinstance(enc, Encoder) and (enc.embed_dim, enc.text_dim) == (24, 12)
    assert enc.encode_image(torch.rand(3, 3, 32, 32)).shape == (3, 24)
    assert enc.encode_sketch(torch.rand(2, 3, 64, 64)).shape == (2, 24)
    assert enc.encode_text(["red dress", "zzz"]).shape == (2, 12)
    assert SmallEncoder(dim=8, width=4).text_dim == 8


def test_small_cnn_pools_any_size():
    cnn = SmallCNN(dim=10, width=4).eval()
    assert cnn(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    assert cnn(torch.rand(2, 3, 48, 80)).shape == (2, 10)


def test_tokenize_lowercases_words():
    assert tokenize("A Red-Dress, size 42!") == ["a", "red", "dress", "size", "42"]


def test_vocabulary_is_built_from_captions_and_unknown_words_map_to_unk():
    text = WordTextEncoder(dim=8, max_vocab=3)
    text.prepare(CAPTIONS)
    assert text.vocab_size == 2 + 3
    assert text.words[2:] == ["a", "jacket", "red"]  # seen twice each; ties alphabetical; "dress" once
    ids, offsets = text.token_ids(["red qwerty", ""])
    assert ids.tolist() == [text.index["red"], 1]
    assert offsets.tolist() == [0, 2]


def test_empty_and_unknown_captions_give_finite_distinct_vectors():
    text = WordTextEncoder(dim=8)
    text.prepare(CAPTIONS)
    out = text(["", "qwerty asdf", "red dress"])
    assert torch.isfinite(out).all()
    assert not torch.allclose(out[0], out[2])


def test_vocabulary_round_trip_gives_identical_text_vectors(tmp_path):
    enc = SmallEncoder(dim=16, width=4).eval()
    enc.prepare(CAPTIONS * 3 + ["extra words only here"])
    enc.save_extra(tmp_path)
    weights = enc.state_dict()
    fresh = SmallEncoder(dim=16, width=4).eval()
    assert fresh.text.vocab_size != enc.text.vocab_size
    fresh.load_extra(tmp_path)
    fresh.load_state_dict(weights)
    texts = ["a red dress", "extra", "unknown words", ""]
    assert torch.equal(fresh.encode_text(texts), enc.encode_text(texts))
    assert fresh.text.words == enc.text.words


def test_loading_a_missing_vocabulary_names_the_file(tmp_path):
    with pytest.raises(Exception, match="vocab.json"):
        SmallEncoder(dim=8, width=4).load_extra(tmp_path)


# -- fusers --------------------------------------------------------------------------------------------------


def make_fuser(cls, sketch_dim=16, text_dim=16, dim=16) -> Fuser:
    torch.manual_seed(0)
    return cls(sketch_dim=sketch_dim, text_dim=text_dim, dim=dim)


@pytest.mark.parametrize("cls", FUSERS, ids=lambda c: c.name)
@pytest.mark.parametrize("mode", ["both", "sketch", "text"])
def test_fuser_handles_each_modality_with_gradients(cls, mode):
    fuser = make_fuser(cls)
    sketch = torch.randn(5, 16, requires_grad=True)
    text = torch.randn(5, 16, requires_grad=True)
    out = fuser(sketch if mode != "text" else None, text if mode != "sketch" else None)
    assert out.shape == (5, 16) and torch.isfinite(out).all()
    out.pow(2).sum().backward()
    used = [x for x, m in ((sketch, "sketch"), (text, "text")) if mode in (m, "both")]
    assert all(x.grad is not None and x.grad.abs().sum() > 0 for x in used)
    params = [p for p in fuser.parameters() if p.requires_grad]
    if params and (mode == "both" or cls is not Weighted):  # a lone input passes through weighted untouched
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in params)


@pytest.mark.parametrize("cls", FUSERS, ids=lambda c: c.name)
def test_fuser_with_different_input_dims(cls):
    fuser = make_fuser(cls, sketch_dim=12, text_dim=20, dim=16)
    assert fuser(torch.randn(3, 12), torch.randn(3, 20)).shape == (3, 16)
    assert fuser(None, torch.randn(3, 20)).shape == (3, 16)
    assert fuser(torch.randn(3, 12), None).shape == (3, 16)
    with pytest.raises(ShapeError, match="sketch must be"):
        fuser(torch.randn(3, 20), None)


@pytest.mark.parametrize("cls", FUSERS, ids=lambda c: c.name)
def test_fuser_runs_under_bf16_autocast(cls):
    fuser = make_fuser(cls, sketch_dim=12, text_dim=16, dim=16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        for s, t in ((torch.randn(3, 12), torch.randn(3, 16)), (None, torch.randn(3, 16)), (torch.randn(3, 12), None)):
            out = fuser(s, t)
            assert out.shape == (3, 16) and torch.isfinite(out.float()).all()


def test_avg_and_sum_are_exact():
    s, t = torch.randn(4, 8), torch.randn(4, 8)
    assert torch.allclose(make_fuser(Avg, 8, 8, 8)(s, t), (s + t) / 2)
    assert torch.allclose(make_fuser(Avg, 8, 8, 8)(s, None), s)
    assert torch.allclose(make_fuser(Sum, 8, 8, 8)(s, t), s + t)


def test_weighted_uses_a_sigmoid_gate_and_passes_a_lone_input():
    fuser = Weighted(sketch_dim=8, text_dim=8, dim=8, init=0.8)
    s, t = torch.randn(4, 8), torch.randn(4, 8)
    assert fuser.sketch_weight == pytest.approx(0.8)
    assert torch.allclose(fuser(s, t), 0.8 * s + 0.2 * t, atol=1e-6)
    assert torch.equal(fuser(None, t), t)
    with pytest.raises(ConfigError, match="init"):
        Weighted(sketch_dim=8, text_dim=8, dim=8, init=1.5)


def test_concat_uses_learned_missing_vectors():
    fuser = make_fuser(Concat, 8, 8, 8)
    s = torch.randn(4, 8)
    out = fuser(s, None)
    assert torch.allclose(out, fuser.proj(torch.cat([s, fuser.missing.text.expand(4, 8)], dim=-1)))
    out.sum().backward()
    assert fuser.missing.text.grad is not None and fuser.missing.sketch.grad is None


@pytest.mark.parametrize("cls", [MLP, Attention], ids=lambda c: c.name)
def test_residual_fusers_start_as_avg(cls):
    fuser = make_fuser(cls, 8, 8, 8).eval()
    s, t = torch.randn(4, 8), torch.randn(4, 8)
    assert torch.allclose(fuser(s, t), (s + t) / 2)


def test_attention_direction_changes_the_result():
    torch.manual_seed(0)
    a = Attention(sketch_dim=8, text_dim=8, dim=8, direction="text-to-sketch", token_dim=8, heads=2)
    b = Attention(sketch_dim=8, text_dim=8, dim=8, direction="sketch-to-text", token_dim=8, heads=2)
    b.load_state_dict(a.state_dict())
    for f in (a, b):
        torch.nn.init.normal_(f.out.weight)
    s, t = torch.randn(3, 8), torch.randn(3, 8)
    assert not torch.allclose(a(s, t), b(s, t))
    with pytest.raises(ConfigError, match="heads"):
        Attention(sketch_dim=8, text_dim=8, dim=8, token_dim=10, heads=4)


# -- losses --------------------------------------------------------------------------------------------------


def test_infonce_is_lower_for_matching_pairs_than_random_ones():
    torch.manual_seed(0)
    loss = InfoNCE()
    q = torch.randn(16, 32)
    matching = loss(q, q + 0.05 * torch.randn(16, 32))
    random = loss(q, torch.randn(16, 32))
    assert matching < random - 1.0


def hand_infonce(q: list[list[float]], t: list[list[float]], labels: list[int], temperature: float) -> float:
    """Symmetric multi-positive InfoNCE written out with scalar arithmetic."""
    def unit(v):
        n = math.sqrt(sum(x * x for x in v))
        return [x / n for x in v]
    q, t = [unit(v) for v in q], [unit(v) for v in t]
    sim = [[sum(a * b for a, b in zip(qi, tj)) / temperature for tj in t] for qi in q]
    n = len(q)

    def direction(rows):
        total = 0.0
        for i in range(n):
            log_z = math.log(sum(math.exp(rows[i][k]) for k in range(n)))
            pos = [j for j in range(n) if labels[j] == labels[i]]
            total += -sum(rows[i][j] - log_z for j in pos) / len(pos)
        return total / n

    cols = [[sim[j][i] for j in range(n)] for i in range(n)]
    return (direction(sim) + direction(cols)) / 2


def test_infonce_labels_mask_positives_as_computed_by_hand():
    q = [[1.0, 0.2], [0.3, 1.0], [-1.0, 0.5]]
    t = [[0.9, 0.1], [0.8, 0.6], [-0.7, 0.9]]
    loss = InfoNCE(temperature=0.5, learn_temperature=False)
    with_labels = loss(torch.tensor(q), torch.tensor(t), torch.tensor([4, 4, 7]))
    without = loss(torch.tensor(q), torch.tensor(t))
    assert with_labels.item() == pytest.approx(hand_infonce(q, t, [4, 4, 7], 0.5), rel=1e-5)
    assert without.item() == pytest.approx(hand_infonce(q, t, [0, 1, 2], 0.5), rel=1e-5)
    assert with_labels.item() != pytest.approx(without.item(), rel=1e-3)


def test_infonce_temperature_is_learnable_and_clamped():
    loss = InfoNCE(temperature=0.07)
    assert loss.current_temperature == pytest.approx(0.07)
    assert [p.shape for p in loss.parameters()] == [torch.Size([])]
    q = torch.randn(8, 4)
    loss(q, q + 0.1 * torch.randn(8, 4)).backward()
    assert loss.log_scale.grad is not None and loss.log_scale.grad != 0
    with torch.no_grad():
        loss.log_scale.fill_(20.0)
    assert loss.current_temperature == pytest.approx(0.01)
    fixed = InfoNCE(temperature=0.1, learn_temperature=False)
    assert list(fixed.parameters()) == [] and "log_scale" in fixed.state_dict()
    with pytest.raises(ConfigError, match="temperature"):
        InfoNCE(temperature=0.0)


def test_triplet_batch_hard_by_hand():
    loss = Triplet(margin=0.2)
    q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    t = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    # similarities: s00=1.0, s01=0.6, s10=0.0, s11=0.8
    # query->target rows: relu(0.6-1.0+m), relu(0.0-0.8+m); target->query rows: relu(0.0-1.0+m), relu(0.6-0.8+m)
    assert loss(q, t).item() == pytest.approx(0.0, abs=1e-6)
    assert Triplet(margin=0.3)(q, t).item() == pytest.approx((0.0 + 0.1 / 2) / 2, abs=1e-6)
    assert Triplet(margin=0.5)(q, t).item() == pytest.approx((0.1 / 2 + 0.3 / 2) / 2, abs=1e-6)
    same = torch.tensor([3, 3])
    assert loss(q, t, same).item() == 0.0


def test_triplet_prefers_matching_pairs():
    torch.manual_seed(0)
    q = torch.randn(12, 16)
    assert Triplet()(q, q + 0.01 * torch.randn(12, 16)) < Triplet()(q, torch.randn(12, 16))


@pytest.mark.parametrize("name,params", [("NTXentLoss", '{"temperature": 0.1}'), ("MultiSimilarityLoss", "")])
def test_pml_adapter_by_name(name, params):
    torch.manual_seed(0)
    loss = PML(loss=name, params=params)
    assert isinstance(loss, Loss)
    q = torch.randn(8, 16, requires_grad=True)
    good = loss(q, q.detach() + 0.01 * torch.randn(8, 16))
    bad = loss(q, torch.randn(8, 16))
    assert good < bad
    bad.backward()
    assert q.grad is not None and q.grad.abs().sum() > 0
    with_labels = loss(q, q.detach(), torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]))
    assert torch.isfinite(with_labels)


def test_pml_errors_name_the_problem():
    with pytest.raises(ConfigError, match="NTXentLoss"):
        PML(loss="NTXentLos")
    with pytest.raises(ConfigError, match="JSON"):
        PML(params="{temperature: 1}")
    with pytest.raises(ConfigError, match="rejected"):
        PML(params='{"no_such_arg": 1}')


def test_positives_add_targets_a_query_fits_in_that_direction_only():
    torch.manual_seed(0)
    q, t = torch.randn(4, 6), torch.randn(4, 6)
    fits = torch.eye(4, dtype=torch.bool)
    fits[0, 3] = True  # query 0 (say "skirt") fits target 3 too; target 3 still picks its own query
    logits = torch.nn.functional.normalize(q, dim=-1) @ torch.nn.functional.normalize(t, dim=-1).T / 0.5
    by_hand = -(logits.log_softmax(1)[0, [0, 3]].mean() + logits.log_softmax(1).diagonal()[1:].sum()) / 4
    by_hand = (by_hand - logits.T.log_softmax(1).diagonal().mean()) / 2
    loss = InfoNCE(temperature=0.5, learn_temperature=False)
    assert loss.takes_positives and loss(q, t, None, fits).item() == pytest.approx(by_hand.item(), rel=1e-5)
    labels = torch.tensor([0, 0, 1, 2])
    same = labels.view(-1, 1) == labels.view(1, -1)
    for each in (loss, Triplet(margin=0.5)):
        assert each.takes_positives
        assert each(q, t, labels, same).item() == pytest.approx(each(q, t, labels).item(), rel=1e-6)
        assert each(q, t, None, fits).item() != pytest.approx(each(q, t).item(), rel=1e-4)


def test_a_loss_that_takes_no_positives_trains_on_labels_alone():
    class LabelsOnly(Loss):
        name = "labels-only"

        def compute(self, query, target, labels):
            return (query * target).sum() + (0 if labels is None else labels.sum())

    q, t, labels = torch.ones(3, 2), torch.ones(3, 2), torch.tensor([1, 1, 2])
    everything = torch.ones(3, 3, dtype=torch.bool)
    assert LabelsOnly()(q, t, labels, everything).item() == LabelsOnly()(q, t, labels).item()
    with pytest.raises(ShapeError, match="positives must be bool"):
        InfoNCE()(q, t, labels, torch.ones(3, 2, dtype=torch.bool))
    with pytest.raises(ShapeError, match="positives must be bool"):
        LabelsOnly()(q, t, labels, torch.ones(3, 3))
