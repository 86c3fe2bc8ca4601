"""Query drawings in the forms people hand them in, and comparing prepared query sketches, for the retrieval tests."""

from __future__ import annotations

import cv2
import numpy as np

from sbkit.retrieval.query import prepare_query


def ink_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of the two sketches' ink after a 3x3 dilation (forgives one-pixel shifts)."""
    kernel = np.ones((3, 3), np.uint8)
    ink_a = cv2.dilate((a < 128).astype(np.uint8), kernel) > 0
    ink_b = cv2.dilate((b < 128).astype(np.uint8), kernel) > 0
    return float((ink_a & ink_b).sum() / (ink_a | ink_b).sum())


SIZE, WIDTH = 64, 2


SKIRT = np.array([[150, 40], [250, 40], [290, 120], [330, 360], [70, 360], [110, 120]], np.int32)  # at 400 px


def skirt_outline(width: int = 4) -> np.ndarray:
    """The outline of :func:`drawing` at 400 px alone: no seam, no curve at the waist."""
    image = np.full((400, 400), 255, np.uint8)
    cv2.polylines(image, [SKIRT], True, 0, width, cv2.LINE_AA)
    return image


def drawing(side: int, thickness: float, ink: int = 0, ground: int = 255) -> np.ndarray:
    """A skirt-like line drawing on a square canvas; every size gives the same shape."""
    image = np.full((side, side), ground, np.uint8)
    s = side / 400
    outline = (SKIRT * s).astype(np.int32)
    width = max(1, round(thickness * s))
    cv2.polylines(image, [outline], True, ink, width, cv2.LINE_AA)
    cv2.line(image, (round(200 * s), round(40 * s)), (round(200 * s), round(360 * s)), ink, width, cv2.LINE_AA)
    cv2.ellipse(image, (round(200 * s), round(80 * s)), (round(30 * s), round(20 * s)), 0, 0, 180, ink, width,
                cv2.LINE_AA)
    return image


def scanned(page: np.ndarray, grain: float = 2.0, seed: int = 0) -> np.ndarray:
    """A page as a scanner gives it: sensor noise of ``grain`` levels, a slight blur, JPEG."""
    noisy = page.astype(np.float32) + np.random.default_rng(seed).normal(0, grain, page.shape).astype(np.float32)
    blurred = np.clip(cv2.GaussianBlur(noisy, (0, 0), 0.7), 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", blurred, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_UNCHANGED)


SIDE = 600  # a page in pencil


def plain_page() -> np.ndarray:
    return np.full((SIDE, SIDE, 3), 252, np.uint8)


def in_pencil(page: np.ndarray, grey: int, turn: float = 0.0) -> np.ndarray:
    """The drawing in pencil of level ``grey`` on ``page``, the page then turned by ``turn`` degrees."""
    page = page.copy()
    lines = np.full((SIDE, SIDE), 255, np.uint8)
    lines[90:490, 130:530] = drawing(400, 4)
    page[lines < 128] = grey
    rotation = cv2.getRotationMatrix2D((SIDE / 2, SIDE / 2), turn, 1.0)
    return cv2.warpAffine(page, rotation, (SIDE, SIDE), borderValue=(252, 252, 252))


def plain(turn: float = 0.0) -> np.ndarray:
    """The same drawing in black on plain paper, turned like the page: what the pencil should come out as."""
    return prepare_query(in_pencil(plain_page(), 0, turn), SIZE, WIDTH)


def paper_photo(side: int = 800, stroke_darkness: float = 0.45, seed: int = 0) -> np.ndarray:
    """The drawing in pencil on paper, photographed: a strong lighting gradient, a colour cast, noise, JPEG."""
    rng = np.random.default_rng(seed)
    lines = drawing(side, 5).astype(np.float32) / 255
    yy, xx = np.mgrid[0:side, 0:side] / side
    light = 235 * (0.95 - 0.5 * xx * yy - 0.15 * (yy - 0.3) ** 2)
    gray = light * (lines + (1 - lines) * (1 - stroke_darkness)) + rng.normal(0, 5, lines.shape)
    gray = np.clip(gray, 0, 255)
    rgb = np.stack([gray * 0.9, gray * 0.97, gray], axis=-1).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", rgb, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return cv2.cvtColor(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def rgba(color: np.ndarray | int, alpha: np.ndarray) -> np.ndarray:
    out = np.zeros((*alpha.shape, 4), np.uint8)
    out[..., :3] = color if np.isscalar(color) else np.asarray(color)[..., None]
    out[..., 3] = alpha
    return out


def parts_of_one_drawing() -> dict[str, np.ndarray]:
    """Drawings whose separate parts all belong to the item."""
    pair = np.full((400, 800), 255, np.uint8)  # two of the same item, side by side
    pair[:, :400], pair[:, 400:] = drawing(400, 5), drawing(400, 5)
    broken = drawing(400, 5)
    broken[150:260, :] = 255  # both sides of the outline cut through for over a quarter of its height
    hat = np.full((400, 400), 255, np.uint8)  # a crown over a brim drawn apart from it
    cv2.rectangle(hat, (140, 80), (260, 220), 0, 4)
    cv2.ellipse(hat, (200, 290), (180, 20), 0, 0, 360, 0, 4)
    return {"a pair": pair, "broken outline": broken, "brim apart from the crown": hat}


FORMS = {
    "light on dark": lambda: 255 - drawing(400, 5),
    "large and thick": lambda: drawing(1600, 7),
    "large with 1 px pen lines": lambda: drawing(2400, 400 / 2400),
    "small": lambda: drawing(120, 6),
    "rgb with grey ink": lambda: np.repeat(drawing(400, 5, ink=90, ground=230)[..., None], 3, axis=2),
    "strokes in alpha, black": lambda: rgba(0, 255 - drawing(400, 5)),
    "strokes in alpha, white": lambda: rgba(255, 255 - drawing(400, 5)),
    "dark strokes on transparent, black underneath": lambda: rgba(drawing(400, 5),
                                                                  np.where(drawing(400, 5) < 200, 255, 0)),
    "light strokes on transparent": lambda: rgba(255 - drawing(400, 5), 255 - drawing(400, 5)),
    "photo of paper": lambda: paper_photo(),
    "photo of paper, faint pencil": lambda: paper_photo(stroke_darkness=0.3, seed=1),
}
