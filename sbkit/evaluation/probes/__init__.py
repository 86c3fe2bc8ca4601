"""Five probes of a trained model, each a report section with pictures (``sbkit run --probes``).

1. ``top1``: sketch plus caption puts the target first, beside sketch-only and text-only.
2. ``colour_swap``: one trouser drawing with each colour in the caption; share of the top 10 in that colour.
3. ``brand``: "a {category} by {brand}" and the brand alone; share of the top 10 by that brand.
4. ``caption``: the same sketches with no caption, a one-word category caption and the full caption.
5. ``white``: ``canny`` against ``canny-clahe`` on white, ivory, cream and light-grey items.

Probes 2, 3 and 5 need item attributes (``colour``, ``brand``), and probes 2 and 3 draw their queries as the
demo catalogue does; each runs only on a gallery where it means something (a module's ``unfit(ctx)`` says
why not), and is otherwise left out with a one-line note.

Example:
    >>> results = run_probes(model, splits["test"], None, config, device, run_dir)  # doctest: +SKIP
    >>> results.numbers["colour_swap"]["mean"], (run_dir / "probe-colour.png").exists()  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from sbkit.components import Sketchifier
from sbkit.config import RunConfig
from sbkit.data.tensors import SplitTensors
from sbkit.errors import DataError, check
from sbkit.evaluation.probes import brand, caption, colour, top1, white
from sbkit.evaluation.probes.common import ProbeContext, ProbeSection

PROBES = (top1, colour, brand, caption, white)


@dataclass
class ProbeResults:
    """What the probes found.

    Attributes:
        numbers: JSON-able, one entry per probe that ran, plus ``skipped``: probe -> why it was left out.
        markdown: A report section (``## Probes``) linking the ``probe-*.png`` pictures beside it.
        sections: Each probe's own outcome, in order.
    """

    numbers: dict[str, Any]
    markdown: str
    sections: list[ProbeSection] = field(default_factory=list)

    @property
    def figures(self) -> list[Path]:
        return [path for section in self.sections for path in section.figures]


def run_probes(model, test: SplitTensors, sketchifiers: dict[str, Sketchifier] | None, config: RunConfig,
               device: torch.device | str, out_dir: Path) -> ProbeResults:
    """Run every probe on the test split and write its pictures into ``out_dir``.

    Args:
        model: A trained model with ``embed_images(images)`` and ``embed_queries(sketches, texts)``.
        test: The test split; its photos are the gallery.
        sketchifiers: Label -> sketchifier compared in the white-items probe; None uses ``canny`` and
            ``canny-clahe`` (the run's own sketchifier with the run's params).
        config: The run's config (image size, line width and seed shape the probe queries).
        device: Where the model runs.
        out_dir: Folder for the ``probe-*.png`` pictures, usually the run folder.

    Returns:
        The numbers for ``metrics.json`` (under ``"probes"``) and the Markdown section for the report.
    """
    check(len(test.items) > 0, "probes: the test split is empty; the probes need a gallery", DataError)
    if isinstance(model, torch.nn.Module):
        model.eval()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = ProbeContext(model, test, config, torch.device(device), out_dir, sketchifiers)
    sections = []
    for probe in PROBES:
        reason = ctx.missing(probe.NEEDS)
        if reason is None and hasattr(probe, "unfit"):
            reason = probe.unfit(ctx)
        if reason is not None:
            sections.append(ProbeSection(probe.KEY, probe.TITLE, note=reason))
        else:
            sections.append(probe.run(ctx))
    numbers: dict[str, Any] = {s.key: s.numbers for s in sections if s.note is None}
    numbers["skipped"] = {s.key: s.note for s in sections if s.note is not None}
    return ProbeResults(numbers, _markdown(sections, len(test.items)), sections)


def _markdown(sections: list[ProbeSection], gallery: int) -> str:
    lines = [
        "## Probes",
        "",
        (f"Five checks of what the trained model has learned, each on the test gallery of {gallery} photos "
         "(see `docs/probes.md` for how to read them)."),
        "",
    ]
    for number, section in enumerate(sections, 1):
        lines += [f"### {number}. {section.title}", ""]
        lines += [f"Left out: {section.note}.", ""] if section.note else [section.markdown, ""]
    return "\n".join(lines)


__all__ = ["PROBES", "ProbeContext", "ProbeResults", "ProbeSection", "run_probes"]
