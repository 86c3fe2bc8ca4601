"""The drawing page in a real browser: Debian's chromium driven by Playwright, against `sbkit serve` on a tiny run.

Skipped where chromium or Playwright is missing, and the reason printed in pytest's summary (`-rs` is in
the project's pytest options); `.ci/run` installs chromium.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 60


def _missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing; install Debian's chromium (`apt-get install -y chromium`, as .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is missing; install the test extra: pip install -e '.[test]'"
    return None


REASON = _missing()
if REASON:
    pytest.skip(REASON, allow_module_level=True)  # pytest prints the reason (addopts has -rs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


@contextmanager
def serving(run_dir: Path, log: Path) -> Iterator[str]:
    """`sbkit serve RUN_DIR` as a subprocess on a free port; its address while the block runs."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "sbkit", "serve", str(run_dir), "--port", str(port),
                                    "--workers", "2"], stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if get_json(f"{url}/api/health")["status"] == "ok":
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sbkit serve did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def server(run_dir: Path, tmp_path_factory):
    """`sbkit serve` on the session's tiny run."""
    with serving(run_dir, tmp_path_factory.mktemp("serve") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1200, "height": 900})
        yield context
        context.close()


def searches(page) -> int:
    return int(page.get_attribute("#results", "data-search") or 0)


def wait_for_search_after(page, count: int) -> None:
    page.wait_for_function(f"() => Number(document.querySelector('#results').dataset.search || 0) > {count}",
                           timeout=15_000)


def top_ids(page, n: int = 5) -> list[str]:
    return page.eval_on_selector_all("#results li", f"items => items.slice(0, {n}).map(li => li.dataset.id)")


def stroke(page, points: list[tuple[float, float]]) -> None:
    """Draw one stroke with the mouse through ``points`` given in 0..1 of the canvas."""
    box = page.locator("#canvas").bounding_box()
    at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=6)
    page.mouse.up()


def test_drawing_typing_and_uploading_update_the_results(server, browser, retriever, tmp_path):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda request: errors.append(f"{request.url} failed")
            if "/api/search" not in request.url else None)  # a superseded search is aborted on purpose
    page.goto(server + "/")
    page.wait_for_function("() => document.querySelector('#info').textContent.includes('items')")
    assert page.locator("#results li").count() == 0

    # Results appear while drawing: after the first stroke, with no button pressed.
    stroke(page, [(0.35, 0.15), (0.3, 0.5), (0.25, 0.9)])
    wait_for_search_after(page, 0)
    assert page.locator("#results li").count() == 12
    assert page.get_attribute("#results", "data-mode") == "sketch"
    assert "ms" in page.inner_text("#status")
    after_one = searches(page)
    stroke(page, [(0.65, 0.15), (0.7, 0.5), (0.75, 0.9)])
    stroke(page, [(0.35, 0.15), (0.65, 0.15)])
    wait_for_search_after(page, after_one)

    # A caption joins the query; changing its colour word changes the top results.
    count = searches(page)
    page.fill("#caption", "a long red trouser")
    wait_for_search_after(page, count)
    page.wait_for_function("() => document.querySelector('#results').dataset.mode === 'sketch+text'")
    red = top_ids(page)
    count = searches(page)
    page.fill("#caption", "a long blue trouser")
    wait_for_search_after(page, count)
    blue = top_ids(page)
    assert red != blue

    # Undo is a new query too; the eraser and the mode switch work.
    count = searches(page)
    page.click("#undo")
    wait_for_search_after(page, count)
    page.click("#eraser")
    assert page.get_attribute("#eraser", "aria-pressed") == "true"
    page.click("#pen")
    count = searches(page)
    page.check("input[value=text]")
    wait_for_search_after(page, count)
    assert page.get_attribute("#results", "data-mode") == "text"
    count = searches(page)
    page.check("input[value='sketch+text']")
    wait_for_search_after(page, count)  # so that the next answer awaited is the upload's

    # Upload: the file goes to the API as it is, so the page shows exactly the server's answer for that file.
    item = next(retriever.item(i) for i in retriever.index.ids if retriever.item(i).sketch is not None)
    count = searches(page)
    page.set_input_files("#upload", str(item.sketch))
    wait_for_search_after(page, count)
    answer = httpx.post(f"{server}/api/search", files={"sketch": ("d.png", item.sketch.read_bytes(), "image/png")},
                        data={"text": "a long blue trouser", "mode": "sketch+text", "k": "12"}).json()
    assert top_ids(page, 12) == [hit["id"] for hit in answer["results"]]
    # ...which is the Python API's ranking (up to float rounding between processes with other thread counts)
    expected = {hit.id: hit.score for hit in retriever.search(sketch=item.sketch, text="a long blue trouser",
                                                              k=len(retriever)).hits}
    assert all(abs(expected[hit["id"]] - hit["score"]) < 1e-4 for hit in answer["results"])
    page.wait_for_function("() => [...document.querySelectorAll('#results img')].every(i => i.complete && "
                           "i.naturalWidth > 0)", timeout=10_000)
    assert page.locator("#results img").count() == 12

    shot = tmp_path / "serve.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot of the page: {shot}")
    target = os.environ.get("SBKIT_SERVE_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)
    assert shot.stat().st_size > 10_000
    assert not errors, errors
    page.close()


BOOT_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200"><path '
            'd="M60 20 L100 20 L100 120 Q140 130 170 150 L170 175 L60 175 Z" fill="none" stroke="black" '
            'stroke-width="3"/></svg>')


def test_an_svg_drawing_is_shown_on_the_canvas_and_searched_as_the_api_reads_it(server, browser, tmp_path):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    page.wait_for_function("() => document.querySelector('#info').textContent.includes('items')")
    drawing = tmp_path / "boot.svg"
    drawing.write_text(BOOT_SVG, encoding="utf-8")
    count = searches(page)
    page.set_input_files("#upload", str(drawing))
    wait_for_search_after(page, count)
    inked = page.evaluate("""() => {
        const canvas = document.querySelector('#canvas');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let dark = 0;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128 && pixels[i + 3] > 128) dark += 1;
        return dark;
    }""")
    assert inked > 200  # the browser drew the SVG (createImageBitmap refuses SVG files)
    answer = httpx.post(f"{server}/api/search", files={"sketch": ("boot.svg", BOOT_SVG.encode(), "image/svg+xml")},
                        data={"mode": "sketch", "k": "12"}).json()
    assert answer["mode"] == "sketch" and top_ids(page, 12) == [hit["id"] for hit in answer["results"]]
    assert not errors, errors
    page.close()


HAND_IN = """async ([kind, b64, name, type]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, {type}));
    const target = kind === "drop" ? document.querySelector("#canvas") : document;
    target.dispatchEvent(kind === "drop" ? new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true})
                                         : new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                                        cancelable: true}));
}"""


@pytest.mark.parametrize("kind", ["drop", "paste"])
def test_a_drawing_dropped_or_pasted_on_the_page_is_searched(server, browser, retriever, kind):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    page.wait_for_function("() => document.querySelector('#info').textContent.includes('items')")
    item = next(retriever.item(i) for i in retriever.index.ids if retriever.item(i).sketch is not None)
    drawing = item.sketch.read_bytes()
    count = searches(page)
    page.evaluate(HAND_IN, [kind, base64.b64encode(drawing).decode(), "drawing.png", "image/png"])
    wait_for_search_after(page, count)
    answer = httpx.post(f"{server}/api/search", files={"sketch": ("d.png", drawing, "image/png")},
                        data={"mode": "sketch", "k": "12"}).json()
    assert top_ids(page, 12) == [hit["id"] for hit in answer["results"]]
    count = searches(page)  # text pasted into the caption is left to the browser, and no drawing search starts
    left_to_the_browser = page.evaluate("""() => {
        const data = new DataTransfer();
        data.setData("text/plain", "a red boot");
        return document.querySelector("#caption").dispatchEvent(
            new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
    }""")
    page.wait_for_timeout(600)
    assert left_to_the_browser and searches(page) == count and not errors, errors
    page.close()


def test_a_typo_is_shown_as_read_and_can_be_searched_as_typed(server, browser, retriever):
    caption = next(retriever.item(i).caption for i in retriever.index.ids if "dress" in retriever.item(i).caption)
    typed = caption.replace("dress", "drses")
    page = browser.new_page()
    page.goto(server + "/")
    page.wait_for_function("() => document.querySelector('#info').textContent.includes('items')")
    page.check("input[value=text]")
    page.fill("#caption", typed)
    wait_for_search_after(page, 0)
    assert page.is_visible("#spelling") and page.inner_text("#read-as") == caption
    assert top_ids(page, 12) == [hit.id for hit in retriever.search(text=caption, k=12).hits]
    count = searches(page)
    page.click("#exact")
    wait_for_search_after(page, count)
    assert not page.is_visible("#spelling")
    assert top_ids(page, 12) == [hit.id for hit in retriever.search(text=typed, k=12, exact_text=True).hits]
    count = searches(page)
    page.fill("#caption", typed + " ")  # a new caption is read with the catalogue's words again
    wait_for_search_after(page, count)
    assert page.is_visible("#spelling")
    page.close()


def test_the_page_fits_a_phone(server, browser):
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/")
    page.wait_for_function("() => document.querySelector('#info').textContent.includes('items')")
    width = page.evaluate("document.documentElement.scrollWidth")
    box = page.locator("#canvas").bounding_box()
    assert width <= 390 and 300 <= box["width"] <= 390
    stroke(page, [(0.3, 0.2), (0.5, 0.8), (0.7, 0.2)])
    wait_for_search_after(page, 0)
    assert page.locator("#results li").count() == 12
    page.close()


def test_a_model_that_learned_no_words_gets_a_page_for_drawings_only(wordless_run, browser, tmp_path):
    with serving(wordless_run, tmp_path / "server.log") as url:
        page = browser.new_page()
        page.goto(url + "/")
        page.wait_for_function("() => document.querySelector('#info').textContent.includes('drawings only')")
        assert not page.is_visible("#caption") and not page.is_visible("#modes")
        stroke(page, [(0.35, 0.15), (0.3, 0.5), (0.25, 0.9)])
        wait_for_search_after(page, 0)
        assert page.get_attribute("#results", "data-mode") == "sketch"
        assert page.locator("#results li").count() > 0
        page.close()
