"""Loading transformers models and tokenizers from a hub id or a local folder, with errors meant for a person."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sbkit.errors import ConfigError

T = TypeVar("T")

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
VOCAB_FILES = ("tokenizer.json", "vocab.json", "vocab.txt", "spiece.model", "sentencepiece.bpe.model",
               "tokenizer.model")


def looks_local(path: str) -> bool:
    """True when ``path`` names a folder on disk rather than a hub id such as ``openai/clip-vit-base-patch32``."""
    return path.startswith(("/", "./", "../", "~", "\\")) or Path(path).expanduser().exists() or (
        len(path) > 1 and path[1] == ":")


def fix_hint(option: str = "path") -> str:
    """What to do about a model that cannot load, naming the encoder parameter ``option`` that gives it."""
    return (f"pass a local model folder (config.json, weights and tokenizer files) with --encoder.{option} DIR, "
            "or a hub id that is already cached when offline (HF_HUB_OFFLINE=1)")


def quiet() -> None:
    """No transformers progress bars: sbkit shows its own progress, and loading a small model needs none."""
    from transformers.utils import logging

    logging.disable_progress_bar()


def hub_unreachable() -> str | None:
    """Why the hub cannot be reached (a name that does not resolve, a refused connection), or None when it can.

    Checked only for a hub id that is not cached, so an offline machine fails at once rather than after the
    hub client's retries (half a minute).
    """
    import socket
    from urllib.parse import urlparse

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return None  # the hub client fails at once by itself
    url = urlparse(constants.ENDPOINT)
    try:
        with socket.create_connection((url.hostname or "", url.port or 443), timeout=5):
            return None
    except OSError as exc:
        return f"{url.hostname} cannot be reached: {exc.strerror or exc}"


def cached_on_hub(path: str) -> bool:
    """Whether the hub id ``path`` has a config.json in the local hub cache."""
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(path, "config.json"), str)
    except ValueError:  # not a valid repo id; the loader words that
        return False


def load(loader: Callable[[str], T], path: str, what: str, option: str = "path") -> T:
    """``loader(path)``, turning a missing folder, a bad hub id or unreadable files into a :class:`ConfigError`
    that names the encoder ``what`` and its parameter ``option``."""
    quiet()
    if looks_local(path) and not Path(path).expanduser().is_dir():
        raise ConfigError(f"encoder {what!r}: model folder {path!r} does not exist; {fix_hint(option)}")
    if not looks_local(path) and not cached_on_hub(path) and (why := hub_unreachable()):
        raise ConfigError(f"encoder {what!r}: {path!r} is not a local folder nor in the hub cache, and {why}; "
                          f"{fix_hint(option)}")
    try:
        return loader(str(Path(path).expanduser()) if looks_local(path) else path)
    except (OSError, ValueError, KeyError) as exc:
        reason = " ".join(str(exc).split())[:300]
        raise ConfigError(f"encoder {what!r}: cannot load {path!r} ({type(exc).__name__}: {reason}); "
                          f"{fix_hint(option)}") from exc


def load_tokenizer(path: str, what: str, option: str = "path") -> Any:
    """``AutoTokenizer.from_pretrained(path)``; a local folder must hold a vocabulary file, since without one
    transformers quietly builds an empty tokenizer that maps every word to one id."""
    from transformers import AutoTokenizer

    folder = Path(path).expanduser()
    if looks_local(path) and folder.is_dir() and not any((folder / name).is_file() for name in VOCAB_FILES):
        raise ConfigError(f"encoder {what!r}: {path!r} holds no tokenizer ({', '.join(VOCAB_FILES[:3])}, ...); "
                          f"save the tokenizer there too with tokenizer.save_pretrained(DIR)")
    return load(AutoTokenizer.from_pretrained, path, what, option)


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when the file is missing."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); fix or delete the file") from exc


def has_weights(folder: Path) -> bool:
    return any((folder / name).is_file() for name in WEIGHT_FILES)


def enable_checkpointing(model: Any, what: str) -> None:
    """Turn on activation (gradient) checkpointing; the method's name changed across transformers versions."""
    enable = getattr(model, "activation_checkpointing_enable", None)
    try:
        if enable is not None:
            enable(activation_checkpointing_kwargs={"use_reentrant": False})
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    except ValueError as exc:
        raise ConfigError(f"encoder {what!r}: {exc}; set gradient_checkpointing=false") from exc


def pooled(output: Any) -> Any:
    """The pooled (B, D) tensor of a model call: a tensor as is, else its ``pooler_output`` (varies by version)."""
    if hasattr(output, "ndim"):
        return output
    value = getattr(output, "pooler_output", None)
    if value is None and isinstance(output, tuple) and len(output) > 1:
        value = output[1]
    if value is None:
        raise TypeError(f"expected a tensor or an output with pooler_output, got {type(output).__name__}")
    return value


MARKER = "sbkit_encoder.json"


def load_model(path: str, what: str, config: Any, from_config: Callable[[Any], T],
               from_pretrained: Callable[..., T], option: str = "path") -> tuple[T, dict[str, Any] | None]:
    """The model at ``path`` and the marker :func:`save_folder` left there (None for an ordinary model folder).

    A folder that :func:`save_folder` wrote holds no weights: its model is built untrained from the config,
    and the sbkit checkpoint's weights are loaded into it next.
    """
    folder = Path(path).expanduser() if looks_local(path) else None
    marker = read_json(folder / MARKER) if folder is not None else None
    if folder is not None and not has_weights(folder):
        if marker is None:
            raise ConfigError(f"encoder {what!r}: {path!r} has a config but no weights (model.safetensors or "
                              f"pytorch_model.bin); write the model there with save_pretrained")
        return from_config(config), marker
    return load(lambda p: from_pretrained(p, config=config), path, what, option), marker


def save_folder(target: Path, config: Any, tokenizer: Any, marker: dict[str, Any]) -> None:
    """Write ``config``, ``tokenizer`` and a marker (sbkit settings, no weights) into ``target``."""
    quiet()
    target.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(target)
    tokenizer.save_pretrained(target)
    marker = {**marker, "weights": "in the sbkit checkpoint beside this folder"}
    (target / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def saved_folder(folder: Path, sub: str, what: str) -> Path:
    """``folder/sub``, checked to hold what :func:`save_folder` wrote."""
    source = Path(folder) / sub
    if not (source / MARKER).is_file():
        raise ConfigError(f"encoder {what!r}: {source} holds no saved config and tokenizer; pass the model "
                          f"folder that this encoder's save_extra wrote to")
    return source
