// sbkit serve: draw (mouse, pen or touch), type a caption, and the results update after each stroke.
// Plain JavaScript, no build step and nothing loaded from elsewhere.
"use strict";

const K = 12;
const STROKE_DELAY_MS = 150;   // search this long after a stroke ends (debounced)
const TYPING_DELAY_MS = 350;   // and this long after the caption stops changing

const canvas = document.getElementById("canvas");
const ctx = canvas.getContext("2d");
const caption = document.getElementById("caption");
const statusLine = document.getElementById("status");
const resultList = document.getElementById("results");
const widthInput = document.getElementById("width");
const spelling = document.getElementById("spelling");

// Everything drawn, in order; the canvas is always redrawn from this list, which makes undo exact.
// {kind: "stroke", tool, width, points} | {kind: "image", bitmap, file} | {kind: "clear"}
let actions = [];
let current = null;          // the stroke being drawn
let tool = "pen";
let timer = null;
let inFlight = null;         // AbortController of the search in progress
let sequence = 0;            // answers to older searches than the newest are dropped
let searches = 0;            // searches answered (the browser test reads it from results' data-search)
let exactText = false;       // read the caption as typed (asked for after a typo was read as a catalogue word)

function visible() {
  const start = actions.map((a) => a.kind).lastIndexOf("clear");
  return actions.slice(start + 1);
}

function hasDrawing() {
  return visible().some((a) => a.kind === "image" || (a.kind === "stroke" && a.tool === "pen"));
}

function paintStroke(stroke) {
  if (!stroke.points.length) return;
  ctx.strokeStyle = stroke.tool === "pen" ? "#111" : "#fff";
  ctx.fillStyle = ctx.strokeStyle;
  ctx.lineWidth = stroke.width;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  const [x0, y0] = stroke.points[0];
  if (stroke.points.length === 1) {
    ctx.beginPath();
    ctx.arc(x0, y0, stroke.width / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  for (const [x, y] of stroke.points.slice(1)) ctx.lineTo(x, y);
  ctx.stroke();
}

function paintImage(bitmap) {
  const scale = Math.min(canvas.width / bitmap.width, canvas.height / bitmap.height);
  const w = bitmap.width * scale, h = bitmap.height * scale;
  ctx.drawImage(bitmap, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
}

function redraw() {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (const action of visible()) {
    if (action.kind === "stroke") paintStroke(action);
    else if (action.kind === "image" && action.bitmap) paintImage(action.bitmap);
  }
  if (current) paintStroke(current);
}

function canvasPoint(event) {
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * (canvas.width / box.width),
          (event.clientY - box.top) * (canvas.height / box.height)];
}

canvas.addEventListener("pointerdown", (event) => {
  if (event.button !== 0 && event.pointerType === "mouse") return;
  canvas.setPointerCapture(event.pointerId);
  const eraser = tool === "eraser" || event.button === 5 || (event.buttons & 32);  // a pen's eraser end
  current = {kind: "stroke", tool: eraser ? "eraser" : "pen", width: Number(widthInput.value) * (eraser ? 3 : 1),
             points: [canvasPoint(event)]};
  clearTimeout(timer);
  redraw();
});

canvas.addEventListener("pointermove", (event) => {
  if (!current) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const e of (events.length ? events : [event])) current.points.push(canvasPoint(e));
  redraw();
});

function endStroke() {
  if (!current) return;
  actions.push(current);
  current = null;
  redraw();
  schedule(STROKE_DELAY_MS);
}
canvas.addEventListener("pointerup", endStroke);
canvas.addEventListener("pointercancel", endStroke);

function setTool(name) {
  tool = name;
  for (const id of ["pen", "eraser"]) {
    const button = document.getElementById(id);
    button.classList.toggle("active", id === name);
    button.setAttribute("aria-pressed", String(id === name));
  }
}
document.getElementById("pen").addEventListener("click", () => setTool("pen"));
document.getElementById("eraser").addEventListener("click", () => setTool("eraser"));

function undo() {
  if (!actions.length) return;
  actions.pop();
  redraw();
  schedule(STROKE_DELAY_MS);
}
document.getElementById("undo").addEventListener("click", undo);
document.getElementById("clear").addEventListener("click", () => {
  if (!visible().length) return;
  actions.push({kind: "clear"});
  redraw();
  schedule(STROKE_DELAY_MS);
});
document.addEventListener("keydown", (event) => {
  if (event.target === caption) return;
  if ((event.ctrlKey || event.metaKey) && event.key === "z") { event.preventDefault(); undo(); }
  else if (event.key === "p") setTool("pen");
  else if (event.key === "e") setTool("eraser");
});

caption.addEventListener("input", () => { exactText = false; schedule(TYPING_DELAY_MS); });
document.getElementById("exact").addEventListener("click", () => { exactText = true; schedule(0); });
for (const radio of document.querySelectorAll("input[name=mode]")) {
  radio.addEventListener("change", () => schedule(0));
}

// The upload as something the canvas can paint: a bitmap, or for an SVG (which createImageBitmap refuses) the
// browser's own rendering of it; null when neither works (the server may still read the file).
async function pictureOf(file) {
  try { return await createImageBitmap(file); } catch (err) { /* try an <img> below */ }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img.width > 0 && img.height > 0 ? img : null;
  } catch (err) {
    return null;
  } finally {
    URL.revokeObjectURL(url);
  }
}

// A drawing handed in whole (uploaded, dropped or pasted) replaces the canvas and is searched as it is.
async function useDrawing(file) {
  const bitmap = await pictureOf(file);
  actions.push({kind: "clear"}, {kind: "image", bitmap, file});
  redraw();
  schedule(0);
}

// The first picture among some files (an SVG may come with no type), or null.
function pictureFile(files) {
  return [...files].find((f) => f.type.startsWith("image/") || /\.svg$/i.test(f.name)) || null;
}

document.getElementById("upload").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  event.target.value = "";
  if (file) await useDrawing(file);
});

// A file dropped anywhere on the page is searched; the browser would otherwise leave the page to show it.
document.addEventListener("dragover", (event) => event.preventDefault());
document.addEventListener("drop", async (event) => {
  event.preventDefault();
  const file = pictureFile(event.dataTransfer ? event.dataTransfer.files : []);
  if (file) await useDrawing(file);
});

// A picture pasted (a copied drawing or a screenshot) is searched; pasted text goes where it always did.
document.addEventListener("paste", async (event) => {
  const file = pictureFile(event.clipboardData ? event.clipboardData.files : []);
  if (!file) return;
  event.preventDefault();
  await useDrawing(file);
});

function selectedMode() {
  return document.querySelector("input[name=mode]:checked").value;
}

// What to send: the chosen mode, narrowed to the inputs there are (no caption yet: sketch only).
function effectiveMode() {
  const wanted = selectedMode();
  const drawing = hasDrawing(), text = caption.value.trim() !== "";
  if (wanted === "sketch+text") return drawing && text ? wanted : drawing ? "sketch" : text ? "text" : null;
  if (wanted === "sketch") return drawing ? wanted : null;
  return text ? wanted : null;
}

// The original file of an upload nothing was drawn over since; else the canvas as a PNG.
function drawingBlob() {
  const shown = visible();
  const last = shown[shown.length - 1];
  if (last && last.kind === "image") return Promise.resolve(last.file);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(search, delay);
}

async function search() {
  const mode = effectiveMode();
  if (!mode) {
    if (inFlight) inFlight.abort();
    sequence += 1;
    resultList.replaceChildren();
    spelling.hidden = true;
    setStatus(selectedMode() === "text" ? "Type a caption." : "Draw an item, type a caption, or pick an example.");
    return;
  }
  const form = new FormData();
  if (mode !== "text") form.append("sketch", await drawingBlob(), "drawing.png");
  if (mode !== "sketch") form.append("text", caption.value.trim());
  if (mode !== "sketch" && exactText) form.append("exact_text", "true");
  form.append("mode", mode);
  form.append("k", String(K));
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  inFlight = controller;
  const mine = ++sequence;
  const started = performance.now();
  setStatus("searching…");
  let answer;
  try {
    const response = await fetch("/api/search", {method: "POST", body: form, signal: controller.signal});
    answer = await response.json();
    if (!response.ok) throw new Error(answer.detail || response.statusText);
  } catch (err) {
    if (err.name === "AbortError" || mine !== sequence) return;
    setStatus(err.message, true);
    return;
  }
  if (mine !== sequence) return;
  inFlight = null;
  searches += 1;
  show(answer, performance.now() - started);
}

function setStatus(text, error = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", error);
}

function show(answer, roundTrip) {
  const t = answer.timings_ms;
  const colour = answer.colour ? `, photos that are ${answer.colour} first,` : "";  // search's colour term
  setStatus(`${answer.results.length} results for ${answer.mode}${colour} in ${t.total.toFixed(0)} ms (decode ` +
            `${t.decode.toFixed(1)}, normalise ${t.normalise.toFixed(1)}, encode ${t.encode.toFixed(1)}, search ` +
            `${t.search.toFixed(1)}); ${roundTrip.toFixed(0)} ms round trip` +
            (answer.warnings.length ? ". Note: " + answer.warnings.join(" ") : ""));
  spelling.hidden = Object.keys(answer.corrections).length === 0;  // a typo or colour was read as a catalogue word
  document.getElementById("read-as").textContent = answer.text || "";
  const items = answer.results.map((hit) => {
    const li = document.createElement("li");
    li.dataset.id = hit.id;
    const link = document.createElement("a");
    link.href = hit.image_url;
    link.target = "_blank";
    link.rel = "noopener";
    const img = document.createElement("img");
    img.src = hit.thumbnail_url;
    img.alt = hit.caption || hit.id;
    img.loading = "lazy";
    link.append(img);
    const text = document.createElement("p");
    text.className = "caption";
    text.textContent = hit.caption || "";
    const meta = document.createElement("div");
    meta.className = "meta";
    const rank = document.createElement("span");
    rank.textContent = `#${hit.rank} ${hit.id}`;
    const score = document.createElement("span");
    score.textContent = hit.score.toFixed(3);
    meta.append(rank, score);
    li.append(link, text, meta);
    return li;
  });
  resultList.replaceChildren(...items);
  resultList.dataset.search = String(searches);
  resultList.dataset.mode = answer.mode;
}

function drawExample(example) {
  const margin = canvas.width * 0.12, side = canvas.width - 2 * margin;
  actions.push({kind: "clear"});
  for (const stroke of example.strokes) {
    actions.push({kind: "stroke", tool: "pen", width: Number(widthInput.value),
                  points: stroke.map(([x, y]) => [margin + x * side, margin + y * side])});
  }
  caption.value = example.caption || "";
  redraw();
  schedule(0);
}

async function start() {
  redraw();
  try {
    const info = await (await fetch("/api/info")).json();
    document.getElementById("info").textContent =
      `${info.gallery.size} items · ${info.model.encoder} + ${info.model.fuser} · sbkit ${info.sbkit}`;
    if (!info.modes.includes("text")) {  // a model that learned no words: drawings only
      document.querySelector("input[name=mode][value=sketch]").checked = true;
      caption.hidden = true;
      document.getElementById("modes").hidden = true;
      document.getElementById("info").textContent += " · drawings only (this model learned no words)";
    }
  } catch (err) {
    document.getElementById("info").textContent = "the server did not answer /api/info";
  }
  try {
    const examples = await (await fetch("/api/examples")).json();
    const box = document.getElementById("examples");
    if (examples.length) box.append(Object.assign(document.createElement("span"), {textContent: "Try:",
                                                                                 className: "muted small"}));
    for (const example of examples) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = example.caption || example.id;
      button.title = example.strokes.length ? "draw this item's sketch and use its caption" : "use this caption";
      button.addEventListener("click", () => drawExample(example));
      box.append(button);
    }
  } catch (err) { /* no examples: the page works without them */ }
}

start();
