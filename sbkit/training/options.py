"""Training options, one dataclass; the CLI, TOML configs and the Python API all fill it."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sbkit.errors import ConfigError, check

AMP_MODES = ("auto", "bf16", "fp16", "off")
# Options a resumed run may change; any other difference would not continue the same run.
RESUMABLE_CHANGES = ("epochs", "checkpoint_every", "device", "amp", "grad_cache_chunk", "early_stopping", "distributed",
                     "workers")
MONITOR_MODES = ("auto", "max", "min")


@dataclass
class TrainOptions:
    """How :func:`sbkit.training.fit` trains.

    Attributes:
        epochs: passes over the data.
        batch_size: items per batch (the in-batch negatives of contrastive losses).
        lr: peak learning rate of AdamW.
        weight_decay: AdamW weight decay, applied to weight matrices only (not to biases, norms, temperatures).
        warmup: fraction of optimizer steps spent warming the learning rate up linearly, before cosine decay.
        grad_accum: batches whose gradients are summed per optimizer step.
        clip_norm: maximum global gradient norm; 0 turns clipping off.
        amp: ``auto`` (bf16 on CPUs with native bf16, fp16 on CUDA, else fp32), ``bf16``, ``fp16`` or ``off``.
        device: torch device, e.g. ``cpu`` or ``cuda``.
        seed: seeds shuffling, modality choices and the global torch RNG.
        modality_dropout: probabilities that a batch trains as sketch-only and as text-only.
        every_mode: train every batch on all three query modes at once (sketch+text, sketch only, text only;
            the mean of their losses) instead of one mode per batch drawn by ``modality_dropout``. Costs three
            query passes per batch; suits heads on cached features. Not with ``grad_cache_chunk``.
        checkpoint_every: also checkpoint every this many optimizer steps; 0 checkpoints at epoch ends only.
        lr_pretrained: learning rate for the encoder's ``pretrained_parameters()``; None uses ``lr``.
        grad_cache_chunk: when > 0, gradient caching: embed each batch in chunks of this many rows without
            activations kept, take the loss on all embeddings, then re-run each chunk with gradients. Memory
            then grows with the chunk, not the batch; a step costs about one extra forward pass.
        early_stopping: stop when ``monitor`` has not improved for this many epochs; 0 = never.
        monitor: key of the epoch record to watch (dotted for nested dicts, e.g. ``val.R@10``), usually
            returned by ``on_epoch_end``; also picks the weights kept as ``best.safetensors``.
        monitor_mode: ``max`` (higher is better), ``min``, or ``auto`` (``min`` when ``monitor`` names a loss).
        distributed: initialise ``torch.distributed`` from the environment ``torchrun`` sets, if no process
            group exists yet; with a process group (initialised by either), train data-parallel.
        workers: DataLoader worker processes that read each rank's piece of the coming batches ahead of the
            step; 0 reads them in the training process. Data order and results do not depend on it.
        sketch_text_positives: share of a sketch+text query's loss in which the batch's items that its caption
            describes (``Batch.text_positives``, as text-only queries use them) count as positives beside its own
            item, so that items of the kind and colour typed rank next after it; 0 trains against its own item
            only. Losses that take no positives ignore it.
    """

    epochs: int = 8
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: float = 0.05
    grad_accum: int = 1
    clip_norm: float = 1.0
    amp: str = "auto"
    device: str = "cpu"
    seed: int = 0
    modality_dropout: tuple[float, float] = (0.2, 0.2)
    every_mode: bool = False
    checkpoint_every: int = 0
    lr_pretrained: float | None = None
    grad_cache_chunk: int = 0
    early_stopping: int = 0
    monitor: str = "val_R@10"
    monitor_mode: str = "auto"
    distributed: bool = False
    workers: int = 0
    sketch_text_positives: float = 0.0

    def __post_init__(self) -> None:
        self.modality_dropout = tuple(float(p) for p in self.modality_dropout)  # type: ignore[assignment]
        check(self.epochs >= 0, f"epochs must be >= 0, got {self.epochs}", ConfigError)
        check(self.batch_size >= 2, f"batch_size must be >= 2 (contrastive losses need negatives), got "
              f"{self.batch_size}", ConfigError)
        check(self.lr > 0, f"lr must be > 0, got {self.lr}", ConfigError)
        check(0 <= self.warmup < 1, f"warmup is a fraction of the steps in [0, 1), got {self.warmup}", ConfigError)
        check(self.grad_accum >= 1, f"grad_accum must be >= 1, got {self.grad_accum}", ConfigError)
        check(self.clip_norm >= 0, f"clip_norm must be >= 0 (0 = off), got {self.clip_norm}", ConfigError)
        check(self.amp in AMP_MODES, f"amp must be one of {', '.join(AMP_MODES)}, got {self.amp!r}", ConfigError)
        check(len(self.modality_dropout) == 2 and min(self.modality_dropout) >= 0 and sum(self.modality_dropout) <= 1,
              f"modality_dropout is (p_sketch_only, p_text_only), each >= 0 and summing to <= 1, got "
              f"{self.modality_dropout}", ConfigError)
        check(self.checkpoint_every >= 0, f"checkpoint_every must be >= 0, got {self.checkpoint_every}", ConfigError)
        check(self.lr_pretrained is None or self.lr_pretrained >= 0,
              f"lr_pretrained must be >= 0 or None, got {self.lr_pretrained}", ConfigError)
        check(not (self.every_mode and self.grad_cache_chunk > 0),
              "every_mode and grad_cache_chunk do not go together; use one mode per batch with gradient caching",
              ConfigError)
        check(self.grad_cache_chunk >= 0, f"grad_cache_chunk must be >= 0 (0 = off), got {self.grad_cache_chunk}",
              ConfigError)
        check(self.early_stopping >= 0, f"early_stopping must be >= 0 epochs (0 = off), got {self.early_stopping}",
              ConfigError)
        check(bool(self.monitor), "monitor must name a key of the epoch record, e.g. 'val_R@10' or 'loss'",
              ConfigError)
        check(self.workers >= 0, f"workers must be >= 0 (0 = read in the training process), got {self.workers}",
              ConfigError)
        check(0 <= self.sketch_text_positives <= 1,
              f"sketch_text_positives is a share of the loss in [0, 1], got {self.sketch_text_positives}", ConfigError)
        check(self.monitor_mode in MONITOR_MODES,
              f"monitor_mode must be one of {', '.join(MONITOR_MODES)}, got {self.monitor_mode!r}", ConfigError)

    @property
    def higher_is_better(self) -> bool:
        """Whether a larger ``monitor`` value is an improvement."""
        if self.monitor_mode == "auto":
            return "loss" not in self.monitor.lower()
        return self.monitor_mode == "max"

    def to_dict(self) -> dict:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}

    def resume_conflicts(self, saved: dict) -> list[str]:
        """Options that differ from a checkpoint's and may not change on resume."""
        mine = self.to_dict()
        return [f"{k}: {saved[k]!r} -> {mine[k]!r}" for k in mine
                if k not in RESUMABLE_CHANGES and k in saved and saved[k] != mine[k]]
