"""The API's request and response models; FastAPI turns them into the OpenAPI schema at ``/openapi.json``."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from sbkit.limits import (COLOUR_CANDIDATES, COLOUR_CATEGORIES_FROM, COLOUR_WEIGHT, MAX_COLOUR_WEIGHT,
                          MAX_QUERY_TEXT)

Mode = Literal["sketch+text", "sketch", "text"]
MAX_TEXT = MAX_QUERY_TEXT
MAX_K = 100


class SearchQuery(BaseModel):
    """A search as JSON. The same fields go in a multipart form, with ``sketch`` as a file."""

    model_config = ConfigDict(extra="forbid")

    sketch: Optional[str] = Field(None, description="The drawing as a data URL (data:image/png;base64,...) or "
                                  "plain base64 of a PNG/JPEG/WebP/SVG/... file; any size and polarity, transparency "
                                  "or a photo of paper. Leave out for a text-only query.")
    text: Optional[str] = Field(None, max_length=MAX_TEXT, description="A caption, e.g. \"a long red trouser\".")
    mode: Optional[Mode] = Field(None, description="sketch+text, sketch or text; the other input is then "
                                 "ignored. Default: whichever inputs are given.")
    k: StrictInt = Field(10, ge=1, le=MAX_K, description="How many results to return (a whole number; true or "
                         "2.5 are refused).")
    exact_text: bool = Field(False, description="Read the caption as typed. By default a word the gallery's "
                             "captions never use, the plural or singular of a word they do or one typo from "
                             "it, is read as that word, a garment word they never use as their word for the "
                             "same item ('pants': trouser), and a colour name they never use as their "
                             "nearest colour (see corrections in the answer).")
    colour_weight: float = Field(COLOUR_WEIGHT, ge=0, le=MAX_COLOUR_WEIGHT, allow_inf_nan=False,
                                 description="When the caption names a colour, how much a photo of that very "
                                 f"colour gains among the best {COLOUR_CANDIDATES} results (of the categories of "
                                 f"the model's first {COLOUR_CATEGORIES_FROM}), its colour read from the photo "
                                 "itself (see colour in the answer); 0 ranks by the model alone.")


class Timings(BaseModel):
    """Milliseconds per stage of the search, and the server's whole handling time."""

    decode: float
    normalise: float
    encode: float
    search: float
    total: float = Field(description="decode + normalise + encode + search")
    server: float = Field(description="from the request's arrival to the answer, including reading the upload "
                          "and waiting for a free worker")


class Result(BaseModel):
    rank: int
    id: str
    score: Optional[float] = Field(description="cosine similarity of the query and the photo, plus the colour "
                                   "term when the caption names a colour; higher is closer; null when it is not a "
                                   "finite number (see warnings)")
    caption: Optional[str]
    image_url: str
    thumbnail_url: str


class SearchResponse(BaseModel):
    mode: Mode
    text: Optional[str]
    k: int
    results: list[Result]
    timings_ms: Timings
    unknown_words: list[str] = Field(description="words of the caption the model cannot read")
    corrections: dict[str, str] = Field(description="typos and colour names read as words of the catalogue, "
                                        "as typed -> as read; text is the caption as read")
    colour: Optional[str] = Field(description="the colour named in the caption that the photos' own colours "
                                  "were ranked toward; null when none was")
    warnings: list[str] = Field(description="what the person searching should know, e.g. a caption the model "
                                "cannot read at all")


class ErrorResponse(BaseModel):
    error: str = Field(description="a short code: bad_query, too_large, image_too_large, busy, not_found, ...")
    detail: str = Field(description="what was wrong and how to fix it, in one line")


class Health(BaseModel):
    status: Literal["ok"]
    searches_running: int
    max_searches: int


class Example(BaseModel):
    """A query to start from: a gallery item's caption and, where its drawing kept stroke order, the strokes."""

    id: str
    caption: Optional[str]
    strokes: list[list[list[float]]] = Field(description="strokes in drawing order, each a list of [x, y] in "
                                             "0..1 of the drawing's box; empty when the item has none")
