"""One vocabulary of skip reasons for every command.

The ``reason`` of a line in ``sbkit sketchify``'s and ``sbkit run``'s ``skipped.jsonl``, and the ``kind`` of
an item problem in ``sbkit data validate``, come from this table, so one bad file is called the same
everywhere. Errors that carry a reason (:class:`sbkit.data.images.ImageError`) say it through
:func:`reason_of`.
"""

from __future__ import annotations

MISSING_IMAGE = "missing_image"
NOT_AN_IMAGE = "not_an_image"
CORRUPT_IMAGE = "corrupt_image"
TOO_SMALL = "too_small"
TOO_LARGE = "too_large"
UNSUPPORTED_MODE = "unsupported_mode"
DUPLICATE_ID = "duplicate_id"
UNREADABLE_ENTRY = "unreadable_entry"
SKETCHIFY_FAILED = "sketchify_failed"
UNREADABLE = "unreadable"
NOT_DOWNLOADED = "not_downloaded"

SKIP_REASONS: dict[str, str] = {
    MISSING_IMAGE: "the image file does not exist",
    NOT_AN_IMAGE: "not an image: random bytes, a text file, or a suffix that is not an image type",
    CORRUPT_IMAGE: "a truncated or corrupt image that cannot be decoded",
    TOO_SMALL: "under 8 px on a side",
    TOO_LARGE: "over 64 million pixels, refused from the header before decoding (a decompression bomb costs nothing)",
    UNSUPPORTED_MODE: "an image mode sbkit cannot convert to RGB",
    DUPLICATE_ID: "an id (or sketch path) that an earlier item already has",
    UNREADABLE_ENTRY: "a catalogue row that could not be read",
    SKETCHIFY_FAILED: "the sketchifier raised an error on this photo",
    UNREADABLE: "any other reason the item could not be used (the detail says which)",
    NOT_DOWNLOADED: "a picture named by web address that could not be downloaded (the detail says why)",
}


def sketchify_failed(source: object, sketchifier: str, error: BaseException) -> str:
    """The detail of a :data:`SKETCHIFY_FAILED` skip, worded alike by ``sbkit sketchify``, ``run`` and ``eval``."""
    return f"{source}: {sketchifier} failed: {type(error).__name__}: {error}"


def reason_of(error: BaseException) -> str:
    """The skip reason an error carries (its ``reason`` attribute), else :data:`UNREADABLE`."""
    reason = getattr(error, "reason", None)
    return reason if reason in SKIP_REASONS else UNREADABLE
