"""Garment outlines, front view: trouser, skirt, dress, t-shirt and coat."""

from __future__ import annotations

import numpy as np

from sbkit.data.demo.shapes import (
    CategoryShape, Options, Params, Shape, arc, bezier, both_sides, mirrored, path, pick, pts, uniform,
)

HALF_WAIST = 0.5


# --- trouser ---------------------------------------------------------------------------------------------------------

def sample_trouser(rng: np.random.Generator, length: str) -> tuple[Params, Options]:
    params = uniform(rng, hip=(1.02, 1.16), rise=(0.34, 0.46), band=(0.06, 0.1), knee=(-0.04, 0.03))
    if length == "long":
        params |= uniform(rng, leg=(1.85, 2.35), hem=(0.17, 0.36), gap=(0.03, 0.11))
    else:
        params |= uniform(rng, leg=(0.7, 0.9), hem=(0.3, 0.4), gap=(0.05, 0.13))
    return params, pick(rng, pockets=3, cuffs=2)


def build_trouser(length: str, p: Params, o: Options) -> Shape:
    hw, hip_y, leg = HALF_WAIST, p["rise"] * 0.85, p["leg"]
    hip_x = hw * p["hip"]
    outer_hem, inner_hem = p["gap"] + p["hem"], p["gap"]
    knee_y = (hip_y + leg) / 2
    knee_x = (hip_x + outer_hem) / 2 + p["knee"]
    crotch = p["rise"] + 0.04 if length == "long" else p["rise"] * 0.8
    right = path((0.0, 0.0), (hw, 0.0), bezier((hw, 0.0), (hip_x, hip_y * 0.4), (hip_x, hip_y), 6),
                 (knee_x, knee_y), (outer_hem, leg), (inner_hem, leg), (0.03, crotch), (0.0, crotch))
    shape = Shape([mirrored(right)])
    shape.lines.append(pts((-hw, p["band"]), (hw, p["band"])))
    shape.lines.append(pts((0.0, p["band"]), (0.0, crotch * 0.85)))
    if o["pockets"] == 1:
        shape.details += both_sides(pts((hw * 0.5, p["band"]), (hip_x * 0.96, hip_y * 0.75)))
    elif o["pockets"] == 2:
        shape.details += both_sides(pts((hip_x * 0.92, p["band"] + 0.02), (hip_x * 0.98, hip_y * 1.1)))
    if o["cuffs"]:
        cuff = leg - 0.07
        shape.details += both_sides(pts((inner_hem + 0.01, cuff), (outer_hem - 0.01, cuff)))
    return shape


# --- skirt -----------------------------------------------------------------------------------------------------------

SKIRT_LENGTHS = {"mini": (0.62, 0.8), "midi": (0.95, 1.15), "maxi": (1.45, 1.75)}
SKIRT_FLARES = {"mini": (1.1, 1.5), "midi": (1.15, 1.9), "maxi": (1.1, 1.7)}


def sample_skirt(rng: np.random.Generator, length: str) -> tuple[Params, Options]:
    params = uniform(rng, band=(0.05, 0.1), hip=(1.0, 1.12), bulge=(0.0, 0.09), length=SKIRT_LENGTHS[length])
    params |= uniform(rng, flare=SKIRT_FLARES[length])
    return params, pick(rng, pleats=3, buttons=2)


def build_skirt(length: str, p: Params, o: Options) -> Shape:
    hw, height = HALF_WAIST, p["length"]
    hip = (hw * p["hip"], 0.22)
    hem_x = hw * p["flare"]
    right = path((0.0, 0.0), (hw, 0.0), bezier((hw, 0.0), (hip[0], 0.1), hip, 5), (hem_x, height),
                 bezier((hem_x, height), (hem_x * 0.5, height + p["bulge"]), (0.0, height + p["bulge"]), 8))
    shape = Shape([mirrored(right)])
    shape.lines.append(pts((-hw, p["band"]), (hw, p["band"])))
    if o["pleats"]:
        count = 2 + 2 * o["pleats"]
        for i in range(1, count):
            t = i / count * 2 - 1
            shape.lines.append(pts((t * hw * 0.9, p["band"] + 0.05), (t * hem_x * 0.92, height + p["bulge"] * 0.6)))
    else:
        shape.lines.append(pts((0.0, p["band"]), (0.0, height + p["bulge"])))
    if o["buttons"]:
        shape.details += [arc(0.0, p["band"] + 0.08 + 0.12 * i, 0.018, 0.018, 0, 360, 8) for i in range(3)]
    return shape


# --- dress -----------------------------------------------------------------------------------------------------------

DRESS_LENGTHS = {"mini": (0.5, 0.68), "midi": (0.95, 1.15), "maxi": (1.5, 1.8)}
DRESS_FLARES = {"mini": (1.2, 1.8), "midi": (1.3, 2.3), "maxi": (1.3, 2.2)}


def sample_dress(rng: np.random.Generator, length: str) -> tuple[Params, Options]:
    params = uniform(rng, shoulder=(0.34, 0.5), neck=(0.12, 0.2), neck_depth=(0.08, 0.28), bust=(0.4, 0.5),
                     armpit=(0.32, 0.42), waist=(0.3, 0.4), waist_y=(0.72, 0.88), flare=DRESS_FLARES[length],
                     bulge=(0.0, 0.08), length=DRESS_LENGTHS[length])
    return params, pick(rng, sleeves=3, neckline=3, belt=2)


def build_dress(length: str, p: Params, o: Options) -> Shape:
    neck, depth, shoulder = p["neck"], p["neck_depth"], max(p["shoulder"], p["neck"] + 0.1)
    if o["neckline"] == 0:
        neckline = bezier((0.0, depth), (neck, depth), (neck, 0.0), 8)
    elif o["neckline"] == 1:
        neckline = pts((0.0, depth * 1.5), (neck, 0.0))
    else:
        neckline = pts((0.0, depth), (neck, depth), (neck, 0.0))
    armpit = (p["bust"], p["armpit"])
    top = (shoulder, 0.03)
    if o["sleeves"] == 0:
        sleeve = bezier(top, (shoulder - 0.06, p["armpit"] * 0.7), armpit, 8)
    elif o["sleeves"] == 1:
        sleeve = path(top, (shoulder + 0.09, 0.14), (shoulder + 0.05, 0.27), armpit)
    else:
        sleeve = path(top, (shoulder + 0.2, 0.3), (shoulder + 0.12, 0.4), armpit)
    waist = (p["waist"], p["waist_y"])
    hem_y = p["waist_y"] + p["length"]
    hem_x = p["waist"] * p["flare"]
    right = path(neckline, sleeve, bezier(armpit, (p["bust"], (armpit[1] + waist[1]) / 2), waist, 6),
                 (hem_x, hem_y), bezier((hem_x, hem_y), (hem_x * 0.5, hem_y + p["bulge"]),
                                        (0.0, hem_y + p["bulge"]), 8))
    shape = Shape([mirrored(right)])
    shape.lines.append(pts((-p["waist"], p["waist_y"]), (p["waist"], p["waist_y"])))
    shape.lines.append(pts((0.0, p["waist_y"]), (0.0, hem_y + p["bulge"] * 0.5)))
    if o["belt"]:
        shape.details.append(pts((-p["waist"], p["waist_y"] + 0.06), (p["waist"], p["waist_y"] + 0.06)))
    if o["sleeves"]:
        shape.details += both_sides(pts(top, armpit))
    return shape


# --- t-shirt and coat ------------------------------------------------------------------------------------------------

def _sleeve(shoulder: tuple[float, float], armpit: tuple[float, float], angle: float, length: float,
            cuff: float) -> tuple[np.ndarray, np.ndarray]:
    """The outer sleeve path from shoulder to armpit, and a stitch line just inside the cuff."""
    theta = np.radians(angle)
    direction = np.array([np.sin(theta), np.cos(theta)])
    inward = np.array([-np.cos(theta), np.sin(theta)])
    end_top = np.asarray(shoulder) + direction * length
    end_bottom = end_top + inward * cuff
    stitch = np.stack([end_top, end_bottom]) - direction * min(0.07, length * 0.2)
    return path(shoulder, end_top, end_bottom, armpit), stitch


def sample_tshirt(rng: np.random.Generator, length: str) -> tuple[Params, Options]:
    params = uniform(rng, neck=(0.15, 0.22), neck_depth=(0.06, 0.14), shoulder=(0.5, 0.62), body=(0.44, 0.58),
                     armpit=(0.36, 0.48), hem=(1.1, 1.45), taper=(0.88, 1.06), bulge=(0.0, 0.05))
    if length == "long":
        params |= uniform(rng, sleeve=(0.95, 1.2), angle=(18.0, 34.0), cuff=(0.13, 0.2))
    else:
        params |= uniform(rng, sleeve=(0.24, 0.4), angle=(45.0, 66.0), cuff=(0.2, 0.3))
    return params, pick(rng, neckline=2, pocket=2)


def build_tshirt(length: str, p: Params, o: Options) -> Shape:
    neck, depth = p["neck"], p["neck_depth"] * (2.2 if o["neckline"] else 1.0)
    neckline = bezier((0.0, depth), (neck * (0.3 if o["neckline"] else 1.0), depth), (neck, 0.0), 8)
    shoulder = (p["shoulder"], 0.08)
    armpit = (p["body"], p["armpit"])
    sleeve, cuff = _sleeve(shoulder, armpit, p["angle"], p["sleeve"], p["cuff"])
    hem = (p["body"] * p["taper"], p["hem"])
    right = path(neckline, sleeve, hem, bezier(hem, (hem[0] * 0.5, hem[1] + p["bulge"]), (0.0, hem[1] + p["bulge"]), 8))
    shape = Shape([mirrored(right)])
    rib = np.concatenate([neckline[::-1], neckline[1:] * np.array([-1.0, 1.0])])
    shape.lines.append(rib + np.array([0.0, 0.04]))
    shape.lines.append(pts((-hem[0] * 0.98, hem[1] - 0.06), (hem[0] * 0.98, hem[1] - 0.06)))
    shape.details += both_sides(pts(shoulder, armpit)) + both_sides(cuff)
    if o["pocket"]:
        x, y = p["body"] * 0.35, p["armpit"] + 0.08
        shape.details.append(pts((x, y), (x + 0.16, y), (x + 0.16, y + 0.18), (x, y + 0.18), (x, y)))
    return shape


def sample_coat(rng: np.random.Generator, length: str) -> tuple[Params, Options]:
    params = uniform(rng, neck=(0.14, 0.2), lapel=(0.35, 0.6), shoulder=(0.56, 0.68), body=(0.5, 0.6),
                     armpit=(0.42, 0.52), taper=(0.95, 1.3), sleeve=(1.0, 1.25), angle=(10.0, 22.0),
                     cuff=(0.16, 0.22), hood=(0.3, 0.42))
    params |= uniform(rng, hem=(1.8, 2.25) if length == "long" else (1.05, 1.3))
    return params, pick(rng, collar=3, belt=2, pockets=2, buttons=2)


def build_coat(length: str, p: Params, o: Options) -> Shape:
    neck, hood = p["neck"], p["hood"]
    shoulder = (p["shoulder"], 0.1)
    armpit = (p["body"], p["armpit"])
    sleeve, cuff = _sleeve(shoulder, armpit, p["angle"], p["sleeve"], p["cuff"])
    hem = (p["body"] * p["taper"], p["hem"])
    if o["collar"] == 2:  # a hood rises above the neck
        top = path(arc(0.0, 0.02, neck + 0.12, hood, -90, 0, 12), (neck + 0.16, 0.06))
    elif o["collar"] == 1:  # a stand collar
        top = pts((0.0, -0.02), (neck, -0.07), (neck + 0.03, 0.04))
    else:
        top = pts((0.0, 0.02), (neck, -0.02), (neck + 0.04, 0.04))
    right = path(top, sleeve, hem, (0.0, hem[1] + 0.02))
    shape = Shape([mirrored(right)])
    shape.lines.append(pts((0.0, p["lapel"]), (0.0, hem[1])))
    if o["collar"] == 0:
        lapel = pts((neck, 0.0), (neck + 0.1, p["lapel"] * 0.45), (0.0, p["lapel"]))
        shape.lines.append(np.concatenate([lapel, lapel[-2::-1] * np.array([-1.0, 1.0])]))
    else:
        shape.lines.append(pts((-neck, 0.02), (0.0, 0.06), (neck, 0.02)))
    shape.details += both_sides(cuff)
    if o["belt"]:
        y = p["armpit"] + 0.28
        shape.details.append(pts((-p["body"] * 1.02, y), (p["body"] * 1.02, y)))
    if o["pockets"]:
        y = min(hem[1] - 0.25, p["armpit"] + 0.5)
        shape.details += both_sides(pts((p["body"] * 0.35, y), (p["body"] * 0.8, y)))
    for i in range(3 + o["buttons"]):
        y = p["lapel"] + 0.05 + i * 0.17
        shape.details.append(arc(0.06, y, 0.02, 0.02, 0, 360, 8))
    return shape


GARMENTS: dict[str, CategoryShape] = {
    "trouser": CategoryShape(sample_trouser, build_trouser),
    "skirt": CategoryShape(sample_skirt, build_skirt),
    "dress": CategoryShape(sample_dress, build_dress),
    "t-shirt": CategoryShape(sample_tshirt, build_tshirt),
    "coat": CategoryShape(sample_coat, build_coat),
}
