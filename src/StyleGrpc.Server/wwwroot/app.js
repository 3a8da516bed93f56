// StyleGrpc's page: the JSON API (/v1/...) that the server transcodes from its gRPC contract, and nothing else.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { style: null, content: null, styleImage: null, abort: null, points: [], request: null };

// ---- API ---------------------------------------------------------------------------------------------------------

function headers(json = true) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  const key = $("api-key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

// The server's error, with the field it refused when it names one (google.rpc.BadRequest in the details).
function describeError(body, status) {
  if (!body || typeof body !== "object") return `HTTP ${status}`;
  const error = body.error || body;
  let message = error.message || `HTTP ${status}`;
  for (const detail of error.details || []) {
    for (const v of detail.fieldViolations || []) {
      if (!message.startsWith(v.field)) message = `${v.field}: ${v.description}`;
    }
  }
  return message;
}

async function api(method, path, body) {
  const response = await fetch(path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : {};
  if (!response.ok) throw new Error(describeError(parsed, response.status));
  return parsed;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

const base64Of = (dataUrl) => dataUrl.slice(dataUrl.indexOf(",") + 1);
const mediaType = (format) => ({ IMAGE_FORMAT_JPEG: "image/jpeg", IMAGE_FORMAT_WEBP: "image/webp" })[format] || "image/png";

// ---- Server info and gallery -------------------------------------------------------------------------------------

async function loadInfo() {
  try {
    const info = await api("GET", "/v1/info");
    const n = info.network || {};
    $("server-info").textContent = `${n.description || n.name || "network loading"} on ${info.device || "?"} · ${info.styles || 0} styles · queue ${info.queuedJobs || 0}/${info.limits.queueCapacity}`;
    applyLimits(info.limits);
  } catch (e) {
    $("server-info").textContent = "server info unavailable";
    showError(e.message);
  }
}

// The style ID rule and the output sizes are the server's: the page takes them from /v1/info instead of keeping copies.
function applyLimits(limits) {
  const id = $("style-id");
  id.pattern = limits.styleIdPattern;
  id.maxLength = limits.styleIdMaxLength;
  const size = $("size");
  const sides = limits.outputSides || [limits.maxSide];
  const chosen = Number(size.value) || 256;
  const best = sides.filter((side) => side <= chosen).pop() ?? sides[0];
  size.replaceChildren(...sides.map((side) => new Option(String(side), String(side), side === best, side === best)));
}

async function thumbnail(id) {
  const response = await fetch(`/v1/styles/${encodeURIComponent(id)}/image?max_side=256`, { headers: headers(false) });
  if (!response.ok) return "";
  return URL.createObjectURL(await response.blob());
}

async function loadGallery(select) {
  let page;
  try {
    page = await api("GET", "/v1/styles?page_size=100");
  } catch (e) {
    showError(e.message);
    return;
  }
  const gallery = $("gallery");
  gallery.replaceChildren();
  const styles = page.styles || [];
  if (styles.length === 0) gallery.textContent = "No styles yet: register one below.";
  for (const style of styles) {
    const card = document.createElement("button");
    card.type = "button";
    card.className = "card";
    card.dataset.styleId = style.styleId;
    const img = document.createElement("img");
    img.alt = style.displayName;
    const name = document.createElement("div");
    name.textContent = style.displayName;
    card.append(img, name);
    card.addEventListener("click", () => selectStyle(style.styleId));
    gallery.append(card);
    thumbnail(style.styleId).then((url) => { if (url) img.src = url; });
  }
  if (select || (!state.style && styles.length > 0)) selectStyle(select || styles[0].styleId);
}

// A guess from the file name, offered only when the server's rule (the input's pattern and length) accepts it.
function suggestedStyleId(fileName) {
  const input = $("style-id");
  const guess = fileName.toLowerCase().replace(/\.[^.]*$/, "").replace(/[^\w.-]+/g, "-").replace(/^[\W_]+/, "").slice(0, input.maxLength > 0 ? input.maxLength : undefined);
  return !input.pattern || new RegExp(`^(?:${input.pattern})$`, "v").test(guess) ? guess : "";
}

function selectStyle(id) {
  state.style = id;
  document.querySelectorAll(".card").forEach((c) => c.classList.toggle("selected", c.dataset.styleId === id));
}

// ---- Drops -------------------------------------------------------------------------------------------------------

function dropZone(zone, input, onFile) {
  const take = async (file) => { if (file) onFile(file, await readFile(file)); };
  input.addEventListener("change", () => take(input.files[0]));
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => { e.preventDefault(); zone.classList.remove("over"); take(e.dataTransfer.files[0]); });
}

dropZone($("style-drop"), $("style-file"), (file, dataUrl) => {
  state.styleImage = base64Of(dataUrl);
  $("style-chosen").textContent = file.name;
  if (!$("style-id").value) $("style-id").value = suggestedStyleId(file.name);
});

dropZone($("content-drop"), $("content-file"), (file, dataUrl) => {
  state.content = base64Of(dataUrl);
  $("content-preview").src = dataUrl;
  $("content-preview").hidden = false;
});

$("register-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  showError("");
  if (!state.styleImage) { showError("image: drop or choose a painting first"); return; }
  $("register-button").disabled = true;
  try {
    const style = await api("POST", "/v1/styles", { styleId: $("style-id").value.trim(), displayName: $("style-name").value.trim(), image: state.styleImage, replace: false });
    await loadGallery(style.styleId);
    loadInfo();
    $("register").open = false;
  } catch (err) {
    showError(err.message);
  } finally {
    $("register-button").disabled = false;
  }
});

// ---- Stylize -----------------------------------------------------------------------------------------------------

function seconds(duration) {
  if (!duration) return 0;
  return typeof duration === "string" ? parseFloat(duration) : Number(duration.seconds || 0) + (duration.nanos || 0) / 1e9;
}

function drawLosses() {
  const canvas = $("losses");
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  const points = state.points;
  if (points.length === 0) return;
  const series = [["total", "#111"], ["style", "#c0392b"], ["content", "#2f6fdd"], ["totalVariation", "#27ae60"]];
  const values = points.flatMap((p) => series.map(([k]) => p[k])).filter((v) => v > 0).map(Math.log10);
  const lo = Math.min(...values), hi = Math.max(...values) + 1e-9;
  const maxIteration = Math.max(points[points.length - 1].iteration, 1);
  const pad = 24, w = canvas.width - 2 * pad, h = canvas.height - 2 * pad;
  g.strokeStyle = "#ddd";
  g.strokeRect(pad, pad, w, h);
  // Coarse-to-fine: each level's losses are taken at another size, so mark where a level starts and draw each apart.
  g.setLineDash([4, 4]);
  for (let i = 1; i < points.length; i++) {
    if (points[i].level === points[i - 1].level) continue;
    const x = pad + (points[i].iteration / maxIteration) * w;
    g.beginPath(); g.moveTo(x, pad); g.lineTo(x, pad + h); g.stroke();
  }
  g.setLineDash([]);
  for (const [key, colour] of series) {
    g.strokeStyle = colour;
    g.lineWidth = 2;
    g.beginPath();
    let started = false;
    let level = 0;
    for (const p of points) {
      if (!(p[key] > 0)) continue;
      const x = pad + (p.iteration / maxIteration) * w;
      const y = pad + h - ((Math.log10(p[key]) - lo) / (hi - lo || 1)) * h;
      if (started && p.level === level) g.lineTo(x, y); else { g.moveTo(x, y); started = true; level = p.level; }
    }
    g.stroke();
  }
  g.fillStyle = "#666";
  g.fillText(`iteration ${points[points.length - 1].iteration}`, pad, canvas.height - 6);
}

function cliCommand(request, record) {
  const o = request.options;
  const parts = ["stylegrpc stylize photo.jpg", `--style ${request.styleName}`, "-o stylized.png", `--size ${o.maxSide}`, `--iterations ${o.iterations}`,
    `--optimizer ${({ OPTIMIZER_ADAM: "adam", OPTIMIZER_RMSPROP: "rmsprop" })[o.optimizer] || "lbfgs"}`, `--seed ${record.seed || 0}`];
  if (o.styleWeight !== undefined) parts.push(`--style-weight ${o.styleWeight}`);
  if (record.scaleLevels > 1) parts.push(`--scales ${record.scaleLevels}`, `--coarse-iterations ${record.coarseIterations}`);
  if (o.keepOriginalColors) parts.push("--keep-colors");
  return parts.join(" ");
}

function onFrame(frame) {
  if (frame.accepted) {
    $("status").textContent = frame.accepted.queuePosition > 0 ? `queued, position ${frame.accepted.queuePosition}` : "starting";
  } else if (frame.queued) {
    $("status").textContent = `queued, position ${frame.queued.queuePosition}`;
  } else if (frame.started) {
    $("status").textContent = `painting ${frame.started.width}×${frame.started.height} on ${frame.started.network}`;
    $("progress").max = frame.started.totalIterations;
  } else if (frame.progress) {
    const p = frame.progress;
    $("progress").value = p.iteration;
    $("status").textContent = `iteration ${p.iteration} of ${p.totalIterations}` +
      (p.levels > 1 ? ` · scale ${p.level} of ${p.levels} (${p.levelSide} px)` : "");
    $("timing").textContent = `elapsed ${seconds(p.elapsed).toFixed(1)} s · about ${seconds(p.eta).toFixed(1)} s left` +
      (p.previewsDropped ? ` · ${p.previewsDropped} previews skipped (slow connection)` : "");
    const l = p.losses || {};
    state.points.push({ iteration: p.iteration, level: p.level || 1, total: l.total, style: l.style, content: l.content, totalVariation: l.totalVariation });
    drawLosses();
    if (p.preview) {
      $("preview").src = `data:${mediaType(p.preview.format)};base64,${p.preview.data}`;
      $("preview").hidden = false;
      $("preview").dataset.iteration = p.iteration;
    }
  } else if (frame.result) {
    const r = frame.result;
    const url = `data:${mediaType(r.image.format)};base64,${r.image.data}`;
    $("preview").src = url;
    $("preview").hidden = false;
    $("progress").value = $("progress").max;
    $("status").textContent = `done: ${r.iterationsRun} iterations in ${seconds(r.runTime).toFixed(1)} s`;
    $("download").href = url;
    $("download").hidden = false;
    $("cli-command").textContent = cliCommand(state.request, r.reproducibility);
    $("record").textContent = JSON.stringify(r.reproducibility, null, 2);
  } else if (frame.error || frame.code) {
    throw new Error(describeError(frame, 500));
  }
}

async function stylize() {
  showError("");
  if (!state.style) { showError("style: pick or register a style first"); return; }
  if (!state.content) { showError("content_image: drop or choose a photo first"); return; }
  const iterations = Number($("iterations").value);
  const options = {
    maxSide: Number($("size").value),
    iterations,
    optimizer: $("optimizer").value,
    // About 20 previews whatever the length, so the stream stays light.
    previewEvery: Math.max(1, Math.ceil(iterations / 20)),
    keepOriginalColors: $("keep-colors").checked,
    relativeTolerance: 0,
  };
  if ($("style-weight").value !== "") options.styleWeight = Number($("style-weight").value);
  if ($("scales").value !== "") options.scaleLevels = Number($("scales").value);
  state.request = { styleName: state.style, options };
  state.points = [];
  drawLosses();
  $("download").hidden = true;
  $("preview").removeAttribute("data-iteration");
  $("stylize").disabled = true;
  $("cancel").disabled = false;
  $("status").textContent = "sending";
  state.abort = new AbortController();
  try {
    const response = await fetch("/v1/stylize", { method: "POST", headers: headers(), body: JSON.stringify({ ...state.request, contentImage: state.content }), signal: state.abort.signal });
    if (!response.ok) {
      const text = await response.text();
      throw new Error(describeError(text ? JSON.parse(text) : null, response.status));
    }
    // One JSON object per line, each as soon as the server writes it.
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) onFrame(JSON.parse(line));
      }
    }
    if (buffer.trim()) onFrame(JSON.parse(buffer));
  } catch (e) {
    if (e.name === "AbortError") {
      $("status").textContent = "cancelled";
    } else {
      $("status").textContent = "failed";
      showError(e.message);
    }
  } finally {
    state.abort = null;
    $("stylize").disabled = false;
    $("cancel").disabled = true;
    loadInfo();
  }
}

$("stylize").addEventListener("click", stylize);
$("cancel").addEventListener("click", () => state.abort?.abort());
$("api-key").value = localStorage.getItem("stylegrpc-api-key") || "";
$("api-key").addEventListener("change", () => { localStorage.setItem("stylegrpc-api-key", $("api-key").value); loadInfo(); loadGallery(); });

loadInfo();
loadGallery();
