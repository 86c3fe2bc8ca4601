"""Gallery thumbnails: made once per item on first request, then served from memory."""

from __future__ import annotations

import threading
from collections import OrderedDict

import cv2

from sbkit.data.images import read_image
from sbkit.data.sources import ImageSource


class Thumbnails:
    """JPEG thumbnails of at most ``side`` px, the last ``capacity`` kept in memory (least recently used out)."""

    def __init__(self, side: int = 192, capacity: int = 4096, quality: int = 85) -> None:
        self.side, self.capacity, self.quality = side, capacity, quality
        self._cache: OrderedDict[ImageSource, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: ImageSource) -> bytes:
        """The thumbnail of the photo at ``path``.

        Raises:
            DataError: the photo cannot be read.
        """
        with self._lock:
            if path in self._cache:
                self._cache.move_to_end(path)
                return self._cache[path]
        data = self._make(path)
        with self._lock:
            self._cache[path] = data
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return data

    def _make(self, path: ImageSource) -> bytes:
        photo = read_image(path)
        height, width = photo.shape[:2]
        scale = min(1.0, self.side / max(height, width))
        if scale < 1:
            photo = cv2.resize(photo, (max(1, round(width * scale)), max(1, round(height * scale))),
                               interpolation=cv2.INTER_AREA)
        ok, buffer = cv2.imencode(".jpg", cv2.cvtColor(photo, cv2.COLOR_RGB2BGR),
                                  [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:
            raise ValueError(f"could not encode a thumbnail of {path}")
        return buffer.tobytes()
