// StyleGrpc's page: the JSON API (/v1/...) that the server transcodes from its gRPC contract, and nothing else.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { style: null, content: null, styleImage: null, run: null, points: [], jobsTimer: 0 };

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

// The request as the page sent it when this tab (or an earlier one) submitted the job; otherwise what the record says,
// which names no style (the record keeps the style's targets, not its ID).
function requestFor(id, result) {
  const saved = savedRequests()[id];
  if (saved) return saved;
  const record = result.reproducibility || {};
  const options = { maxSide: Math.max(result.image.width || 0, result.image.height || 0), iterations: record.iterations, optimizer: record.optimizer, keepOriginalColors: record.keepOriginalColors };
  if (!record.styleWeightAutomatic) options.styleWeight = record.styleWeight;
  return { styleName: "STYLE", options };
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

function setUrlOperation(id) {
  const url = new URL(location.href);
  if (id) url.searchParams.set("operation", id); else url.searchParams.delete("operation");
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
  $("status").textContent = `done: ${r.iterationsRun} iterations in ${seconds(r.runTime).toFixed(1)} s`;
  $("download").href = url;
  $("download").download = `stylized-${id}.${({ IMAGE_FORMAT_JPEG: "jpg", IMAGE_FORMAT_WEBP: "webp" })[r.image.format] || "png"}`;
  $("download").hidden = false;
  $("cli-command").textContent = cliCommand(requestFor(id, r), r.reproducibility || {});
  $("record").textContent = JSON.stringify(r.reproducibility, null, 2);
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
    onFrame(run.id, frame);
    return frame.result !== undefined;
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
  $("stylize").disabled = true;
  $("cancel").disabled = false;
  $("status").textContent = fresh ? "submitted" : "re-attaching";
  let failures = 0;
  try {
    for (;;) {
      run.received = false;
      try {
        if (await watchOnce(run)) break;
      } catch (e) {
        if (!(e instanceof Retry)) throw e;
      }
      failures = run.received ? 1 : failures + 1;
      const delay = Math.min(500 * 2 ** (failures - 1), 8000);
      $("status").textContent = `reconnecting (try ${failures}, in ${(delay / 1000).toFixed(1)} s)…`;
      await sleep(delay, run.abort.signal);
    }
  } catch (e) {
    if (e.name === "AbortError") return;
    if (e instanceof Cancelled) {
      $("status").textContent = "cancelled";
    } else {
      $("status").textContent = "failed";
      showError(e.message);
    }
  } finally {
    if (state.run === run) {
      state.run = null;
      $("stylize").disabled = false;
      $("cancel").disabled = true;
      loadInfo();
      loadJobs();
    }
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
  const request = { styleName: state.style, options };
  stopFollowing();
  $("stylize").disabled = true;
  $("cancel").disabled = true;
  $("status").textContent = "sending";
  let operation;
  try {
    operation = await api("POST", "/v1/stylize:submit", { ...request, contentImage: state.content });
  } catch (e) {
    $("status").textContent = "failed";
    $("stylize").disabled = false;
    showError(e.message);
    return;
  }
  const id = operationId(operation.name);
  saveRequest(id, request);
  loadJobs();
  await follow(id, true);
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

// ---- Recent jobs -------------------------------------------------------------------------------------------------

const StateLabels = { QUEUED: "queued", RUNNING: "running", SUCCEEDED: "done", FAILED: "failed", CANCELLED: "cancelled" };

// A finished job, from GET /v1/operations/{id}: its result (the image, base64) or its error.
async function openOperation(id) {
  showError("");
  let operation;
  try {
    operation = await api("GET", operationPath(id));
  } catch (e) {
    showError(e.message);
    return null;
  }
  if (!operation.done) {
    follow(id, false);
    return null;
  }
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
  if (state.run?.id === id || (!state.run && urlOperation() === id)) row.className = "current";
  const created = document.createElement("td");
  created.textContent = m.createTime ? new Date(m.createTime).toLocaleString() : "";
  const status = document.createElement("td");
  status.className = `state ${(m.state || "").toLowerCase()}`;
  status.textContent = StateLabels[m.state] || m.state || "?";
  if (m.state === "QUEUED" && m.queuePosition > 0) status.textContent += ` (${m.queuePosition})`;
  if (m.attempt > 1) status.title = `attempt ${m.attempt}, resumed from iteration ${m.resumedFromIteration}`;
  const progress = document.createElement("td");
  const bar = document.createElement("progress");
  bar.max = Math.max(m.totalIterations || 1, 1);
  bar.value = m.iteration || 0;
  progress.append(bar, ` ${m.iteration || 0}/${m.totalIterations || "?"}`);
  const actions = document.createElement("td");
  const button = (label, onClick) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = label;
    b.addEventListener("click", onClick);
    actions.append(b);
  };
  if (!operation.done) {
    button("Watch", () => follow(id, false));
  } else {
    button("View", () => openOperation(id));
    if (m.state === "SUCCEEDED") button("Download", () => downloadOperation(id));
  }
  row.append(created, status, progress, actions);
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
$("cancel").addEventListener("click", cancel);
$("jobs-refresh").addEventListener("click", loadJobs);
$("api-key").value = localStorage.getItem("stylegrpc-api-key") || "";
$("api-key").addEventListener("change", () => { localStorage.setItem("stylegrpc-api-key", $("api-key").value); loadInfo(); loadGallery(); loadJobs(); });

loadInfo();
loadGallery();
loadJobs();
// A reload (or a link) names a job: show it, following it if it still runs.
if (urlOperation()) follow(urlOperation(), false);
