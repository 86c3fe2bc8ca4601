"""What a run reports beyond its test table, so that gains are measured rather than assumed:

- :func:`untrained_metrics`: sketch-only retrieval with the frozen towers' features and no training, the
  zero-training baseline beside every trained sketch figure;
- :func:`caption_length_curve`: sketch+text R@10 against the number of caption words a person types;
- :func:`choose_holdout`: categories a check model never sees in training
  (:func:`sbkit.pipeline.training.heldout_check` trains it and reports how it retrieves them).
"""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F

from sbkit.data.rows import whole
from sbkit.errors import ConfigError, check
from sbkit.evaluation.metrics import retrieval_metrics
from sbkit.pipeline.evaluate import ask, category_labels, embed_gallery, embed_group
from sbkit.training.features import SplitFeatures

CAPTION_WORDS = (0, 1, 2, 3, 5)
AUTO_HOLDOUT = 2  # categories the automatic check leaves out


def untrained_metrics(test: SplitFeatures, photo_mean: torch.Tensor, sketch_mean: torch.Tensor,
                      queries_from: torch.Tensor | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Sketch-only metrics with raw frozen features, each modality centred on its training mean; cosine.
    ``queries_from`` (N,) bool limits the queries to those rows.

    Returns ``{"sketch": {source: metrics}}`` in the shape of the test table (no text: untrained text and
    image features share no space).
    """
    gallery = F.normalize(whole(test.images) - photo_mean, dim=-1)
    labels = category_labels(test)
    out: dict[str, dict[str, float]] = {}
    for source in ["synthetic"] + (["drawn"] if test.drawn is not None else []):
        vectors, target = ask(test, source, lambda sketches, owner: whole(sketches).float(), queries_from)
        queries = F.normalize(vectors - sketch_mean, dim=-1)
        out[source] = retrieval_metrics(queries, gallery, target,
                                        query_labels=None if labels is None else labels[target],
                                        gallery_labels=labels)
        out[source]["queries"] = len(target)
    return {"sketch": out}


def cut_caption(caption: str, words: int, rng: random.Random) -> str:
    """``words`` of the caption's words, chosen at random and kept in order (all of them if it has fewer)."""
    split = caption.split()
    if words >= len(split):
        return caption
    keep = sorted(rng.sample(range(len(split)), words))
    return " ".join(split[i] for i in keep)


@torch.no_grad()
def caption_length_curve(model, split, batch_size: int, device: torch.device, seed: int = 0,
                         lengths: tuple[int, ...] = CAPTION_WORDS,
                         gallery: torch.Tensor | None = None) -> dict[str, float]:
    """Sketch+text R@10 with captions cut to each number of words (0 = no caption), with the full caption
    (``full``), and with the item's category as a one-word caption (``category``, where every item has one).

    Queries are every drawing of every item where the split has drawings (each with its item's caption, cut
    the same way for all of them), else the sketchifier sketches. ``gallery`` is the split's embedded photos
    when the caller has them already.
    """
    model.eval()
    if gallery is None:
        gallery = embed_gallery(model, split, batch_size, device)
    source = "drawn" if split.drawn is not None else "synthetic"
    curve: dict[str, float] = {}
    categories = [item.category for item in split.items]
    variants: list[int | str | None] = [*lengths, None] + (["category"] if all(categories) else [])
    for words in variants:
        rng = random.Random(seed)
        if words == "category":
            captions = [str(c) for c in categories]
        else:
            captions = [c if words is None else cut_caption(c, words, rng) for c in split.captions]

        def embed(sketches, owner: torch.Tensor, captions=captions, words=words) -> torch.Tensor:
            texts = None if words == 0 else [captions[i] for i in owner.clamp(min=0).tolist()]
            return embed_group(model, sketches, texts, batch_size, device)

        queries, targets = ask(split, source, embed)
        curve["full" if words is None else str(words)] = retrieval_metrics(queries, gallery, targets)["R@10"]
    return curve


def choose_holdout(setting: str, categories: list[str | None], seed: int, frozen: bool) -> frozenset[str]:
    """The categories to hold out: ``auto`` picks two at random (only for frozen-feature encoders, where a
    second training is cheap, and only with at least four categories), ``""`` none, else the listed ones."""
    known = sorted({c for c in categories if c})
    if setting.strip() == "":
        return frozenset()
    if setting.strip() == "auto":
        if not frozen or len(known) < 4:
            return frozenset()
        return frozenset(random.Random(seed).sample(known, AUTO_HOLDOUT))
    asked = {name.strip() for name in setting.split(",") if name.strip()}
    unknown = sorted(asked - set(known))
    check(not unknown, f"holdout: no training items of categor{'y' if len(unknown) == 1 else 'ies'} "
          f"{', '.join(map(repr, unknown))}; the catalogue's categories are: {', '.join(known) or '(none)'}",
          ConfigError)
    check(len(asked) < len(known), "holdout: at least one category must stay in training", ConfigError)
    return frozenset(asked)
