// StyleGrpc's page: the JSON API (/v1/...) that the server transcodes from its gRPC contract, and nothing else.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  style: null, content: null, styleImage: null, run: null, points: [], jobsTimer: 0,
  // What the server offers (GET /v1/info) and its styles (GET /v1/styles), as last loaded.
  info: null, styles: [],
  // Training operations this page follows, by style ID: { id, metadata, timer }; notes left by finished ones.
  trainings: {}, trainNotes: {},
  // Training operations followed to their end (or that this key may not see): not followed again.
  trainingsEnded: new Set(),
  // False once the server refused this key a training (PERMISSION_DENIED): the Train button goes until the key changes.
  trainAllowed: true,
  // Masks of the regions sent with a job, by operation ID, for "How this was made" (this tab only).
  sentMasks: {},
  // The clip chosen for a video (base64) and the Blob URL its result plays from; the video job this page follows.
  video: { data: null, file: null, name: "", url: "" }, videoRun: null,
};

// ---- API ---------------------------------------------------------------------------------------------------------

function apiKey() {
  return $("api-key").value.trim();
}

function headers(json = true) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  const key = apiKey();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

// An answer to a request made with another API key than the one now entered: the key changed while it was on its way.
function staleKey(error) {
  return error.key !== undefined && error.key !== apiKey();
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
  const key = apiKey();
  const response = await fetch(path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : {};
  if (!response.ok) throw Object.assign(new Error(describeError(parsed, response.status)), { status: response.status, key });
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
    state.info = info;
    const n = info.network || {};
    $("server-info").textContent = `${n.description || n.name || "network loading"} on ${info.device || "?"} · ${info.styles || 0} styles · queue ${info.queuedJobs || 0}/${info.limits.queueCapacity}`;
    applyLimits(info.limits);
    showVideoPanel(info.limits);
    showRegionTools();
    showInstant();
  } catch (e) {
    if (staleKey(e)) return;
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
    if (!staleKey(e)) showError(e.message);
    return;
  }
  const gallery = $("gallery");
  gallery.replaceChildren();
  const styles = state.styles = page.styles || [];
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
    const badge = FeedForwardBadges[style.feedForward?.state];
    if (badge) {
      const mark = document.createElement("span");
      mark.className = `badge ${badge.className}`;
      mark.textContent = badge.label;
      mark.title = badge.title;
      card.append(mark);
    }
    card.addEventListener("click", () => selectStyle(style.styleId));
    gallery.append(card);
    thumbnail(style.styleId).then((url) => { if (url) img.src = url; });
  }
  if (select || (!state.style && styles.length > 0)) selectStyle(select || styles[0].styleId); else selectStyle(state.style);
  // A training started earlier (from this page before a reload, another tab or the CLI): follow its progress.
  for (const style of styles) {
    const ff = style.feedForward || {};
    const id = ff.operationName ? operationId(ff.operationName) : "";
    if (ff.state === "TRAINING" && id && !state.trainingsEnded.has(id)) followTraining(style.styleId, id);
  }
  refreshRegionStyles();
}

const FeedForwardBadges = {
  READY: { label: "instant", className: "ready", title: "has a trained network: Fast gives a result at once" },
  TRAINING: { label: "training…", className: "training", title: "its network is being trained" },
  FAILED: { label: "training failed", className: "failed", title: "the last training of its network failed" },
};

const styleById = (id) => state.styles.find((s) => s.styleId === id);

// A guess from the file name, offered only when the server's rule (the input's pattern and length) accepts it.
function suggestedStyleId(fileName) {
  const input = $("style-id");
  const guess = fileName.toLowerCase().replace(/\.[^.]*$/, "").replace(/[^\w.-]+/g, "-").replace(/^[\W_]+/, "").slice(0, input.maxLength > 0 ? input.maxLength : undefined);
  return !input.pattern || new RegExp(`^(?:${input.pattern})$`, "v").test(guess) ? guess : "";
}

function selectStyle(id) {
  state.style = id;
  document.querySelectorAll(".card").forEach((c) => {
    c.classList.toggle("selected", c.dataset.styleId === id);
    c.setAttribute("aria-pressed", String(c.dataset.styleId === id));
  });
  showInstant();
  updateMethod();
  updateVideoStyle();
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
  $("paint-wrap").hidden = false;
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

// ---- Instant styles: a style's own feed-forward network (POST /v1/styles/{id}:train, an operation) ----------------

const serverTrains = () => (state.info?.trainingPhotos || 0) > 0;
const isReady = (style) => style?.feedForward?.state === "READY";

function formatLoss(value) {
  return value > 0 ? (value >= 1e4 || value < 1e-2 ? value.toExponential(2) : value.toPrecision(3)) : "?";
}

// The selected style's network: its state, the Train button (when the server has training photos, says this key is an
// admin's and has not refused it) and the progress of a training this page follows.
function showInstant() {
  const style = styleById(state.style);
  const ff = style?.feedForward || {};
  const training = style ? state.trainings[style.styleId] : undefined;
  const known = ff.state && ff.state !== "NONE" && ff.state !== "STATE_UNSPECIFIED";
  $("instant").hidden = !style || !(serverTrains() || state.info?.feedForwardAvailable || known);
  if ($("instant").hidden) return;
  $("instant-style").textContent = style.displayName || style.styleId;
  // A server that does not say the caller's role (older ones) still gets the button; its 403 then removes it.
  const canTrain = serverTrains() && state.trainAllowed && state.info?.callerRole !== "user";
  let text;
  if (ff.state === "READY") {
    text = `Instant: network v${ff.version || 1}, trained ${ff.iterations || "?"} iterations (final loss ${formatLoss(ff.finalLoss)}). Choose Method "Fast" for a result at once.`;
  } else if (ff.state === "TRAINING" || training) {
    text = "Training its network: results at once when it is done.";
  } else if (ff.state === "FAILED") {
    text = `The last training failed${ff.error ? ": " + ff.error : ""}.`;
  } else {
    text = canTrain ? "Not instant yet: train its network (admin) to get results at once." : "Not instant: only optimisation paints with it.";
  }
  $("instant-state").textContent = text;
  $("train-controls").hidden = !canTrain;
  $("train").disabled = Boolean(training) || ff.state === "TRAINING";
  $("train").textContent = ff.state === "READY" || ff.state === "FAILED" ? "Train again" : "Train";
  $("train-cancel").hidden = !training;
  $("training").hidden = !training && !state.trainNotes[style.styleId];
  $("train-progress").hidden = !training;
  if (training) {
    const m = training.metadata || {};
    $("train-progress").max = Math.max(m.totalIterations || 1, 1);
    $("train-progress").value = m.iteration || 0;
    const parts = [];
    if (m.state === "QUEUED" || !m.state) {
      parts.push(m.queuePosition > 0 ? `queued, position ${m.queuePosition}` : "starting");
    } else {
      parts.push(`iteration ${m.iteration || 0} of ${m.totalIterations || "?"}`);
      if (m.losses?.total > 0) parts.push(`loss ${formatLoss(m.losses.total)}`);
      if (m.eta) parts.push(`about ${seconds(m.eta).toFixed(0)} s left`);
    }
    $("train-status").textContent = parts.join(" · ");
  } else {
    $("train-status").textContent = state.trainNotes[style.styleId] || "";
  }
}

// Polls the training operation (GET /v1/operations/{id}) once a second until it is done, then reloads the gallery:
// the style is READY (an "instant" badge and the Fast method) or FAILED with the error.
function followTraining(styleId, id, operation) {
  if (state.trainings[styleId]?.id === id) return;
  clearTimeout(state.trainings[styleId]?.timer);
  const training = state.trainings[styleId] = { id, metadata: operation?.metadata || {}, timer: 0, failures: 0 };
  delete state.trainNotes[styleId];
  const finish = (note) => {
    if (state.trainings[styleId] !== training) return;
    delete state.trainings[styleId];
    state.trainingsEnded.add(id);
    if (note) state.trainNotes[styleId] = note;
    loadGallery();
    loadJobs();
  };
  const poll = async () => {
    let current;
    try {
      current = await api("GET", operationPath(id));
    } catch (e) {
      if (state.trainings[styleId] !== training) return;
      // A server restarting (or a proxy in between) comes back; an operation this key may not see does not.
      if (e.status === undefined || e.status >= 500 || e.status === 429) {
        training.failures++;
        training.timer = setTimeout(poll, Math.min(1000 * 2 ** training.failures, 8000));
      } else {
        finish(`training progress unavailable: ${e.message}`);
      }
      return;
    }
    if (state.trainings[styleId] !== training) return;
    training.failures = 0;
    training.metadata = current.metadata || training.metadata;
    if (current.done) {
      if (current.error) {
        const error = statusError(current.error);
        if (!(error instanceof Cancelled)) showError(`training ${styleId}: ${error.message}`);
        finish(error instanceof Cancelled ? "training stopped" : `training failed: ${error.message}`);
      } else {
        const ff = current.response?.feedForward || {};
        finish(`trained: ${ff.iterations || training.metadata.totalIterations || "?"} iterations, final loss ${formatLoss(ff.finalLoss)}`);
      }
      return;
    }
    if (styleId === state.style) showInstant();
    training.timer = setTimeout(poll, 1000);
  };
  showInstant();
  poll();
}

async function train() {
  const styleId = state.style;
  if (!styleId) return;
  showError("");
  const body = {};
  if ($("train-iterations").value !== "") body.iterations = Number($("train-iterations").value);
  if ($("train-size").value !== "") body.imageSize = Number($("train-size").value);
  // A network meant for video: the stability term at the weight docs/video.md measured, and the shifted loss.
  if ($("train-video").checked) Object.assign(body, { stabilityWeight: 30, shiftedLoss: true });
  $("train").disabled = true;
  let operation;
  try {
    operation = await api("POST", `/v1/styles/${encodeURIComponent(styleId)}:train`, body);
  } catch (e) {
    if (e.status === 403) state.trainAllowed = false;
    showError(e.message);
    showInstant();
    return;
  }
  followTraining(styleId, operationId(operation.name), operation);
  loadGallery();
  loadJobs();
}

async function stopTraining() {
  const training = state.trainings[state.style];
  if (!training) return;
  $("train-cancel").disabled = true;
  try {
    await api("POST", `${operationPath(training.id)}:cancel`, {});
  } catch (e) {
    showError(e.message);
  } finally {
    $("train-cancel").disabled = false;
  }
}

// "Fast" only for a style whose network is READY; optimisation's own settings mean nothing to it.
function updateMethod() {
  const ready = isReady(styleById(state.style));
  const fastOption = $("method").querySelector("option[value=METHOD_FEED_FORWARD]");
  fastOption.disabled = !ready;
  fastOption.textContent = ready ? "Fast (instant)" : "Fast (train the style first)";
  if (!ready && $("method").value === "METHOD_FEED_FORWARD") $("method").value = "METHOD_OPTIMIZATION";
  const fast = $("method").value === "METHOD_FEED_FORWARD";
  // The network's picture as it is: no iterations, and its own colours.
  for (const id of ["iterations", "optimizer", "scales", "style-weight", "color"]) $(id).disabled = fast;
  $("init-fast").disabled = !ready || fast;
  if (!ready) $("init-fast").checked = false;
}

$("train").addEventListener("click", train);
$("train-cancel").addEventListener("click", stopTraining);
$("method").addEventListener("change", updateMethod);

// ---- Regions: painted over the photo, one mask per region (StylizeRequest.regions) ---------------------------------

// Masks are drawn at the photo's aspect ratio, at most this many pixels on the longer side (the server scales them to
// the output): white where painted, on black, so the PNG is opaque and the server reads its luminance.
const MaskSide = 1024;
const RegionColours = ["#e6194b", "#1f9e4a", "#4363d8", "#f58231", "#911eb4", "#00a3b4", "#f032e6", "#8a7a00"];
const paint = { width: 0, height: 0, regions: [], active: 0, erasing: false, last: null, cursor: null, penDown: false, next: 1, frame: 0 };

const maxRegions = () => state.info?.limits?.maxRegions || 0;

// The server says how many regions it takes; one that takes none (older servers) gets no painting tools.
function showRegionTools() {
  const allowed = maxRegions() > 0;
  $("regions").hidden = !allowed || !state.content;
  $("paint").hidden = !allowed;
  $("add-region").disabled = paint.regions.length >= maxRegions() || state.styles.length === 0;
}

function newMask() {
  const mask = document.createElement("canvas");
  mask.width = paint.width;
  mask.height = paint.height;
  return mask;
}

// A new photo: the paint surface takes its aspect ratio; what was painted for the old one is cleared.
$("content-preview").addEventListener("load", () => {
  const img = $("content-preview");
  const scale = Math.min(1, MaskSide / Math.max(img.naturalWidth, img.naturalHeight, 1));
  paint.width = Math.max(1, Math.round(img.naturalWidth * scale));
  paint.height = Math.max(1, Math.round(img.naturalHeight * scale));
  $("paint").width = paint.width;
  $("paint").height = paint.height;
  for (const region of paint.regions) region.mask = newMask();
  paint.cursor = null;
  showRegionTools();
  render();
});

function addRegion() {
  if (paint.regions.length >= maxRegions() || state.styles.length === 0) return null;
  const used = new Set(paint.regions.map((r) => r.colour));
  const colour = RegionColours.find((c) => !used.has(c)) || RegionColours[paint.regions.length % RegionColours.length];
  // A style other than the one the rest of the picture takes, when there is one.
  const style = (state.styles.find((s) => s.styleId !== state.style) || state.styles[0]).styleId;
  const region = { number: paint.next++, colour, style, mask: newMask() };
  paint.regions.push(region);
  setActive(paint.regions.length - 1);
  renderRegionList();
  return region;
}

function removeRegion(region) {
  paint.regions.splice(paint.regions.indexOf(region), 1);
  paint.active = Math.min(paint.active, Math.max(paint.regions.length - 1, 0));
  renderRegionList();
  render();
}

function setActive(index) {
  paint.active = index;
  setEraser(false);
  render();
}

function setEraser(on) {
  paint.erasing = on;
  $("eraser").setAttribute("aria-pressed", String(on));
}

function styleOptions(selected) {
  return state.styles.map((s) => new Option(s.displayName || s.styleId, s.styleId, false, s.styleId === selected));
}

// One row per region: a radio to paint with it (its colour beside), its style from the gallery, and Remove.
function renderRegionList() {
  const list = $("region-list");
  list.replaceChildren(...paint.regions.map((region, index) => {
    const item = document.createElement("li");
    item.className = "region";
    item.dataset.region = String(region.number);
    const pick = document.createElement("label");
    pick.className = "region-pick";
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "region";
    radio.checked = index === paint.active;
    radio.addEventListener("change", () => { if (radio.checked) setActive(paint.regions.indexOf(region)); });
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = region.colour;
    pick.append(radio, swatch, ` Region ${region.number}`);
    const styleLabel = document.createElement("label");
    const select = document.createElement("select");
    select.className = "region-style";
    select.setAttribute("aria-label", `style of region ${region.number}`);
    select.replaceChildren(...styleOptions(region.style));
    select.addEventListener("change", () => { region.style = select.value; });
    styleLabel.append("style ", select);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "small secondary";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove region ${region.number}`);
    remove.addEventListener("click", () => removeRegion(region));
    item.append(pick, styleLabel, remove);
    return item;
  }));
  showRegionTools();
}

// The gallery changed: each region keeps its style if it is still there.
function refreshRegionStyles() {
  for (const region of paint.regions) {
    if (!styleById(region.style) && state.styles.length > 0) region.style = state.styles[0].styleId;
  }
  renderRegionList();
}

// A brush stroke from a to b (mask pixels) with the active region: painted into its mask and taken out of every other
// region's, so a pixel belongs to the last region painted on it; the eraser takes it out of all of them.
function stroke(a, b) {
  if (paint.regions.length === 0 && (paint.erasing || !addRegion())) return;
  const canvas = $("paint");
  const width = Number($("brush-size").value) * canvas.width / (canvas.getBoundingClientRect().width || canvas.width);
  const active = paint.regions[paint.active];
  for (const region of paint.regions) {
    const g = region.mask.getContext("2d");
    g.globalCompositeOperation = !paint.erasing && region === active ? "source-over" : "destination-out";
    g.strokeStyle = "#fff";
    g.lineWidth = width;
    g.lineCap = "round";
    g.lineJoin = "round";
    g.beginPath();
    g.moveTo(a.x, a.y);
    g.lineTo(b.x, b.y);
    g.stroke();
  }
  render();
}

// Draws every region in its colour over the photo (and, with the keyboard, the brush), at most once a frame.
function render() {
  if (paint.frame) return;
  paint.frame = requestAnimationFrame(() => {
    paint.frame = 0;
    const canvas = $("paint");
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, canvas.width, canvas.height);
    const tint = document.createElement("canvas");
    tint.width = canvas.width;
    tint.height = canvas.height;
    const t = tint.getContext("2d");
    for (const region of paint.regions) {
      t.globalCompositeOperation = "copy";
      t.drawImage(region.mask, 0, 0);
      t.globalCompositeOperation = "source-in";
      t.fillStyle = region.colour;
      t.fillRect(0, 0, tint.width, tint.height);
      g.globalAlpha = 0.55;
      g.drawImage(tint, 0, 0);
      g.globalAlpha = 1;
    }
    if (paint.cursor && document.activeElement === canvas) {
      // The brush's outline, dashed while it is lifted: white under the region's colour so it shows on any photo.
      const scale = canvas.width / (canvas.getBoundingClientRect().width || canvas.width);
      const radius = Number($("brush-size").value) * scale / 2;
      g.setLineDash(paint.penDown ? [] : [5 * scale, 4 * scale]);
      for (const [colour, width] of [["#fff", 4], [paint.erasing ? "#000" : paint.regions[paint.active]?.colour || RegionColours[0], 2]]) {
        g.lineWidth = width * scale;
        g.strokeStyle = colour;
        g.beginPath();
        g.arc(paint.cursor.x, paint.cursor.y, radius, 0, 2 * Math.PI);
        g.stroke();
      }
      g.setLineDash([]);
    }
  });
}

function canvasPoint(e) {
  const canvas = $("paint");
  const rect = canvas.getBoundingClientRect();
  return { x: (e.clientX - rect.left) * canvas.width / rect.width, y: (e.clientY - rect.top) * canvas.height / rect.height };
}

$("paint").addEventListener("pointerdown", (e) => {
  if (e.button !== 0) return;
  e.preventDefault();
  $("paint").setPointerCapture(e.pointerId);
  paint.last = canvasPoint(e);
  stroke(paint.last, paint.last);
});
$("paint").addEventListener("pointermove", (e) => {
  if (!paint.last) return;
  const point = canvasPoint(e);
  stroke(paint.last, point);
  paint.last = point;
});
for (const type of ["pointerup", "pointercancel"]) $("paint").addEventListener(type, () => { paint.last = null; });

// The keyboard's brush: arrows move it (Shift for bigger steps), Space or Enter puts it down or lifts it.
$("paint").addEventListener("keydown", (e) => {
  const canvas = $("paint");
  const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  paint.cursor ??= { x: canvas.width / 2, y: canvas.height / 2 };
  if (moves[e.key]) {
    const step = canvas.width / 40 * (e.shiftKey ? 4 : 1);
    const from = paint.cursor;
    paint.cursor = {
      x: Math.min(Math.max(from.x + moves[e.key][0] * step, 0), canvas.width),
      y: Math.min(Math.max(from.y + moves[e.key][1] * step, 0), canvas.height),
    };
    if (paint.penDown) stroke(from, paint.cursor); else render();
  } else if (e.key === " " || e.key === "Enter") {
    paint.penDown = !paint.penDown;
    if (paint.penDown) stroke(paint.cursor, paint.cursor); else render();
  } else if (e.key === "Escape") {
    paint.penDown = false;
    render();
  } else {
    return;
  }
  e.preventDefault();
});
$("paint").addEventListener("focus", render);
$("paint").addEventListener("blur", () => { paint.penDown = false; render(); });

$("add-region").addEventListener("click", addRegion);
$("eraser").addEventListener("click", () => setEraser(!paint.erasing));
$("clear-regions").addEventListener("click", () => {
  for (const region of paint.regions) region.mask = newMask();
  render();
});
$("brush-size").addEventListener("input", () => { $("brush-size-value").textContent = $("brush-size").value; render(); });

function painted(mask) {
  const data = mask.getContext("2d").getImageData(0, 0, mask.width, mask.height).data;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
  return false;
}

// The regions with paint, as the request takes them: one opaque PNG per region (white where painted, on black).
function regionMasks() {
  const regions = [];
  for (const region of paint.regions) {
    if (paint.width === 0 || !painted(region.mask)) continue;
    const out = document.createElement("canvas");
    out.width = paint.width;
    out.height = paint.height;
    const g = out.getContext("2d");
    g.fillStyle = "#000";
    g.fillRect(0, 0, out.width, out.height);
    g.drawImage(region.mask, 0, 0);
    regions.push({ number: region.number, styleName: region.style, dataUrl: out.toDataURL("image/png") });
  }
  return regions;
}

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

// The request as the page sent it when this tab (or an earlier one) submitted the job; otherwise what the record says,
// which names no style (the record keeps the style's targets, not its ID).
function requestFor(id, result) {
  const saved = savedRequests()[id];
  if (saved) return saved;
  const record = result.reproducibility || {};
  const options = { maxSide: Math.max(result.image.width || 0, result.image.height || 0), iterations: record.iterations, optimizer: record.optimizer,
    keepOriginalColors: record.keepOriginalColors, colorControl: record.colorControl, method: record.method, init: record.init };
  if (!record.styleWeightAutomatic) options.styleWeight = record.styleWeight;
  const request = { styleName: "STYLE", options };
  if (record.regions?.length) request.regions = record.regions.map((r) => ({ styleName: (r.style || "STYLE").replace(/^styles\//, "") }));
  return request;
}

const ColorFlags = { COLOR_CONTROL_KEEP_ORIGINAL: "keep", COLOR_CONTROL_LUMINANCE_ONLY: "luminance", COLOR_CONTROL_HISTOGRAM_MATCH: "histogram" };

function cliCommand(request, record) {
  const o = request.options;
  const parts = ["stylegrpc stylize photo.jpg", `--style ${request.styleName}`, "-o stylized.png", `--size ${o.maxSide}`];
  if (o.method === "METHOD_FEED_FORWARD") {
    parts.push("--fast");
  } else {
    parts.push(`--iterations ${o.iterations}`, `--optimizer ${({ OPTIMIZER_ADAM: "adam", OPTIMIZER_RMSPROP: "rmsprop" })[o.optimizer] || "lbfgs"}`, `--seed ${record.seed || 0}`);
    if (o.styleWeight !== undefined) parts.push(`--style-weight ${o.styleWeight}`);
    if (record.scaleLevels > 1) parts.push(`--scales ${record.scaleLevels}`, `--coarse-iterations ${record.coarseIterations}`);
    if (o.init === "INIT_FEED_FORWARD") parts.push("--init feed-forward");
  }
  (request.regions || []).forEach((r, i) => parts.push(`--region region${i + 1}.png=${r.styleName}`));
  if (ColorFlags[o.colorControl]) parts.push(`--color ${ColorFlags[o.colorControl]}`);
  else if (o.keepOriginalColors && !o.colorControl) parts.push("--keep-colors");
  return parts.join(" ");
}

// ---- Operations: submit, watch (and re-attach), cancel ------------------------------------------------------------

// A job is the server's long-running operation "operations/{id}"; the page keeps its ID in the URL, so a reload (or a
// link) re-attaches to it. Requests the page sent are kept by ID (without the photo) for "How this was made".
const operationId = (name) => name.replace(/^operations\//, "");
const operationPath = (id) => `/v1/operations/${encodeURIComponent(id)}`;
const RequestsKey = "stylegrpc-requests";
const PointsKey = "stylegrpc-points";
const KeptRequests = 50;

function savedRequests() {
  try { return JSON.parse(localStorage.getItem(RequestsKey)) || {}; } catch { return {}; }
}

function saveRequest(id, request) {
  const kept = Object.entries(savedRequests()).slice(-(KeptRequests - 1));
  localStorage.setItem(RequestsKey, JSON.stringify(Object.fromEntries([...kept, [id, request]])));
}

function urlOperation() {
  return new URL(location.href).searchParams.get("operation");
}

function setUrlOperation(id, parameter = "operation") {
  const url = new URL(location.href);
  if (id) url.searchParams.set(parameter, id); else url.searchParams.delete(parameter);
  history.replaceState(null, "", url);
}

// The stream may end, or the connection drop, without the job ending (a server restart, a proxy's timeout): watch again.
class Retry extends Error {}
class Cancelled extends Error {}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });
}

function showProgress(p) {
  $("progress").max = p.totalIterations || $("progress").max;
  $("progress").value = p.iteration;
  $("status").textContent = `iteration ${p.iteration} of ${p.totalIterations}` +
    (p.levels > 1 ? ` · scale ${p.level} of ${p.levels} (${p.levelSide} px)` : "");
  $("timing").textContent = `elapsed ${seconds(p.elapsed).toFixed(1)} s · about ${seconds(p.eta).toFixed(1)} s left` +
    (p.previewsDropped ? ` · ${p.previewsDropped} previews skipped (slow connection)` : "");
  const last = state.points[state.points.length - 1];
  // After a reload the points this tab drew are restored first; the server's replay may repeat the last of them.
  if (!last || p.iteration > last.iteration) {
    const l = p.losses || {};
    state.points.push({ iteration: p.iteration, level: p.level || 1, total: l.total, style: l.style, content: l.content, totalVariation: l.totalVariation });
    drawLosses();
    if (state.run?.reattached && !$("curve-note").textContent) noteReattached();
  }
  if (p.preview) {
    $("preview").src = `data:${mediaType(p.preview.format)};base64,${p.preview.data}`;
    $("preview").hidden = false;
    $("preview").dataset.iteration = p.iteration;
  }
}

function showResult(id, r) {
  const url = `data:${mediaType(r.image.format)};base64,${r.image.data}`;
  $("preview").src = url;
  $("preview").hidden = false;
  $("progress").max = Math.max(r.iterationsRun, 1);
  $("progress").value = $("progress").max;
  const request = requestFor(id, r);
  $("status").textContent = request.options.method === "METHOD_FEED_FORWARD" || r.reproducibility?.method === "METHOD_FEED_FORWARD"
    ? `done: instant result in ${seconds(r.runTime).toFixed(2)} s`
    : `done: ${r.iterationsRun} iterations in ${seconds(r.runTime).toFixed(1)} s`;
  $("download").href = url;
  $("download").download = `stylized-${id}.${({ IMAGE_FORMAT_JPEG: "jpg", IMAGE_FORMAT_WEBP: "webp" })[r.image.format] || "png"}`;
  $("download").hidden = false;
  $("cli-command").textContent = cliCommand(request, r.reproducibility || {});
  showMaskFiles(id);
  $("record").textContent = JSON.stringify(r.reproducibility, null, 2);
}

// The masks a region command names, as files, when this tab sent them.
function showMaskFiles(id) {
  const masks = state.sentMasks[id] || [];
  $("region-files").hidden = masks.length === 0;
  $("region-files").replaceChildren(...(masks.length ? ["Region masks:"] : []), ...masks.flatMap((url, i) => {
    const link = document.createElement("a");
    link.href = url;
    link.download = `region${i + 1}.png`;
    link.textContent = `region${i + 1}.png`;
    return [" ", link];
  }));
}

function onFrame(id, frame) {
  if (frame.accepted) {
    $("status").textContent = frame.accepted.queuePosition > 0 ? `queued, position ${frame.accepted.queuePosition}` : "starting";
  } else if (frame.queued) {
    $("status").textContent = `queued, position ${frame.queued.queuePosition}`;
  } else if (frame.started) {
    $("status").textContent = `painting ${frame.started.width}×${frame.started.height} on ${frame.started.network}`;
    $("progress").max = frame.started.totalIterations;
  } else if (frame.progress) {
    showProgress(frame.progress);
  } else if (frame.result) {
    showResult(id, frame.result);
  }
}

// The job's end as a google.rpc.Status: CANCELLED (1) is the caller's choice, UNAVAILABLE (14) a server going away
// (the job is handed back and goes on), anything else the job's failure.
function statusError(status) {
  if (status.code === 1) return new Cancelled(status.message);
  if (status.code === 14) return new Retry(status.message);
  return new Error(describeError(status, 500));
}

// One watch call: frames after run.sequence, until the result (true) or the stream's end without one (false).
async function watchOnce(run) {
  let response;
  try {
    response = await fetch(`${operationPath(run.id)}:watch?after_sequence=${run.sequence}`, { headers: headers(false), signal: run.abort.signal });
  } catch (e) {
    throw e.name === "AbortError" ? e : new Retry(e.message);
  }
  if (!response.ok) {
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { /* a proxy's page, not the server's status */ }
    const message = describeError(body, response.status);
    // 502-504 from a proxy while the server restarts, 429 when it is busy: worth another try; 404 and the like are not.
    if (response.status >= 500 || response.status === 429) throw new Retry(message);
    throw new Error(message);
  }
  // One JSON object per line, each as soon as the server writes it.
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const take = (line) => {
    const frame = JSON.parse(line);
    if (frame.code !== undefined && frame.sequence === undefined) throw statusError(frame);
    run.sequence = Math.max(run.sequence, Number(frame.sequence) || 0);
    run.received = true;
    if (run.onFrame) run.onFrame(frame); else onFrame(run.id, frame);
    return frame.result !== undefined || frame.videoResult !== undefined;
  };
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (e) {
      throw e.name === "AbortError" ? e : new Retry(e.message);
    }
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line && take(line)) return true;
    }
  }
  // A last line without its newline: the result if it parses, else the cut end of a dropped connection.
  const last = buffer.trim();
  try { JSON.parse(last); } catch { return false; }
  return take(last);
}

function resetRun() {
  state.points = [];
  drawLosses();
  $("curve-note").textContent = "";
  $("download").hidden = true;
  $("preview").hidden = true;
  $("preview").removeAttribute("data-iteration");
  $("progress").value = 0;
  $("timing").textContent = "";
  $("cli-command").textContent = "";
  $("record").textContent = "";
  $("region-files").hidden = true;
}

function stopFollowing() {
  state.run?.abort.abort();
  state.run = null;
}

// Follows an operation from its first kept frame (fresh: a job this tab just submitted) or, re-attaching, from
// sequence 0: the server replays what it kept (accepted, started, the latest progress and preview, every other frame),
// then the live frames. A dropped watch is retried from the last sequence seen, with backoff.
async function follow(id, fresh) {
  stopFollowing();
  const run = state.run = { id, sequence: 0, received: false, reattached: !fresh, abort: new AbortController() };
  setUrlOperation(id);
  resetRun();
  if (!fresh) restorePoints(id);
  await watchInControls(run, fresh, { status: "status", start: "stylize", cancel: "cancel" }, () => state.run === run, () => {
    state.run = null;
    loadInfo();
  });
}

// Watches a run to its end in the controls that show it (its status line, its start and cancel buttons); once it has
// ended, if it is still the current one (ended() is true), ended() tidies up and the buttons are set back.
async function watchInControls(run, fresh, ids, current, ended) {
  $(ids.start).disabled = true;
  $(ids.cancel).disabled = false;
  $(ids.status).textContent = fresh ? "submitted" : "re-attaching";
  try {
    await watchToEnd(run, $(ids.status));
  } catch (e) {
    if (e.name === "AbortError") return;
    if (e instanceof Cancelled) {
      $(ids.status).textContent = "cancelled";
    } else {
      $(ids.status).textContent = "failed";
      showError(e.message);
    }
  } finally {
    if (current()) {
      ended();
      $(ids.start).disabled = false;
      $(ids.cancel).disabled = true;
      loadJobs();
    }
  }
}

// Watches until the result, watching again after a drop from the last sequence seen (0.5 s, 1 s … 8 s between tries,
// reset once frames arrive) and saying so in the status element. Throws the job's end (Cancelled, an error) or AbortError.
async function watchToEnd(run, status) {
  let failures = 0;
  for (;;) {
    run.received = false;
    try {
      if (await watchOnce(run)) return;
    } catch (e) {
      if (!(e instanceof Retry)) throw e;
    }
    failures = run.received ? 1 : failures + 1;
    const delay = Math.min(500 * 2 ** (failures - 1), 8000);
    status.textContent = `reconnecting (try ${failures}, in ${(delay / 1000).toFixed(1)} s)…`;
    await sleep(delay, run.abort.signal);
  }
}

// Re-attached: the server keeps only the latest progress of a job, so the curve holds the points this tab drew before
// the reload (if any) and those seen since; say where it starts so it does not pass for the whole run.
function noteReattached() {
  const first = state.points[0];
  if (first && first.iteration > 1) $("curve-note").textContent = `re-attached: the curve starts at iteration ${first.iteration}; earlier points were not seen by this page`;
}

// The curve this tab drew, kept over a reload of the same job.
function restorePoints(id) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(PointsKey));
    if (kept && kept.id === id) state.points = kept.points;
  } catch { /* nothing kept */ }
  drawLosses();
}

window.addEventListener("pagehide", () => {
  const id = state.run?.id;
  if (id) sessionStorage.setItem(PointsKey, JSON.stringify({ id, points: state.points }));
});

async function stylize() {
  showError("");
  if (!state.style) { showError("style: pick or register a style first"); return; }
  if (!state.content) { showError("content_image: drop or choose a photo first"); return; }
  const fast = $("method").value === "METHOD_FEED_FORWARD";
  let options;
  if (fast) {
    // One pass of the style's network: no iterations, previews, optimiser or colour control.
    options = { maxSide: Number($("size").value), method: "METHOD_FEED_FORWARD" };
  } else {
    const iterations = Number($("iterations").value);
    options = {
      maxSide: Number($("size").value),
      iterations,
      optimizer: $("optimizer").value,
      // About 20 previews whatever the length, so the stream stays light.
      previewEvery: Math.max(1, Math.ceil(iterations / 20)),
      colorControl: $("color").value,
      relativeTolerance: 0,
    };
    if ($("style-weight").value !== "") options.styleWeight = Number($("style-weight").value);
    if ($("scales").value !== "") options.scaleLevels = Number($("scales").value);
    if ($("init-fast").checked) options.init = "INIT_FEED_FORWARD";
  }
  const regions = regionMasks();
  // Kept for "How this was made" without the masks (localStorage is small); the masks stay in this tab's memory.
  const request = { styleName: state.style, options };
  if (regions.length > 0) request.regions = regions.map((r) => ({ styleName: r.styleName }));
  const sent = { ...request, contentImage: state.content };
  if (regions.length > 0) sent.regions = regions.map((r) => ({ mask: base64Of(r.dataUrl), styleName: r.styleName }));
  stopFollowing();
  $("stylize").disabled = true;
  $("cancel").disabled = true;
  $("status").textContent = "sending";
  let operation;
  try {
    operation = await api("POST", "/v1/stylize:submit", sent);
  } catch (e) {
    $("status").textContent = "failed";
    $("stylize").disabled = false;
    showError(e.message);
    return;
  }
  const id = operationId(operation.name);
  saveRequest(id, request);
  if (regions.length > 0) keepMasks(id, regions.map((r) => r.dataUrl));
  loadJobs();
  await follow(id, true);
}

function keepMasks(id, dataUrls) {
  const kept = Object.entries(state.sentMasks).slice(-9);
  state.sentMasks = Object.fromEntries([...kept, [id, dataUrls]]);
}

async function cancel() {
  const run = state.run;
  if (!run) return;
  $("cancel").disabled = true;
  try {
    // The watch then ends with CANCELLED.
    await api("POST", `${operationPath(run.id)}:cancel`, {});
  } catch (e) {
    showError(e.message);
    $("cancel").disabled = state.run !== run;
  }
}

// ---- Videos: a clip stylised frame by frame (POST /v1/videos:stylize, an operation watched like a picture's) -------

// The newest finished frames kept in the strip under the big one.
const StripFrames = 6;

function formatBytes(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(n >= 10 * 1024 * 1024 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n >= 10 * 1024 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}

// The largest clip this page can send: the server's video limit (a clip too large for one request is uploaded first).
// 64-bit integers come as strings in JSON.
function videoByteLimit() {
  return Number(state.info?.limits?.video?.maxBytes) || Infinity;
}

// Clips up to a 32nd of the request limit (1 MiB by default) go inside the request as base64; larger ones are sent first
// as they are, with POST /v1/uploads (UploadVideo), and the request names the upload.
function inlineClipLimit() {
  return (Number(state.info?.limits?.maxRequestBytes) || 32 * 1024 * 1024) / 32;
}

// Sends the clip's bytes as the body of POST /v1/uploads; gives the upload's name.
async function uploadClip(file) {
  const response = await fetch("/v1/uploads", { method: "POST", headers: { ...headers(false), "Content-Type": "application/octet-stream" }, body: file });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : {};
  if (!response.ok) throw new Error(describeError(parsed, response.status));
  return parsed.name;
}

// Shown only where the server can take videos (it has ffmpeg); the limits are the server's.
function showVideoPanel(limits) {
  const video = limits?.video || {};
  $("video-panel").hidden = !video.available;
  if (!video.available) return;
  const parts = [`up to ${formatBytes(videoByteLimit())}`];
  if (video.maxDurationSeconds) parts.push(`${video.maxDurationSeconds} s`);
  if (video.maxFrames) parts.push(`${video.maxFrames} frames`);
  if (video.maxFrameRate) parts.push(`${video.maxFrameRate} frames/s`);
  $("video-limits").textContent = `Clips ${parts.join(", ")}` + (video.maxSide ? `; stylised frames at most ${video.maxSide} px on the longer side.` : ".");
  const side = $("video-max-side");
  if (video.maxSide) side.max = String(video.maxSide);
  // A first choice that a CPU finishes in reasonable time; empty asks for the server's default.
  if (!side.dataset.set) {
    side.value = String(Math.min(256, video.maxSide || 256));
    side.dataset.set = "1";
  }
  updateVideoStyle();
}

function updateVideoStyle() {
  const style = styleById(state.style);
  $("video-style").textContent = style ? style.displayName || style.styleId : "pick one in 1";
  updateVideoMethod();
}

// As for pictures: "Fast" only with a READY network, and then no iterations.
function updateVideoMethod() {
  const ready = isReady(styleById(state.style));
  const fastOption = $("video-method").querySelector("option[value=METHOD_FEED_FORWARD]");
  fastOption.disabled = !ready;
  fastOption.textContent = ready ? "Fast (instant)" : "Fast (train the style first)";
  if (!ready && $("video-method").value === "METHOD_FEED_FORWARD") $("video-method").value = "METHOD_OPTIMIZATION";
  $("video-iterations").disabled = $("video-method").value === "METHOD_FEED_FORWARD";
}

// A clip over the limit is refused here, before it is read or sent.
async function takeVideo(file) {
  if (!file) return;
  showError("");
  state.video.data = null;
  state.video.file = null;
  $("video-chosen").textContent = "";
  const limit = videoByteLimit();
  if (file.size > limit) {
    $("video-file").value = "";
    showError(`video: ${file.name} is ${formatBytes(file.size)}, over the ${formatBytes(limit)} this server takes`);
    return;
  }
  state.video.file = file;
  state.video.data = file.size <= inlineClipLimit() ? base64Of(await readFile(file)) : null;
  state.video.name = file.name;
  $("video-chosen").textContent = `${file.name} · ${formatBytes(file.size)}`;
  describeClip(file);
}

// Its duration and size as the browser reads them (if it can decode the clip), and a word when it is over the server's
// duration: a range may still fit.
function describeClip(file) {
  const probe = document.createElement("video");
  probe.preload = "metadata";
  probe.muted = true;
  const url = URL.createObjectURL(file);
  const done = () => URL.revokeObjectURL(url);
  probe.addEventListener("loadedmetadata", () => {
    done();
    if (state.video.name !== file.name || !Number.isFinite(probe.duration)) return;
    const max = state.info?.limits?.video?.maxDurationSeconds;
    let text = `${file.name} · ${formatBytes(file.size)} · ${probe.duration.toFixed(1)} s · ${probe.videoWidth}×${probe.videoHeight}`;
    if (max && probe.duration > max) text += ` · longer than the server's ${max} s: choose a range`;
    $("video-chosen").textContent = text;
  }, { once: true });
  probe.addEventListener("error", done, { once: true });
  probe.src = url;
}

$("video-file").addEventListener("change", () => takeVideo($("video-file").files[0]));
$("video-drop").addEventListener("dragover", (e) => { e.preventDefault(); $("video-drop").classList.add("over"); });
$("video-drop").addEventListener("dragleave", () => $("video-drop").classList.remove("over"));
$("video-drop").addEventListener("drop", (e) => { e.preventDefault(); $("video-drop").classList.remove("over"); takeVideo(e.dataTransfer.files[0]); });

function resetVideoRun() {
  $("video-progress").value = 0;
  $("video-timing").textContent = "";
  $("video-frame").hidden = true;
  $("video-frame").removeAttribute("data-frame");
  $("video-strip").replaceChildren();
  $("video-result").hidden = true;
  $("video-result").removeAttribute("src");
  $("video-download").hidden = true;
  if (state.video.url) URL.revokeObjectURL(state.video.url);
  state.video.url = "";
}

function stopFollowingVideo() {
  state.videoRun?.abort.abort();
  state.videoRun = null;
}

// A finished frame: the big picture, and the strip of the last few (newest last).
function showVideoFrame(number, preview) {
  const url = `data:${mediaType(preview.format)};base64,${preview.data}`;
  $("video-frame").src = url;
  $("video-frame").hidden = false;
  $("video-frame").dataset.frame = number;
  const strip = $("video-strip");
  if (strip.lastElementChild?.dataset.frame === String(number)) return;
  const figure = document.createElement("figure");
  figure.dataset.frame = number;
  const img = document.createElement("img");
  img.src = url;
  img.alt = `frame ${number}`;
  const caption = document.createElement("figcaption");
  caption.textContent = String(number);
  figure.append(img, caption);
  strip.append(figure);
  while (strip.children.length > StripFrames) strip.firstElementChild.remove();
}

// A video's progress counts frames (iteration = frames done); its ETA is the time per frame of this attempt times the
// frames left, so frames left / ETA is this attempt's rate.
function showVideoProgress(run, p) {
  const done = p.iteration || 0;
  const total = p.totalIterations || 0;
  $("video-progress").max = Math.max(total, 1);
  $("video-progress").value = done;
  $("video-status").textContent = `frame ${done} of ${total || "?"}`;
  const eta = seconds(p.eta);
  const elapsed = seconds(p.elapsed);
  if (total > done && eta > 0) run.fps = (total - done) / eta;
  else if (!run.fps && elapsed > 0) run.fps = done / elapsed;
  const parts = [`${done}/${total || "?"} frames`];
  if (run.fps) parts.push(`${run.fps < 10 ? run.fps.toFixed(2) : run.fps.toFixed(1)} frames/s`);
  if (total > done) parts.push(`about ${eta.toFixed(0)} s left`);
  $("video-timing").textContent = parts.join(" · ");
  if (p.preview) showVideoFrame(done, p.preview);
}

function blobOf(base64, type) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type });
}

// A result too large to come inline (chunked): ReadVideoResult's chunks, one JSON object per line, joined into a Blob.
async function readVideoResult(id, type) {
  const response = await fetch(`${operationPath(id)}:readVideoResult`, { headers: headers(false) });
  const text = await response.text();
  if (!response.ok) {
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { /* a proxy's page */ }
    throw new Error(describeError(body, response.status));
  }
  const parts = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const chunk = JSON.parse(line);
    if (chunk.code !== undefined && chunk.data === undefined) throw statusError(chunk);
    parts.push(blobOf(chunk.data || "", type));
  }
  return new Blob(parts, { type });
}

// The result plays from a Blob URL (and downloads from it): inline, no second request for it; chunked, read once.
async function showVideoResult(id, r) {
  const webm = r.format === "VIDEO_FORMAT_WEBM";
  const type = webm ? "video/webm" : "video/mp4";
  let blob;
  try {
    blob = r.chunked ? await readVideoResult(id, type) : blobOf(r.video || "", type);
  } catch (e) {
    showError(`the video could not be read: ${e.message}`);
    return;
  }
  if (state.video.url) URL.revokeObjectURL(state.video.url);
  state.video.url = URL.createObjectURL(blob);
  $("video-result").src = state.video.url;
  // The video takes the newest frame's place; the strip keeps the last frames.
  $("video-frame").hidden = true;
  $("video-result").hidden = false;
  $("video-progress").max = Math.max(r.frames || 1, 1);
  $("video-progress").value = $("video-progress").max;
  $("video-status").textContent = `done: ${r.frames || 0} frames, ${r.width}×${r.height} at ${Number(r.frameRate || 0).toFixed(r.frameRate % 1 ? 2 : 0)} fps, stylised in ${seconds(r.runTime).toFixed(1)} s` +
    (r.audio ? ", with the clip's sound" : "");
  $("video-download").href = state.video.url;
  $("video-download").download = `stylized-${id}.${webm ? "webm" : "mp4"}`;
  $("video-download").hidden = false;
}

function onVideoFrame(run, frame) {
  if (frame.accepted) {
    $("video-status").textContent = frame.accepted.queuePosition > 0 ? `queued, position ${frame.accepted.queuePosition}` : "starting";
  } else if (frame.queued) {
    $("video-status").textContent = `queued, position ${frame.queued.queuePosition}`;
  } else if (frame.started) {
    $("video-status").textContent = `stylising ${frame.started.totalIterations} frames of ${frame.started.width}×${frame.started.height} on ${frame.started.network}`;
    $("video-progress").max = Math.max(frame.started.totalIterations || 1, 1);
  } else if (frame.progress) {
    showVideoProgress(run, frame.progress);
  } else if (frame.videoResult) {
    showVideoResult(run.id, frame.videoResult);
  }
}

// Follows a video job as follow() does a picture's: its ID in the address (?video=), re-attached after a reload.
async function followVideo(id, fresh) {
  stopFollowingVideo();
  const run = { id, sequence: 0, received: false, fps: 0, abort: new AbortController() };
  run.onFrame = (frame) => onVideoFrame(run, frame);
  state.videoRun = run;
  setUrlOperation(id, "video");
  resetVideoRun();
  await watchInControls(run, fresh, { status: "video-status", start: "video-stylize", cancel: "video-cancel" },
    () => state.videoRun === run, () => { state.videoRun = null; });
}

async function stylizeVideo() {
  showError("");
  if (!state.style) { showError("style: pick or register a style first"); return; }
  if (!state.video.file) { showError("video: drop or choose a clip first"); return; }
  const method = $("video-method").value;
  const options = { method };
  if ($("video-max-side").value !== "") options.maxSide = Number($("video-max-side").value);
  if (method !== "METHOD_FEED_FORWARD") options.iterations = Number($("video-iterations").value);
  const body = { styleName: state.style, options, outputFormat: $("video-format").value };
  if ($("video-temporal").value !== "") body.temporalWeight = Number($("video-temporal").value);
  if ($("video-first").value !== "" || $("video-count").value !== "") {
    body.frameRange = { first: Number($("video-first").value || 0), count: Number($("video-count").value || 0) };
  }
  stopFollowingVideo();
  $("video-stylize").disabled = true;
  $("video-cancel").disabled = true;
  $("video-status").textContent = state.video.data ? "sending" : "uploading";
  let operation;
  try {
    if (state.video.data) body.video = state.video.data;
    else body.videoUpload = await uploadClip(state.video.file);
    operation = await api("POST", "/v1/videos:stylize", body);
  } catch (e) {
    $("video-status").textContent = "failed";
    $("video-stylize").disabled = false;
    showError(e.message);
    return;
  }
  loadJobs();
  await followVideo(operationId(operation.name), true);
}

async function cancelVideo() {
  const run = state.videoRun;
  if (!run) return;
  $("video-cancel").disabled = true;
  try {
    // The watch then ends with CANCELLED.
    await api("POST", `${operationPath(run.id)}:cancel`, {});
  } catch (e) {
    showError(e.message);
    $("video-cancel").disabled = state.videoRun !== run;
  }
}

// GET /v1/operations/{id} once it has ended; a job still running is followed with followIt (re-attaching) and null
// answered, as is a failed GET (its error shown).
async function endedOperation(id, followIt) {
  showError("");
  let operation;
  try {
    operation = await api("GET", operationPath(id));
  } catch (e) {
    showError(e.message);
    return null;
  }
  if (!operation.done) {
    followIt(id, false);
    return null;
  }
  return operation;
}

// A video job from the list: followed while it runs, else its result (or error) from GET /v1/operations/{id}.
async function openVideoOperation(id) {
  const operation = await endedOperation(id, followVideo);
  if (!operation) return null;
  stopFollowingVideo();
  setUrlOperation(id, "video");
  resetVideoRun();
  $("video-stylize").disabled = false;
  $("video-cancel").disabled = true;
  if (operation.response) {
    showVideoResult(id, operation.response);
  } else {
    const error = statusError(operation.error || {});
    $("video-status").textContent = error instanceof Cancelled ? "cancelled" : "failed";
    if (!(error instanceof Cancelled)) showError(error.message);
  }
  $("video-panel").scrollIntoView({ block: "nearest" });
  return operation;
}

async function downloadVideoOperation(id) {
  const operation = await openVideoOperation(id);
  if (operation?.response) $("video-download").click();
}

// ---- Recent jobs -------------------------------------------------------------------------------------------------

const StateLabels = { QUEUED: "queued", RUNNING: "running", SUCCEEDED: "done", FAILED: "failed", CANCELLED: "cancelled" };

// A finished job, from GET /v1/operations/{id}: its result (the image, base64) or its error.
async function openOperation(id) {
  const operation = await endedOperation(id, follow);
  if (!operation) return null;
  stopFollowing();
  setUrlOperation(id);
  resetRun();
  $("stylize").disabled = false;
  $("cancel").disabled = true;
  if (operation.response) {
    showResult(id, operation.response);
  } else {
    const error = statusError(operation.error || {});
    $("status").textContent = error instanceof Cancelled ? "cancelled" : "failed";
    if (!(error instanceof Cancelled)) showError(error.message);
  }
  return operation;
}

async function downloadOperation(id) {
  const operation = await openOperation(id);
  if (operation?.response) $("download").click();
}

function jobRow(operation) {
  const m = operation.metadata || {};
  const id = operationId(operation.name);
  const row = document.createElement("tr");
  row.dataset.operation = id;
  if (state.run?.id === id || state.videoRun?.id === id || (!state.run && urlOperation() === id)) row.className = "current";
  const video = (m["@type"] || "").endsWith(".StylizeVideoMetadata");
  // Trainings (TrainStyleNetworkMetadata) are listed with the caller's stylize jobs.
  const trainedStyle = (m["@type"] || "").endsWith(".TrainStyleNetworkMetadata") ? (m.styleName || "").replace(/^styles\//, "") : null;
  const created = document.createElement("td");
  created.textContent = m.createTime ? new Date(m.createTime).toLocaleString() : "";
  const kind = document.createElement("td");
  kind.textContent = trainedStyle !== null ? `train ${trainedStyle}` : video ? "video" : "stylize";
  const status = document.createElement("td");
  status.className = `state ${(m.state || "").toLowerCase()}`;
  status.textContent = StateLabels[m.state] || m.state || "?";
  if (m.state === "QUEUED" && m.queuePosition > 0) status.textContent += ` (${m.queuePosition})`;
  if (m.attempt > 1) status.title = `attempt ${m.attempt}, resumed from iteration ${m.resumedFromIteration}`;
  const progress = document.createElement("td");
  const bar = document.createElement("progress");
  const [done, total] = video ? [m.framesDone, m.totalFrames] : [m.iteration, m.totalIterations];
  bar.max = Math.max(total || 1, 1);
  bar.value = done || 0;
  progress.append(bar, ` ${done || 0}/${total || "?"}${video ? " frames" : ""}`);
  const actions = document.createElement("td");
  const button = (label, onClick) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = label;
    b.addEventListener("click", onClick);
    actions.append(b);
  };
  if (trainedStyle !== null) {
    // Its progress (or outcome) shows with the style, in the gallery's panel.
    button("Show", () => {
      selectStyle(trainedStyle);
      if (!operation.done) followTraining(trainedStyle, id, operation);
      $("instant").scrollIntoView({ block: "nearest" });
    });
  } else if (video) {
    if (!operation.done) button("Watch", () => followVideo(id, false));
    else button("View", () => openVideoOperation(id));
    if (m.state === "SUCCEEDED") button("Download", () => downloadVideoOperation(id));
  } else if (!operation.done) {
    button("Watch", () => follow(id, false));
  } else {
    button("View", () => openOperation(id));
    if (m.state === "SUCCEEDED") button("Download", () => downloadOperation(id));
  }
  row.append(created, kind, status, progress, actions);
  return row;
}

// The caller's own jobs (GET /v1/operations), newest first; polled while any of them is still queued or running.
async function loadJobs() {
  clearTimeout(state.jobsTimer);
  let operations;
  try {
    operations = (await api("GET", "/v1/operations?page_size=100")).operations || [];
  } catch {
    $("jobs-empty").textContent = "jobs unavailable";
    $("jobs-empty").hidden = false;
    state.jobsTimer = setTimeout(loadJobs, 10000);
    return;
  }
  const time = (o) => Date.parse(o.metadata?.createTime || "") || 0;
  operations.sort((a, b) => time(b) - time(a));
  $("jobs").querySelector("tbody").replaceChildren(...operations.slice(0, 20).map(jobRow));
  $("jobs").hidden = operations.length === 0;
  $("jobs-empty").textContent = "No jobs yet.";
  $("jobs-empty").hidden = operations.length > 0;
  if (operations.some((o) => !o.done)) state.jobsTimer = setTimeout(loadJobs, 3000);
}

$("stylize").addEventListener("click", stylize);
$("video-stylize").addEventListener("click", stylizeVideo);
$("video-cancel").addEventListener("click", cancelVideo);
$("video-method").addEventListener("change", updateVideoMethod);
$("cancel").addEventListener("click", cancel);
$("jobs-refresh").addEventListener("click", loadJobs);
$("api-key").value = localStorage.getItem("stylegrpc-api-key") || "";
$("api-key").addEventListener("change", () => {
  localStorage.setItem("stylegrpc-api-key", $("api-key").value);
  state.trainAllowed = true;
  loadInfo();
  loadGallery();
  loadJobs();
});

updateMethod();
loadInfo();
loadGallery();
loadJobs();
// A reload (or a link) names a job: show it, following it if it still runs.
if (urlOperation()) follow(urlOperation(), false);
const urlVideo = new URL(location.href).searchParams.get("video");
if (urlVideo) followVideo(urlVideo, false);
