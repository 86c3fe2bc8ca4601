"""The REST API of ``sbkit serve``: both upload forms, every bad request a clean 4xx, ids never paths, 503 when full."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import threading
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from sbkit.serve import ServeOptions, create_app
from sbkit.serve.app import STATIC
MAX_BYTES = 300_000
MAX_PIXELS = 2_000_000


@pytest.fixture(scope="module")
def client(retriever) -> TestClient:
    app = create_app(retriever, ServeOptions(max_upload_bytes=MAX_BYTES, max_pixels=MAX_PIXELS, workers=2))
    with TestClient(app) as test_client:
        yield test_client


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def multipart(client: TestClient, sketch: bytes | None, **fields):
    files = {"sketch": ("drawing.png", sketch, "image/png")} if sketch is not None else None
    return client.post("/api/search", files=files, data={k: str(v) for k, v in fields.items()})


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


def assert_error(response, status: int, code: str, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"] == code
    assert words in body["detail"], body["detail"]
    assert "Traceback" not in response.text and 'File "' not in response.text


def test_multipart_and_data_url_give_the_python_api_answer(client, retriever, drawn_png):
    caption = "a long red trouser"
    expected = retriever.search(sketch=drawn_png, text=caption, k=5)
    by_form = multipart(client, drawn_png, text=caption, k=5)
    url = "data:image/png;base64," + base64.b64encode(drawn_png).decode()
    by_json = client.post("/api/search", json={"sketch": url, "text": caption, "k": 5})
    plain_base64 = client.post("/api/search", json={"sketch": url.split(",", 1)[1], "text": caption, "k": 5})
    assert ids(by_form) == ids(by_json) == ids(plain_base64) == [hit.id for hit in expected.hits]
    body = by_form.json()
    assert body["mode"] == "sketch+text" and body["text"] == caption and body["k"] == 5
    first = body["results"][0]
    assert first["score"] == pytest.approx(expected.hits[0].score, abs=1e-5)
    assert first["caption"] == expected.hits[0].caption
    assert first["image_url"] == f"/api/items/{first['id']}/image"
    assert body["warnings"] == [] and body["unknown_words"] == expected.unknown_words
    unreadable = client.post("/api/search", json={"text": "zzqx vvbn", "k": 3}).json()
    assert unreadable["unknown_words"] == ["zzqx", "vvbn"] and "knows no word" in unreadable["warnings"][0]
    timings = body["timings_ms"]
    assert set(timings) == {"decode", "normalise", "encode", "search", "total", "server"}
    assert all(value >= 0 for value in timings.values()) and timings["server"] >= timings["total"] > 0


def test_typos_are_read_as_gallery_words_unless_the_exact_text_is_asked_for(client, retriever):
    caption = next(retriever.item(i).caption for i in retriever.index.ids if "dress" in retriever.item(i).caption)
    typed = caption.replace("dress", "dres")
    expected = retriever.search(text=caption, k=5)
    read = client.post("/api/search", json={"text": typed, "k": 5}).json()
    assert read["text"] == caption and read["corrections"] == {"dres": "dress"}
    assert [r["id"] for r in read["results"]] == [hit.id for hit in expected.hits]
    assert read["warnings"] == []
    for exact in (client.post("/api/search", json={"text": typed, "k": 5, "exact_text": True}).json(),
                  multipart(client, None, text=typed, k=5, exact_text="true").json()):
        assert exact["text"] == typed and exact["corrections"] == {} and "dres" in exact["unknown_words"]
    assert multipart(client, None, text=typed, k=5, exact_text="false").json()["corrections"] == {"dres": "dress"}


def test_a_colour_named_ranks_toward_photos_of_it_as_search_does(client, retriever):
    for weight in (0, 0.1, 2):
        expected = retriever.search(text="a red dress", k=8, colour_weight=weight)
        by_json = client.post("/api/search", json={"text": "a red dress", "k": 8, "colour_weight": weight}).json()
        by_form = multipart(client, None, text="a red dress", k=8, colour_weight=str(weight)).json()
        for answer in (by_json, by_form):
            assert [r["id"] for r in answer["results"]] == [hit.id for hit in expected.hits]
            assert answer["colour"] == (None if weight == 0 else "red")
    assert client.post("/api/search", json={"text": "a red dress"}).json()["colour"] == "red"  # on by default
    for bad in (-1, 11, "lots"):
        answer = client.post("/api/search", json={"text": "a red dress", "colour_weight": bad})
        assert answer.status_code == 422 and "colour_weight" in answer.json()["detail"]


def test_search_answers_have_exactly_the_documented_shape(client, drawn_png):
    """The search answer is encoded from a plain dict; it must hold SearchResponse's fields and nothing else."""
    from sbkit.serve.schemas import SearchResponse

    for answer in (multipart(client, drawn_png, text="a long red trouser", k=3),
                   multipart(client, drawn_png, mode="sketch", k=2),
                   client.post("/api/search", json={"text": "zzqx a skirt", "k": 4})):
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
        body = answer.json()
        assert SearchResponse.model_validate(body).model_dump(mode="json") == body


def test_each_mode_uses_only_its_input(client, retriever, drawn_png):
    sketch_only = multipart(client, drawn_png, text="a short skirt", mode="sketch", k=4)
    assert sketch_only.json()["mode"] == "sketch" and sketch_only.json()["text"] is None
    assert ids(sketch_only) == [h.id for h in retriever.search(sketch=drawn_png, k=4).hits]
    text_only = multipart(client, drawn_png, text="a short skirt", mode="text", k=4)
    assert ids(text_only) == [h.id for h in retriever.search(text="a short skirt", k=4).hits]
    assert ids(client.post("/api/search", json={"text": "a short skirt", "k": 4})) == ids(text_only)


def test_gallery_images_and_thumbnails_by_id(client, retriever):
    item_id = retriever.index.ids[0]
    photo = client.get(f"/api/items/{item_id}/image")
    assert photo.status_code == 200 and photo.content == retriever.item(item_id).image.read_bytes()
    thumb = client.get(f"/api/items/{item_id}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.content)).size[0] > 8
    assert client.get(f"/api/items/{item_id}/thumbnail").content == thumb.content


def test_ids_never_reach_the_file_system(client, retriever, tmp_path):
    photo = retriever.item(retriever.index.ids[0]).image
    secret = tmp_path / "secret.png"
    secret.write_bytes(photo.read_bytes())
    relative = Path("..") / ".." / secret.relative_to(secret.anchor)
    for bad in [str(photo), str(secret), str(relative), "../../etc/passwd", "..", ".", "", photo.name,
                "demo-00000/../" + retriever.index.ids[0]]:
        assert retriever.item(bad) is None
        for kind in ("image", "thumbnail"):
            response = client.get(f"/api/items/{quote(bad, safe='')}/{kind}")
            assert_error(response, 404, "not_found", "")


def test_bad_uploads_get_clean_4xx_answers(client, drawn_png):
    blank = png_bytes(np.full((64, 64), 255, np.uint8))
    huge = png_bytes(np.full((2000, 1500), 255, np.uint8))  # 3 MP in a few kB: refused from its header
    assert len(huge) < MAX_BYTES
    cases = [
        (multipart(client, drawn_png[: len(drawn_png) // 2]), 400, "bad_query", "truncated"),
        (multipart(client, b"GIF? no, just text"), 400, "bad_query", "not a readable image"),
        (multipart(client, b""), 400, "empty_drawing", "'drawing.png' is empty (0 bytes)"),
        (multipart(client, b"", text="a dress"), 400, "empty_drawing", "is empty"),
        (client.post("/api/search", json={"sketch": "", "text": "a dress"}), 400, "empty_drawing", "is empty"),
        (client.post("/api/search", json={"sketch": "data:image/png;base64,", "text": "a dress"}), 400,
         "empty_drawing", "is empty"),
        (client.post("/api/search", data={"sketch": "", "text": "a dress"}), 400, "empty_drawing", "is empty"),
        (multipart(client, blank, mode="sketch"), 400, "bad_query", "no strokes"),
        (multipart(client, huge), 413, "image_too_large", "pixel limit"),
        (multipart(client, b"\x89PNG" + b"0" * (MAX_BYTES + 10)), 413, "too_large", "upload limit"),
        (client.post("/api/search", json={"sketch": "data:image/png;base64,@@@"}), 400, "bad_request", "base64"),
        (client.post("/api/search", json={"sketch": "data:text/plain;base64,aGk="}), 415, "unsupported_media_type",
         "not an image"),
        (client.post("/api/search", content=b"{oops", headers={"content-type": "application/json"}), 400,
         "bad_request", "not valid JSON"),
        (client.post("/api/search", json=["a list"]), 422, "invalid_request", "JSON object"),
        (client.post("/api/search", json={"text": "a dress", "k": 0}), 422, "invalid_request", "k"),
        (client.post("/api/search", json={"text": "a dress", "k": True}), 422, "invalid_request", "k"),
        (client.post("/api/search", json={"text": "a dress", "k": 2.5}), 422, "invalid_request", "k"),
        (client.post("/api/search", json={"text": "a dress", "k": "3"}), 422, "invalid_request", "k"),
        (client.post("/api/search", json={"text": "a dress", "mode": "sketchy"}), 422, "invalid_request", "mode"),
        (client.post("/api/search", json={"text": "a dress", "colour": "red"}), 422, "invalid_request", "colour"),
        (client.post("/api/search", json={"text": "x" * 501}), 422, "invalid_request", "text"),
        (client.post("/api/search", json={"text": "a dress", "mode": "sketch"}), 400, "bad_query",
         "needs a drawing"),
        (multipart(client, None, k="ten", text="a dress"), 422, "invalid_request", "k"),
        (client.post("/api/search", content=b"<q/>", headers={"content-type": "text/xml"}), 415,
         "unsupported_media_type", "multipart"),
        (client.get("/api/search"), 405, "method_not_allowed", ""),
        (client.get("/api/nowhere"), 404, "not_found", ""),
    ]
    for response, status, code, words in cases:
        assert_error(response, status, code, words)


def test_a_body_without_length_is_cut_off_at_the_limit(client):
    def chunks():
        for _ in range(40):
            yield b"x" * 10_000  # 400 kB in all, sent chunked with no Content-Length

    response = client.post("/api/search", content=chunks(), headers={"content-type": "application/json"})
    assert_error(response, 413, "too_large", "upload limit")


def test_the_server_answers_the_next_good_query_after_bad_ones(client, drawn_png):
    before = ids(multipart(client, drawn_png, text="a mini black dress", k=5))
    for bad in (drawn_png[:100], b"nonsense", b"\x89PNG" + b"0" * (MAX_BYTES + 1)):
        assert multipart(client, bad, text="a mini black dress").status_code in (400, 413)
    assert client.get("/api/health").json() == {"status": "ok", "searches_running": 0, "max_searches": 32}
    assert ids(multipart(client, drawn_png, text="a mini black dress", k=5)) == before


def test_an_unexpected_failure_is_a_json_500_without_a_trace(retriever, drawn_png, monkeypatch):
    app = create_app(retriever)

    def broken(**_):
        raise RuntimeError("secret internals at /srv/model.py line 12")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        monkeypatch.setattr(retriever, "search", broken)
        response = multipart(test_client, drawn_png, text="a dress")
        monkeypatch.undo()
        assert_error(response, 500, "internal_error", "failed")
        assert "secret" not in response.text and "RuntimeError" not in response.text
        assert ids(multipart(test_client, drawn_png, text="a dress", k=3))


def test_searches_over_the_limit_get_503_at_once(retriever, drawn_png, monkeypatch):
    app = create_app(retriever, ServeOptions(max_searches=1, workers=1))
    release = threading.Event()
    real = retriever.search

    def slow(**kwargs):
        release.wait(10)
        return real(**kwargs)

    monkeypatch.setattr(retriever, "search", slow)
    files = {"sketch": ("d.png", drawn_png, "image/png")}

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            first = asyncio.create_task(http.post("/api/search", files=files, data={"text": "a dress"}))
            while app.state.gate.active < 1:
                await asyncio.sleep(0.01)
            busy = await http.post("/api/search", files=files, data={"text": "a dress"})
            health = await http.get("/api/health")
            release.set()
            return busy, health, await first, await http.post("/api/search", files=files, data={"text": "a dress"})

    busy, health, first, after = asyncio.run(scenario())
    assert_error(busy, 503, "busy", "search slots")
    assert busy.headers["retry-after"] == "1"
    assert health.json()["searches_running"] == 1
    assert first.status_code == 200 and after.status_code == 200


def test_cors_is_off_unless_asked_for(client, retriever):
    headers = {"Origin": "https://elsewhere.example"}
    assert "access-control-allow-origin" not in client.get("/api/health", headers=headers).headers
    app = create_app(retriever, ServeOptions(cors_origins=["https://shop.example"]))
    with TestClient(app) as allowed:
        answer = allowed.get("/api/health", headers={"Origin": "https://shop.example"})
        assert answer.headers["access-control-allow-origin"] == "https://shop.example"
        assert "access-control-allow-origin" not in allowed.get("/api/health", headers=headers).headers


def test_info_health_and_openapi_describe_the_api(client, retriever):
    import sbkit

    info = client.get("/api/info").json()
    assert info["sbkit"] == sbkit.__version__ and info["gallery"]["size"] == len(retriever)
    assert info["model"]["encoder"] == "small" and info["index"]["size"] == len(retriever)
    assert info["limits"]["max_upload_bytes"] == MAX_BYTES and info["limits"]["max_pixels"] == MAX_PIXELS
    schema = client.get("/openapi.json").json()
    assert {"/api/search", "/api/health", "/api/info", "/api/items/{item_id}/image",
            "/api/items/{item_id}/thumbnail"} <= set(schema["paths"])
    search = schema["paths"]["/api/search"]["post"]
    assert set(search["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert {"200", "400", "413", "415", "422", "503"} <= set(search["responses"])
    assert "timings_ms" in schema["components"]["schemas"]["SearchResponse"]["properties"]
    for viewer in ("/docs", "/redoc"):  # both load their scripts from a CDN: off, so nothing needs the network
        assert client.get(viewer).status_code == 404


def test_examples_replay_gallery_drawings(client, retriever):
    examples = client.get("/api/examples").json()
    assert 1 <= len(examples) <= 6
    for example in examples:
        assert example["caption"] == retriever.item(example["id"]).caption and example["strokes"]
        points = np.array([p for stroke in example["strokes"] for p in stroke])
        assert points.min() >= 0 and points.max() <= 1


def test_the_page_is_self_contained(client):
    page = client.get("/")
    assert page.status_code == 200 and "<canvas" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("index.html", "app.js", "style.css"):
        text = (STATIC / name).read_text()
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, name
        assert client.get(f"/static/{name}").status_code == 200 or name == "index.html"
    script = (STATIC / "app.js").read_text()
    assert all(word in script for word in ("pointerdown", "pointermove", "pointerup", "setPointerCapture"))


def test_gallery_photos_inside_a_shard_are_served_from_it(client, retriever, tmp_path, monkeypatch):
    import tarfile

    from sbkit.data.sources import TarMember

    item_id = retriever.index.ids[0]
    item = retriever.item(item_id)
    data = item.image.read_bytes()
    shard = tmp_path / "shard-000.tar"
    with tarfile.open(shard, "w") as tar:
        info = tarfile.TarInfo("k1.png")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with tarfile.open(shard) as tar:
        member = tar.getmember("k1.png")
    sharded = dataclasses.replace(item, image=TarMember(shard, "k1.png", member.offset_data, member.size))
    monkeypatch.setattr(retriever, "item", lambda asked: sharded if asked == item_id else None)
    photo = client.get(f"/api/items/{item_id}/image")
    assert photo.status_code == 200 and photo.content == data and photo.headers["content-type"] == "image/png"
    thumb = client.get(f"/api/items/{item_id}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    shard.write_bytes(shard.read_bytes()[:600])  # truncated inside the photo: a clean 404, not a crash
    assert_error(client.get(f"/api/items/{item_id}/image"), 404, "not_found", "cannot be read")


def test_the_page_and_the_api_share_the_caption_limit(client: TestClient):
    from sbkit.limits import MAX_QUERY_TEXT

    assert f'id="caption" maxlength="{MAX_QUERY_TEXT}"' in (STATIC / "index.html").read_text(encoding="utf-8")
    refused = client.post("/api/search", json={"text": "a " * (MAX_QUERY_TEXT // 2) + "x"})
    assert refused.status_code == 422 and "text" in refused.json()["detail"]


def test_a_form_with_no_file_chosen_is_a_text_search(client):
    """A browser form whose file input is left empty sends a nameless empty part: that is no drawing, not an error."""
    body = (b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\na dress\r\n'
            b'--b\r\nContent-Disposition: form-data; name="sketch"; filename=""\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n\r\n--b--\r\n")
    answer = client.post("/api/search", content=body, headers={"content-type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["mode"] == "text"


@pytest.mark.parametrize("content_type, start", [
    (b"application/json", b'{"text": "red"'),
    (b"multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nre')])
def test_a_client_that_hangs_up_mid_body_is_one_info_line(client, content_type, start, caplog):
    """Content-Length 1000, a few bytes sent, then the connection closes: no traceback, one log line."""
    import logging

    messages = iter([{"type": "http.request", "body": start, "more_body": True},
                     {"type": "http.disconnect"}])
    sent: list[dict] = []

    async def receive():
        return next(messages, {"type": "http.disconnect"})

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/search", "raw_path": b"/api/search", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"x"), (b"content-type", content_type), (b"content-length", b"1000")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    with caplog.at_level(logging.DEBUG):
        asyncio.run(client.app(scope, receive, send))
    records = [r for r in caplog.records if r.name.startswith(("sbkit", "uvicorn", "starlette", "fastapi"))]
    assert [(r.levelno, r.exc_info) for r in records] == [(logging.INFO, None)]
    assert "disconnected" in records[0].getMessage()
