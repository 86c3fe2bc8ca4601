"""Accessory outlines: handbag and clutch (front view), sneaker and boot (side view, toe right), hat (front)."""

from __future__ import annotations

import numpy as np

from sbkit.data.demo.shapes import (
    CategoryShape, Options, Params, Shape, arc, band, bezier, path, pick, pts, rounded, uniform,
)

# --- handbag ---------------------------------------------------------------------------------------------------------


def sample_handbag(rng: np.random.Generator, length: str) -> tuple[Params, Options]:
    body = dict(width=(0.62, 0.78), height=(0.8, 1.02)) if length == "large" else dict(width=(0.36, 0.46),
                                                                                         height=(0.5, 0.66))
    params = uniform(rng, **body, taper=(0.7, 1.0), corner=(0.04, 0.2), handle=(0.32, 0.58),
                     spread=(0.4, 0.75), thickness=(0.045, 0.075), flap=(0.3, 0.55))
    return params, pick(rng, handle=2, flap=2, clasp=2)


def build_handbag(length: str, p: Params, o: Options) -> Shape:
    bottom, top, height = p["width"], p["width"] * p["taper"], p["height"]
    body = rounded(pts((-top, 0.0), (top, 0.0), (bottom, height), (-bottom, height)),
                   [0.03, 0.03, p["corner"], p["corner"]])
    spread = top * p["spread"]
    curve = arc(0.0, 0.02, spread, p["handle"], 180, 360, 24, power=4.0 if o["handle"] else 2.0)
    shape = Shape([body, band(curve, p["thickness"])])
    if o["flap"]:
        y = height * p["flap"]
        flap = bezier((-top * 1.02, 0.02), (-top * 1.02, y * 1.3), (0.0, y * 1.3), 8)
        shape.lines.append(path(flap, flap[::-1][1:] * np.array([-1.0, 1.0])))
    else:
        shape.lines.append(pts((-top * 0.92, 0.1), (top * 0.92, 0.1)))
    shape.lines.append(curve - np.array([0.0, p["thickness"] * 0.5]))
    if o["clasp"]:
        y = height * p["flap"] * 1.3 if o["flap"] else 0.22
        shape.details.append(rounded(pts((-0.05, y - 0.04), (0.05, y - 0.04), (0.05, y + 0.04), (-0.05, y + 0.04)),
                                     0.015))
    shape.details.append(pts((-bottom * 0.92, height - 0.06), (bottom * 0.92, height - 0.06)))
    return shape


# --- clutch ----------------------------------------------------------------------------------------------------------


def sample_clutch(rng: np.random.Generator, length: str) -> tuple[Params, Options]:
    size = dict(width=(0.95, 1.15), height=(0.9, 1.1)) if length == "large" else dict(width=(0.55, 0.66),
                                                                                       height=(0.7, 0.86))
    params = uniform(rng, **size, corner=(0.02, 0.14), flap=(0.35, 0.75), strap=(0.22, 0.34))
    return params, pick(rng, flap=3, strap=2, clasp=2)


def build_clutch(length: str, p: Params, o: Options) -> Shape:
    w, h = p["width"], p["height"]
    shape = Shape([rounded(pts((-w, 0.0), (w, 0.0), (w, h), (-w, h)), p["corner"])])
    depth = h * p["flap"]
    if o["flap"] == 0:
        shape.lines.append(pts((-w, 0.02), (0.0, depth), (w, 0.02)))
    elif o["flap"] == 1:
        shape.lines.append(pts((-w, depth * 0.6), (w, depth * 0.6)))
    else:
        shape.lines.append(path((-w, 0.02), bezier((-w, depth), (0.0, depth * 1.2), (w, depth), 12), (w, 0.02)))
    if o["strap"]:  # a wrist strap looping from the right side
        loop = arc(w + p["strap"] * 0.35, h * 0.4, p["strap"], p["strap"] * 0.85, 235, 485, 24)
        shape.polygons.append(band(loop, 0.05))
        shape.lines.append(loop)
    if o["clasp"]:
        y = depth if o["flap"] != 1 else depth * 0.6
        shape.details.append(arc(0.0, y, 0.05, 0.05, 0, 360, 12))
    return shape


# --- sneaker ---------------------------------------------------------------------------------------------------------


def sample_sneaker(rng: np.random.Generator, length: str) -> tuple[Params, Options]:
    params = uniform(rng, sole=(0.07, 0.13), toe=(0.15, 0.22), toe_round=(0.07, 0.14), collar_x=(0.32, 0.44),
                     heel_tilt=(-0.04, 0.05))
    params |= uniform(rng, collar=(0.62, 0.8) if length == "high" else (0.3, 0.4))
    return params, pick(rng, stripe=3, laces=2)


def build_sneaker(length: str, p: Params, o: Options) -> Shape:
    sole, toe, collar = p["sole"], p["toe"], p["collar"]
    front = p["collar_x"]
    back = 0.04 + p["heel_tilt"]
    upper = path(
        (0.0, -sole), (0.98, -sole),
        bezier((0.98, -sole), (1.02, -toe * 0.6), (1.0 - p["toe_round"] * 1.5, -toe), 6),
        bezier((0.8, -toe * 1.1), (0.6, -toe * 1.3), (front + 0.1, -min(collar * 0.85, toe * 2.1)), 8),
        (front + 0.02, -collar * 0.9), (front, -collar), (back + 0.06, -collar * 1.03),
        bezier((back, -collar * 0.95), (back - 0.04, -collar * 0.4), (0.0, -sole), 8),
    )
    sole_poly = rounded(pts((-0.02, 0.0), (1.03, 0.0), (1.03, -sole - 0.01), (-0.02, -sole - 0.01)),
                        [0.03, 0.06, 0.04, 0.02])
    shape = Shape([upper], accents=[(sole_poly, "sole-light")])
    shape.lines.append(pts((0.0, -sole), (1.0, -sole)))
    lace_line = bezier((0.7, -toe * 1.2), (0.55, -toe * 1.45), (front + 0.1, -min(collar * 0.8, toe * 2.0)), 8)
    shape.lines.append(lace_line)
    if o["laces"]:
        for t in np.linspace(0.15, 0.85, 4):
            x, y = lace_line[int(t * (len(lace_line) - 1))]
            shape.details.append(pts((x - 0.05, y + 0.04), (x + 0.05, y - 0.04)))
    if o["stripe"] == 1:
        shape.details.append(bezier((0.3, -sole - 0.05), (0.5, -toe * 1.2), (0.72, -toe * 1.1), 8))
    elif o["stripe"] == 2:
        for dx in (0.0, 0.06, 0.12):
            shape.details.append(pts((0.32 + dx, -sole - 0.03), (0.42 + dx, -min(collar, toe * 1.6))))
    return shape


# --- boot ------------------------------------------------------------------------------------------------------------


def sample_boot(rng: np.random.Generator, length: str) -> tuple[Params, Options]:
    params = uniform(rng, heel=(0.0, 0.24), heel_w=(0.16, 0.26), sole=(0.04, 0.07), toe=(0.16, 0.22),
                     point=(0.0, 0.12), shaft=(0.34, 0.44), flare=(0.95, 1.2))
    params |= uniform(rng, height=(1.45, 1.9) if length == "high" else (0.5, 0.7))
    return params, pick(rng, zip=2, cuff=2)


def build_boot(length: str, p: Params, o: Options) -> Shape:
    heel, sole, toe, height = p["heel"], p["sole"], p["toe"], p["height"]
    shaft_front = p["shaft"]
    top_front = shaft_front * p["flare"] + 0.02
    tip = 1.0 + p["point"]
    upper = path(
        (0.02, -heel - sole), (0.3, -heel * 0.8 - sole),
        bezier((0.5, -sole * 1.1), (0.75, -sole), (tip - 0.05, -sole), 6),
        bezier((tip - 0.02, -sole), (tip + 0.02, -toe * 0.5), (tip - 0.15 - p["point"], -toe), 6),
        bezier((0.7, -toe * 1.15), (shaft_front + 0.05, -toe * 1.4), (shaft_front, -toe * 2.3), 8),
        (top_front, -height), (-0.03 - (p["flare"] - 1.0) * 0.2, -height),
        bezier((0.0, -height * 0.5), (-0.04, -heel - 0.25), (0.02, -heel - sole), 6),
    )
    outsole = path((0.3, -heel * 0.8 - sole), bezier((0.5, -sole * 1.1), (0.75, -sole), (tip - 0.05, -sole), 6),
                   (tip - 0.05, 0.0), (0.5, 0.0), (0.32, -heel * 0.8))
    heel_block = pts((0.0, -heel - sole), (p["heel_w"] + 0.02, -heel - sole), (p["heel_w"] - 0.02, 0.0),
                     (0.02, 0.0))
    shape = Shape([upper], accents=[(outsole, "sole-dark"), (heel_block, "sole-dark")])
    shape.lines.append(path((0.02, -heel - sole), (0.3, -heel * 0.8 - sole),
                            bezier((0.5, -sole * 1.1), (0.75, -sole), (tip - 0.05, -sole), 6)))
    shape.lines.append(bezier((shaft_front, -toe * 2.3), (shaft_front * 0.5, -toe * 2.0), (0.0, -toe * 2.4), 6))
    if o["zip"]:
        shape.details.append(pts((0.06, -height * 0.95), (0.06, -heel - 0.12)))
    if o["cuff"]:
        y = -height + 0.1
        shape.details.append(pts((-0.02, y), (top_front - 0.01, y)))
    return shape


# --- hat -------------------------------------------------------------------------------------------------------------


def sample_hat(rng: np.random.Generator, length: str) -> tuple[Params, Options]:
    params = uniform(rng, crown=(0.38, 0.5), crown_h=(0.42, 0.78), top=(0.7, 0.95), brim_t=(0.06, 0.12),
                     droop=(-0.04, 0.14), ribbon=(0.07, 0.14))
    params |= uniform(rng, brim=(1.05, 1.4) if length == "wide" else (0.58, 0.74))
    return params, pick(rng, crown=3, bow=2)


def build_hat(length: str, p: Params, o: Options) -> Shape:
    cw, ch, top = p["crown"], p["crown_h"], p["crown"] * p["top"]
    if o["crown"] == 0:  # dome
        crown = path((-cw, 0.0), arc(0.0, -ch * 0.45, cw, ch * 0.55, 180, 360, 20), (cw, 0.0))
    elif o["crown"] == 1:  # fedora with a pinched top
        crown = path((-cw, 0.0), (-top, -ch * 0.9), bezier((-top * 0.9, -ch), (0.0, -ch * 0.8), (top * 0.9, -ch), 8),
                     (top, -ch * 0.9), (cw, 0.0))
    else:  # boater: flat top
        crown = rounded(pts((-cw, 0.0), (-top, -ch * 0.8), (top, -ch * 0.8), (cw, 0.0)), [0.0, 0.05, 0.05, 0.0])
    x = np.linspace(-p["brim"], p["brim"], 24)
    rise = p["brim_t"] * (1 - (x / p["brim"]) ** 2) ** 0.5
    droop = p["droop"] * (x / p["brim"]) ** 2
    brim = np.concatenate([np.stack([x, droop - rise], 1), np.stack([x, droop + rise * 0.6], 1)[::-1]])
    ribbon = pts((-cw * 0.99, 0.0), (-cw * 0.99 + (cw - top) * p["ribbon"] / ch, -p["ribbon"]),
                 (cw * 0.99 - (cw - top) * p["ribbon"] / ch, -p["ribbon"]), (cw * 0.99, 0.0))
    shape = Shape([crown, brim], accents=[(ribbon, "trim")])
    shape.lines.append(ribbon[1:3])
    shape.lines.append(pts((-cw, 0.0), (cw, 0.0)))
    if o["bow"]:
        shape.details.append(pts((cw * 0.5, -p["ribbon"]), (cw * 0.7, -p["ribbon"] * 1.6), (cw * 0.75, 0.02)))
    return shape


ACCESSORIES: dict[str, CategoryShape] = {
    "handbag": CategoryShape(sample_handbag, build_handbag),
    "clutch": CategoryShape(sample_clutch, build_clutch),
    "sneaker": CategoryShape(sample_sneaker, build_sneaker),
    "boot": CategoryShape(sample_boot, build_boot),
    "hat": CategoryShape(sample_hat, build_hat),
}
