"""Tiny transformers models written with ``save_pretrained``, for trying the encoders offline and for tests.

Each builder writes a complete model folder (config, weights, tokenizer) and returns its path:

    make_tiny_clip(folder)                        # CLIP: hidden 32, 2 layers, image 32 px, patch 8, projection 16
    make_tiny_bert(folder)                        # BERT: hidden 32, 2 layers, word-level vocabulary
    make_sentence_transformer(folder, "mean")     # a tiny BERT laid out as a sentence-transformers folder

The weights are random: the models exercise loading, shapes and training, not retrieval quality.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

WORDS = ("a red blue black white green long short sleeve sleeves dress shirt skirt jeans coat jacket "
         "with and the v-neck collar pocket pockets striped floral denim wool silk").split()
CLIP_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!.,-'"


def _seeded(build, seed: int):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def make_tiny_clip(folder: str | Path, projection_dim: int = 16, layers: int = 2, seed: int = 0) -> Path:
    """Write a tiny CLIP model plus a character-level CLIP tokenizer to ``folder``; returns ``folder``."""
    from transformers import CLIPConfig, CLIPModel, CLIPTextConfig, CLIPTokenizer, CLIPVisionConfig

    folder = Path(folder)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in CLIP_CHARS:
        vocab[char] = len(vocab)
        vocab[char + "</w>"] = len(vocab)
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[])
    text = CLIPTextConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=layers,
                          num_attention_heads=2, max_position_embeddings=40, bos_token_id=0, eos_token_id=1,
                          pad_token_id=1)
    vision = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=layers, num_attention_heads=2,
                              image_size=32, patch_size=8)
    config = CLIPConfig(text_config=text.to_dict(), vision_config=vision.to_dict(), projection_dim=projection_dim)
    model = _seeded(lambda: CLIPModel(config), seed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _bert_tokenizer():
    from transformers import BertTokenizer

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {token: i for i, token in enumerate([*specials, *WORDS, *CLIP_CHARS])}
    return BertTokenizer(vocab=vocab)


def make_tiny_bert(folder: str | Path, hidden: int = 32, seed: int = 0) -> Path:
    """Write a tiny BERT model and a word-level BERT tokenizer to ``folder``; returns ``folder``."""
    from transformers import BertConfig, BertModel

    folder = Path(folder)
    tokenizer = _bert_tokenizer()
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    model = _seeded(lambda: BertModel(config), seed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def make_sentence_transformer(folder: str | Path, pooling: str = "mean", hidden: int = 32, seed: int = 0) -> Path:
    """A tiny BERT laid out as a sentence-transformers folder, pooling with ``pooling`` (mean, cls or max)."""
    folder = make_tiny_bert(folder, hidden=hidden, seed=seed)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 32, "do_lower_case": False}))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    pooling_config = {
        "word_embedding_dimension": hidden,
        "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_mean_tokens": pooling == "mean",
        "pooling_mode_max_tokens": pooling == "max",
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling_config, indent=2))
    return folder
