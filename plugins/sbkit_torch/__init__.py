"""First-party torch components: the ``small`` encoder, fusers and losses (imported when first created)."""

from sbkit.component_spec import ComponentSpec, lazy_exports
from sbkit.hookspecs import hookimpl

ENCODERS = [
    ComponentSpec("small", "sbkit_torch.small_encoder:SmallEncoder",
                  "Compact CNN (images and sketches) and word-embedding text tower, trained from scratch; fast on "
                  "CPU."),
]
FUSERS = [
    ComponentSpec("avg", "sbkit_torch.fusers:Avg",
                  "Mean of the sketch and text vectors present (no parameters beyond input projections)."),
    ComponentSpec("sum", "sbkit_torch.fusers:Sum",
                  "Sum of the sketch and text vectors present (a missing one counts as zero)."),
    ComponentSpec("concat", "sbkit_torch.fusers:Concat",
                  "Concatenation projected back to dim (linear, or MLP when hidden > 0); learned missing vectors."),
    ComponentSpec("weighted", "sbkit_torch.fusers:Weighted",
                  "Learned sigmoid-gated mix g*sketch + (1-g)*text; a lone input passes through."),
    ComponentSpec("mlp", "sbkit_torch.fusers:MLP",
                  "Concatenation through a 2-layer MLP, added to the mean of the inputs present (residual)."),
    ComponentSpec("combiner", "sbkit_torch.combiner:Combiner",
                  "CLIP4Cir Combiner: projections, a learned per-example gate mixing sketch and text, residual MLP."),
    ComponentSpec("attention", "sbkit_torch.attention:Attention",
                  "Cross attention between sketch and text, each vector split into a few tokens."),
]
LOSSES = [
    ComponentSpec("infonce", "sbkit_torch.infonce:InfoNCE",
                  "Symmetric InfoNCE with a learnable temperature; equal labels are positives (multi-positive)."),
    ComponentSpec("triplet", "sbkit_torch.triplet:Triplet",
                  "Batch-hard triplet loss on cosine similarity, both directions."),
    ComponentSpec("pml", "sbkit_torch.pml:PML",
                  "Any pytorch-metric-learning loss by name, on the concatenated query and target embeddings.",
                  requires=("pytorch_metric_learning",), install="sbkit[pml]"),
]

__all__ = ["MLP", "PML", "Attention", "Avg", "Combiner", "Concat", "InfoNCE", "SmallCNN", "SmallEncoder", "Sum",
           "Triplet", "Weighted", "WordTextEncoder", "tokenize"]
__getattr__ = lazy_exports(__name__, ENCODERS + FUSERS + LOSSES, {
    "SmallCNN": "sbkit_torch.small_cnn:SmallCNN",
    "WordTextEncoder": "sbkit_torch.word_text:WordTextEncoder",
    "tokenize": "sbkit_torch.word_text:tokenize",
})


@hookimpl
def register_encoders() -> list[ComponentSpec]:
    return ENCODERS


@hookimpl
def register_fusers() -> list[ComponentSpec]:
    return FUSERS


@hookimpl
def register_losses() -> list[ComponentSpec]:
    return LOSSES
