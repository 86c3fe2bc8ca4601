"""First-party torch components: the ``small`` encoder, fusers and losses."""

from sbkit.hookspecs import hookimpl
from sbkit_torch.attention import Attention
from sbkit_torch.combiner import Combiner
from sbkit_torch.fusers import MLP, Avg, Concat, Sum, Weighted
from sbkit_torch.infonce import InfoNCE
from sbkit_torch.pml import PML
from sbkit_torch.small_cnn import SmallCNN
from sbkit_torch.small_encoder import SmallEncoder
from sbkit_torch.triplet import Triplet
from sbkit_torch.word_text import WordTextEncoder, tokenize

__all__ = ["MLP", "PML", "Attention", "Avg", "Combiner", "Concat", "InfoNCE", "SmallCNN", "SmallEncoder", "Sum",
           "Triplet", "Weighted", "WordTextEncoder", "tokenize"]


@hookimpl
def register_encoders() -> list[type]:
    return [SmallEncoder]


@hookimpl
def register_fusers() -> list[type]:
    return [Avg, Sum, Concat, Weighted, MLP, Combiner, Attention]


@hookimpl
def register_losses() -> list[type]:
    return [InfoNCE, Triplet, PML]
