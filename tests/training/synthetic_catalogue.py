"""A tiny learnable catalogue for training tests: coloured boxes, their outlines, and captions."""

from __future__ import annotations

import torch

from sbkit.training import TrainData

COLOURS = {"red": (220, 40, 40), "green": (40, 200, 60), "blue": (40, 60, 220), "black": (20, 20, 20)}
PLACES = ("left", "right", "top", "bottom")



def synthetic_data(n: int = 64, size: int = 32, seed: int = 0) -> TrainData:
    """Coloured boxes: the photo is a filled box, the sketch its outline, the caption its colour and place.

    Two rows share each product id (the same box, jittered), so labels carry real positives.
    """
    g = torch.Generator().manual_seed(seed)
    images = torch.full((n, 3, size, size), 245, dtype=torch.uint8)
    sketches = torch.full((n, 1, size, size), 255, dtype=torch.uint8)
    captions, labels = [], []
    names = list(COLOURS)
    for i in range(n):
        product = i // 2
        colour, place = names[product % 4], PLACES[(product // 4) % 4]
        half = size // 2
        y0, x0 = {"left": (8, 2), "right": (8, half), "top": (2, 8), "bottom": (half, 8)}[place]
        h = w = half - 4 + (product // 16) * 2
        jitter = torch.randint(0, 3, (2,), generator=g).tolist()
        y0, x0 = y0 + jitter[0], x0 + jitter[1]
        images[i, :, y0:y0 + h, x0:x0 + w] = torch.tensor(COLOURS[colour], dtype=torch.uint8).view(3, 1, 1)
        sketches[i, 0, y0:y0 + h, x0:x0 + w] = 0
        sketches[i, 0, y0 + 1:y0 + h - 1, x0 + 1:x0 + w - 1] = 255
        captions.append(f"a {colour} box on the {place}")
        labels.append(product)
    return TrainData(images, sketches, captions, torch.tensor(labels))
