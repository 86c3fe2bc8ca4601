"""Builders shared by the ``test_a_*`` reliability tests: drawings in every format, bombs, photo folders,
processes to watch, and the CLI run in-process or as the ``sbkit`` command."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from sbkit.cli.app import main


FILES = Path(__file__).parent / "files"  # pictures no library here can write
DRESS = [[60, 20], [100, 20], [110, 60], [135, 140], [25, 140], [50, 60]]  # the outline of strokes(), at 160 px


def strokes(size: int = 160) -> np.ndarray:
    """(size, size) uint8: a dress-like outline, dark lines (0) on white (255)."""
    image = np.full((size, size), 255, np.uint8)
    s = size / 160
    points = np.array(DRESS) * s
    cv2.polylines(image, [points.astype(np.int32)], True, 0, max(2, round(3 * s)))
    cv2.line(image, (round(60 * s), round(60 * s)), (round(100 * s), round(60 * s)), 0, max(2, round(3 * s)))
    return image


def bomb_png(path: Path, width: int, height: int) -> Path:
    """A PNG of a few dozen bytes whose header says ``width`` x ``height`` 1-bit pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
                     + chunk(b"IEND", b""))
    return path


def drawing_files(folder: Path) -> dict[str, Path]:
    """One file per image format class, each holding the same drawing (see :func:`strokes`)."""
    folder.mkdir(parents=True, exist_ok=True)
    gray = strokes()
    rgb = np.stack([gray] * 3, axis=-1)
    ink = gray < 128
    files: dict[str, Path] = {}

    def save(name: str, image: Image.Image, **options) -> None:
        files[name.split(".")[0]] = folder / name
        image.save(folder / name, **options)

    save("png-1bit.png", Image.fromarray(gray).convert("1"))
    save("png-8bit-grey.png", Image.fromarray(gray))
    save("png-16bit.png", Image.fromarray(gray.astype(np.uint16) * 257))
    save("png-rgb.png", Image.fromarray(rgb))
    alpha = np.where(ink, 255, 0).astype(np.uint8)  # strokes only in the alpha channel, colour is flat
    save("png-rgba-alpha-strokes.png", Image.fromarray(np.dstack([np.zeros_like(rgb), alpha])))
    save("png-rgba-transparent-ground.png", Image.fromarray(np.dstack([rgb, alpha])))
    save("png-palette.png", Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=4))
    palette = Image.fromarray(gray).convert("P")
    palette.info["transparency"] = 255
    save("png-palette-transparent.png", palette, transparency=255)
    save("jpeg-rgb.jpg", Image.fromarray(rgb), quality=90)
    save("jpeg-grey.jpg", Image.fromarray(gray), quality=90)
    save("jpeg-cmyk.jpg", Image.fromarray(rgb).convert("CMYK"), quality=90)
    save("gif.gif", Image.fromarray(gray).convert("P"))
    save("webp.webp", Image.fromarray(rgb), quality=90)
    save("tiff.tif", Image.fromarray(rgb))
    save("bmp.bmp", Image.fromarray(rgb))
    exif = Image.Exif()
    exif[0x0112] = 6  # a phone's portrait photo: stored a quarter turn back, shown turned a quarter clockwise
    save("jpeg-phone-turned.jpg", Image.fromarray(rgb).transpose(Image.Transpose.ROTATE_90), quality=90,
         exif=exif.tobytes())
    save("white-on-black.png", Image.fromarray(255 - gray))
    save("light-pencil.jpg", Image.fromarray(np.where(ink, 210, 246).astype(np.uint8)), quality=90)
    save("yellow-pen.png", Image.fromarray(np.where(ink[..., None], (245, 215, 40), 255).astype(np.uint8)))
    save("avif.avif", Image.fromarray(rgb), quality=90)
    outline = " ".join(f"{x},{y}" for x, y in DRESS)  # a vector app's export: the same lines, in a 1600-unit page
    (folder / "vector.svg").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="160mm" '
        'height="160mm" viewBox="0 0 1600 1600"><g transform="scale(10)" fill="none" stroke="#222" '
        f'stroke-width="3"><polygon points="{outline}"/><path d="M60 60 H100"/></g></svg>\n', encoding="utf-8")
    files["svg"] = folder / "vector.svg"
    files["heic-phone-turned"] = FILES / "dress-phone.heic"
    return files


def bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Files no command can use, each with the skip reason every command must give it."""
    folder.mkdir(parents=True, exist_ok=True)
    good = cv2.imencode(".png", strokes())[1].tobytes()
    jpeg = cv2.imencode(".jpg", np.stack([strokes()] * 3, axis=-1))[1].tobytes()
    (folder / "truncated.png").write_bytes(good[: len(good) // 2])
    (folder / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.png").write_text("this is a text file renamed .png\n", encoding="utf-8")
    cv2.imwrite(str(folder / "tiny.png"), np.zeros((1, 1), np.uint8))
    bomb_png(folder / "bomb-10k.png", 10_000, 10_000)
    bomb_png(folder / "bomb-20k.png", 20_000, 20_000)
    return {
        "truncated-png": (folder / "truncated.png", "corrupt_image"),
        "truncated-jpeg": (folder / "truncated.jpg", "corrupt_image"),
        "zero-bytes": (folder / "empty.png", "not_an_image"),
        "text-renamed-png": (folder / "notes.png", "not_an_image"),
        "1-pixel": (folder / "tiny.png", "too_small"),
        "bomb-10000x10000": (folder / "bomb-10k.png", "too_large"),
        "bomb-20000x20000": (folder / "bomb-20k.png", "too_large"),
    }


def photo_folder(folder: Path, n: int, side: int = 96) -> Path:
    """``n`` small product-like JPEG photos, each different."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        image = np.full((side, side, 3), 236, np.uint8)
        cv2.circle(image, (side // 2, side // 2), side // 5 + i % (side // 4), (30 + 2 * i % 200, 90, 160), -1)
        cv2.rectangle(image, (side // 6, side // 6 + i % 7), (side // 3, side // 2), (20, 20 + i % 150, 20), 2)
        cv2.imwrite(str(folder / f"p{i:03d}.jpg"), image)
    return folder


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """Run ``sbkit ARGS`` in this process through the console entry point: (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def sbkit_command(*args: object, cwd: Path | None = None) -> list[str]:
    """The argv of the ``sbkit`` command run as a child process (``python -m sbkit``, this interpreter)."""
    return [sys.executable, "-m", "sbkit", *map(str, args)]


def run_sbkit(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(sbkit_command(*args), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "SBKIT_QUIET": "1"})


def one_error_line(stderr: str) -> str:
    """The single line of a refused command's stderr; fails when there is a traceback or more lines."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr and len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


def children(pid: int) -> list[int]:
    """Pids of the live (not zombie) children of ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has ended; it only awaits reaping)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def copy_run(run_dir: Path, to: Path) -> Path:
    shutil.copytree(run_dir, to)
    return to


def flip_byte(path: Path, offset: int | None = None) -> None:
    """Flip one bit of one byte (the middle one by default), in place."""
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if offset is None else offset
    data[at] ^= 0x10
    path.write_bytes(bytes(data))
