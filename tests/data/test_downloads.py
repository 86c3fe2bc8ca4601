"""A caption file may name its pictures by web address, as shop exports do: each is downloaded once into the
cache, a picture that cannot be is skipped with the reason, and the catalogue folder is never written to."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sbkit.data import downloads
from sbkit.data.catalogue import other_drawings
from sbkit.data.resolve import resolve_catalogue
from sbkit.data.validate import load_valid, validate_catalogue


class _Server:
    """A web server on this machine serving ``folder``, counting the requests for each path."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.asked: Counter[str] = Counter()
        asked = self.asked

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                asked[self.path] += 1
                if self.path != "/slow.png":
                    super().do_GET()
                    return
                self.send_response(200)  # a byte at a time, never silent long enough for the socket to time out
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                try:
                    for _ in range(40):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.05)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the download gave up on it, as it should

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[_Server]:
    site = tmp_path / "site"
    site.mkdir()
    rng = np.random.default_rng(0)
    for name, side in (("a.jpg", 16), ("b.png", 64), ("c", 48), ("a-drawing.png", 32)):
        pixels = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)  # noise: the bigger side, the bigger file
        Image.fromarray(pixels).save(site / name, format="JPEG" if name.endswith(".jpg") else "PNG")
    (site / "page.html").write_text("<html><body>a product page</body></html>")
    served = _Server(site)
    yield served
    served.httpd.shutdown()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _shop(tmp_path: Path, url: str) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    rows = [("a", f"{url}/a.jpg", f"{url}/a-drawing.png"), ("b", f"{url}/b.png", f"{url}/gone.png"),
            ("c", f"{url}/c", ""), ("gone", f"{url}/gone.jpg", ""), ("page", f"{url}/page.html", ""),
            ("twice", f"{url}/a.jpg", "")]
    (root / "captions.csv").write_text("id,image,caption,sketch\n" + "".join(
        f"{item_id},{image},a red boot,{sketch}\n" for item_id, image, sketch in rows))
    return root


def test_pictures_named_by_web_address_are_downloaded_once_into_the_cache(
        tmp_path: Path, server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SBKIT_CACHE", str(tmp_path / "cache"))
    root = _shop(tmp_path, server.url)
    before = _files(root)

    catalogue = resolve_catalogue(str(root))

    found = {item.id: item for item in catalogue.items}
    assert sorted(found) == ["a", "b", "c", "twice"]
    assert found["a"].image == found["twice"].image == downloads.download_path(f"{server.url}/a.jpg")
    assert found["a"].image.is_relative_to(tmp_path / "cache" / "downloads") and found["a"].image.suffix == ".jpg"
    assert found["c"].image.suffix == ""  # no suffix in the address: read by its content
    assert found["a"].sketch == downloads.download_path(f"{server.url}/a-drawing.png") and found["a"].sketch.is_file()
    assert found["b"].sketch is None and other_drawings(found["b"]) == []  # its drawing is gone, its photo kept
    assert {s.kind for s in catalogue.skipped} == {"not_downloaded"} and len(catalogue.skipped) == 3
    messages = " | ".join(s.reason for s in catalogue.skipped)
    assert "item 'gone': image path" in messages and "404" in messages
    assert "item 'b': sketch path" in messages
    assert "item 'page': image path" in messages and "a web page, not a picture" in messages
    assert server.asked["/a.jpg"] == 1  # two rows, one download

    valid = load_valid(catalogue, use_cache=False)
    assert sorted(item.id for item in valid.items) == ["a", "b", "c", "twice"]
    assert validate_catalogue(catalogue, use_cache=False).n_drawn == 1

    resolve_catalogue(str(root))  # a second read asks again only for what it could not download
    assert server.asked["/a.jpg"] == 1 and server.asked["/c"] == 1 and server.asked["/gone.jpg"] == 2
    assert _files(root) == before


def test_downloading_can_be_turned_off_and_a_picture_too_large_is_refused(
        tmp_path: Path, server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SBKIT_CACHE", str(tmp_path / "cache"))
    root = _shop(tmp_path, server.url)

    off = resolve_catalogue(str(root), {"download": False})
    assert off.items == [] and not server.asked
    assert all("downloading is off (--data.download false)" in s.reason for s in off.skipped)

    monkeypatch.setattr(downloads, "MAX_BYTES", (server.folder / "a.jpg").stat().st_size)
    small = resolve_catalogue(str(root))
    assert [item.id for item in small.items] == ["a", "twice"]  # the small JPEG; the larger PNGs are refused
    too_large = [s.reason for s in small.skipped if "more than a product picture" in s.reason]
    assert sorted(r.split(" path")[0] for r in too_large) == ["item 'a': sketch", "item 'b': image", "item 'c': image"]
    assert not list((tmp_path / "cache").rglob("*.part*"))  # nothing half-written is left


def test_a_web_address_is_told_from_a_path() -> None:
    assert downloads.is_web_address("https://cdn.shop.com/a.jpg") and downloads.is_web_address(" HTTP://x/y.png")
    assert not downloads.is_web_address("photos/https.jpg") and not downloads.is_web_address("ftp://x/y.png")
    assert not downloads.is_web_address("C:\\photos\\a.jpg")


def test_a_server_that_sends_a_byte_now_and_then_is_given_up_on(
        tmp_path: Path, server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SBKIT_CACHE", str(tmp_path / "cache"))
    found = downloads.download_all([f"{server.url}/slow.png", f"{server.url}/a.jpg"], timeout=0.1)
    assert "sent too slowly" in found[f"{server.url}/slow.png"]
    assert found[f"{server.url}/a.jpg"] == downloads.download_path(f"{server.url}/a.jpg")
    assert not list((tmp_path / "cache").rglob("*.part*"))


def test_a_silent_host_is_given_up_on_and_a_host_that_answers_never_is(
        tmp_path: Path, server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SBKIT_CACHE", str(tmp_path / "cache"))
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # connections are taken in by the system and never answered
    try:
        host = f"127.0.0.1:{silent.getsockname()[1]}"
        quiet = [f"http://{host}/p{i}.jpg" for i in range(40)]
        missing = [f"{server.url}/missing-{i}.jpg" for i in range(20)]
        found = downloads.download_all(quiet + missing, timeout=0.3)
    finally:
        silent.close()
    asked = [found[a] for a in quiet if not found[a].startswith("not asked")]
    given_up = [found[a] for a in quiet if found[a].startswith("not asked")]
    assert len(asked) >= downloads.GIVE_UP_AFTER and all("timed out" in reason for reason in asked), asked
    assert len(given_up) >= 20, asked
    assert f"addresses on {host} got no answer, e.g. the download failed (TimeoutError" in given_up[0]
    assert all(found[a].startswith("the server answered 404") for a in missing)  # 20 failures, never given up on
