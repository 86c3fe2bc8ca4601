"""Arithmetic on line directions in radians, which are the same turned by pi (a line has no head)."""

from __future__ import annotations

import numpy as np


def turn(theta: np.ndarray | float, angle: float) -> np.ndarray:
    """The turn from ``angle`` to each line direction, in radians (-pi/2 to pi/2; directions are taken modulo pi)."""
    return (np.asarray(theta) - angle + np.pi / 2) % np.pi - np.pi / 2


def angle_apart(theta: np.ndarray | float, angle: float) -> np.ndarray:
    """How far apart line directions are, in radians (0 to pi/2)."""
    return np.abs(turn(theta, angle))
