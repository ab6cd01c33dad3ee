// The common operational picture: log in with an API key, load what the partner may see,
// propagate it for the time shown and keep the alert table live.
import { api, ApiError, download, followEvents, saveKey, savedKey } from "./api.js";
import { Clock, isoSeconds } from "./clock.js";
import { renderConjunction, renderObject } from "./details.js";
import { Globe, TYPE_COLOURS, ownerColour } from "./globe.js";
import { AlertTable, ConjunctionTable, WarningTable, searchObjects } from "./tables.js";

const $ = (id) => document.getElementById(id);
const ORBIT_STEPS = 180;
const TRACK_STEPS = 240;

const state = {
  columns: null,      // element sets of every visible object, by column
  index: new Map(),   // norad_id -> row in columns
  owners: [],
  markings: new Set(), // JSON texts of every marking on screen
  selection: null,    // {kind: "object", index} | {kind: "conjunction", c} | {kind: "warning", w}
  worker: null,
  busy: false,
  pendingT: null,
  lastPositions: null,
  flyToAfterUpdate: null, // object to bring into view once positions are updated
};
let globe = null;
let clock = null;
let tables = null;

function label(noradId) {
  const i = state.index.get(noradId);
  const name = i === undefined ? null : state.columns.name[i];
  return name ? `${name} (${noradId})` : String(noradId);
}

function setStatus(text) {
  $("status").textContent = text;
}

// --- login -------------------------------------------------------------------------------

async function login(key) {
  const session = await api("/api/v1/picture/session", { key });
  saveKey(key);
  return session;
}

function showLogin(message = "") {
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("banner").textContent = "NOT LOGGED IN";
}

$("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const key = $("login-key").value.trim();
  try {
    start(await login(key));
  } catch (err) {
    showLogin(err instanceof ApiError && err.status === 401 ? "That API key was not accepted." : err.message);
  }
});

$("logout").addEventListener("click", () => {
  saveKey(null);
  location.reload();
});

// --- banner ------------------------------------------------------------------------------

async function refreshBanner() {
  const markings = [...state.markings].map((m) => JSON.parse(m));
  const { banner, restricted, mode } = await api("/api/v1/picture/banner", { method: "POST", body: { markings } });
  const b = $("banner");
  b.textContent = banner;
  b.classList.toggle("restricted", restricted);
  b.classList.toggle("exercise", mode !== "REAL");
}

/** Remember the markings of `records` (the parts of a marking only, in a fixed order). */
function addMarkings(records) {
  const before = state.markings.size;
  for (const { marking: m } of records) {
    state.markings.add(JSON.stringify({ owner: m.owner || "", releasable_to: m.releasable_to, mode: m.mode || "REAL",
      caveats: m.caveats || [] }));
  }
  return state.markings.size !== before;
}

// --- objects and propagation -------------------------------------------------------------

function colours() {
  const c = state.columns;
  const byOwner = $("colour-by").value === "owner";
  return c.norad_id.map((_, i) => (byOwner ? ownerColour(c.owner[i], state.owners)
    : TYPE_COLOURS[c.object_type[i]] || TYPE_COLOURS.UNKNOWN));
}

function legend() {
  const byOwner = $("colour-by").value === "owner";
  const entries = byOwner ? [...state.owners.map((o) => [o, ownerColour(o, state.owners)]), ["no owner", ownerColour(null, [])]]
    : Object.entries(TYPE_COLOURS);
  $("legend").replaceChildren(...entries.map(([name, colour]) => {
    const span = document.createElement("span");
    const dot = document.createElement("i");
    dot.style.background = colour;
    span.append(dot, name);
    return span;
  }));
}

function median(values) {
  const s = Float64Array.from(values).sort();
  return s.length ? s[Math.floor(s.length / 2)] : Date.now();
}

function workerCall(message) {
  return new Promise((resolve) => {
    const handler = ({ data }) => {
      if (data.type === message.type || (message.type === "load" && data.type === "loaded")) {
        if (message.type === "path" && data.request !== message.request) return;
        state.worker.removeEventListener("message", handler);
        resolve(data);
      }
    };
    state.worker.addEventListener("message", handler);
    state.worker.postMessage(message);
  });
}

/** Propagate every object to `t` (coalescing requests made while one is running). */
async function propagateTo(t) {
  if (state.busy) {
    state.pendingT = t;
    return;
  }
  state.busy = true;
  const { buf } = await workerCall({ type: "positions", t });
  state.lastPositions = buf;
  globe.setPositions(buf);
  await drawSelection(t);
  if (state.flyToAfterUpdate !== null) {
    globe.flyTo(state.flyToAfterUpdate);
    state.flyToAfterUpdate = null;
  }
  document.body.dataset.shownTime = String(t);
  state.busy = false;
  if (state.pendingT !== null) {
    const next = state.pendingT;
    state.pendingT = null;
    propagateTo(next);
  }
}

let pathRequest = 0;
async function path(index, t0, t1, n, ground) {
  pathRequest += 1;
  const { buf } = await workerCall({ type: "path", request: pathRequest, index, t0, t1, n, ground });
  return buf;
}

function periodMs(index) {
  return 86400000 / state.columns.mean_motion_rev_day[index];
}

function pointKm(index) {
  const b = state.lastPositions;
  return b ? b.slice(3 * index, 3 * index + 3) : new Float64Array([NaN, NaN, NaN]);
}

/** Orbits, the conjunction link and ground tracks of what is selected, for the time `t`. */
async function drawSelection(t) {
  const sel = state.selection;
  if (!sel) {
    globe.setLines([]);
    return;
  }
  const lines = [];
  const ids = sel.kind === "object" ? [sel.index]
    : sel.kind === "conjunction" ? [state.index.get(sel.c.norad_id_1), state.index.get(sel.c.norad_id_2)]
      : [state.index.get(sel.w.norad_id)];
  for (const i of ids.filter((x) => x !== undefined)) {
    lines.push({ positions: await path(i, t, t + periodMs(i), ORBIT_STEPS, false), colour: "#4fc3f7" });
  }
  if (sel.kind === "conjunction" && ids.every((x) => x !== undefined)) {
    const a = pointKm(ids[0]);
    const b = pointKm(ids[1]);
    lines.push({ positions: Float64Array.of(...a, ...b), colour: "#ff5252", width: 3 });
  }
  if (sel.kind === "warning" && sel.w.kind === "OVERFLIGHT" && ids[0] !== undefined) {
    const [t0, t1] = [sel.w.window_start_ms ?? sel.w.time_ms - periodMs(ids[0]) / 2,
      sel.w.window_stop_ms ?? sel.w.time_ms + periodMs(ids[0]) / 2];
    lines.push({ positions: await path(ids[0], t0, t1, TRACK_STEPS, true), colour: "#ffca28", width: 2 });
  }
  globe.setLines(lines);
  globe.highlight(ids.filter((x) => x !== undefined));
}

// --- selection ---------------------------------------------------------------------------

async function selectObject(index) {
  state.selection = { kind: "object", index };
  const since = encodeURIComponent(isoSeconds(clock.t));
  const obj = await api(`/api/v1/picture/objects/${state.columns.norad_id[index]}?since=${since}`);
  renderObject($("details"), obj, clock.t, { onConjunction: openConjunctionById });
  if (addMarkings([obj, ...obj.plots])) refreshBanner();
  drawSelection(clock.t);
}

function openConjunction(c) {
  state.selection = { kind: "conjunction", c };
  renderConjunction($("details"), c, {
    onJump: (x) => {
      state.flyToAfterUpdate = state.index.get(x.norad_id_1) ?? null;
      jump(x.tca_ms);
    },
    onDownload: (x) => download(`/api/v1/conjunctions/${x.id}/cdm?format=kvn`, `conjunction-${x.id}.cdm.kvn`),
  });
  drawSelection(clock.t);
}

function openConjunctionById(id) {
  const c = tables.conjunctions.rows.find((x) => x.id === id);
  if (c) openConjunction(c);
}

function openAlert(a) {
  const c = tables.conjunctions.rows.find((x) => x.id === a.conjunction_id);
  if (c) {
    openConjunction(c);
    jump(c.tca_ms);
  } else if (state.index.has(a.norad_id)) {
    selectObject(state.index.get(a.norad_id));
  }
}

function openWarning(w) {
  state.selection = { kind: "warning", w };
  state.flyToAfterUpdate = state.index.get(w.norad_id) ?? null;
  if (state.index.has(w.norad_id)) selectObject(state.index.get(w.norad_id)).then(() => {
    state.selection = { kind: "warning", w };
    drawSelection(clock.t);
  });
  jump(w.time_ms);
}

function jump(tMs) {
  clock.jump(tMs);
}

// --- time control ------------------------------------------------------------------------

function onTime(t) {
  $("time-shown").textContent = isoSeconds(t);
  globe.setTime(t);
  propagateTo(t);
}

function wireControls(epochMs) {
  $("play").addEventListener("click", () => {
    if (clock.playing) clock.pause(); else clock.play();
    $("play").textContent = clock.playing ? "⏸" : "▶";
  });
  $("speed").addEventListener("change", () => { clock.speed = Number($("speed").value); });
  $("now").addEventListener("click", () => jump(epochMs));
  $("colour-by").addEventListener("change", () => { globe.recolour(colours()); legend(); });
  for (const button of document.querySelectorAll(".tabs button")) {
    button.addEventListener("click", () => {
      for (const b of document.querySelectorAll(".tabs button")) b.classList.toggle("active", b === button);
      for (const tab of document.querySelectorAll(".tab")) tab.hidden = tab.id !== `tab-${button.dataset.tab}`;
    });
  }
  $("search").addEventListener("input", () => {
    const tbody = $("search-results").tBodies[0];
    tbody.replaceChildren();
    for (const i of searchObjects(state.columns, $("search").value)) {
      const tr = document.createElement("tr");
      tr.dataset.norad = state.columns.norad_id[i];
      tr.innerHTML = "<td></td><td></td><td></td>";
      tr.cells[0].textContent = state.columns.norad_id[i];
      tr.cells[1].textContent = state.columns.name[i] || "";
      tr.cells[2].textContent = state.columns.object_type[i] || "";
      tr.addEventListener("click", () => { selectObject(i); globe.flyTo(i); });
      tbody.append(tr);
    }
  });
  globe.onPick((i) => selectObject(i));
}

// --- start -------------------------------------------------------------------------------

async function start(session) {
  $("login").hidden = true;
  $("app").hidden = false;
  $("who").textContent = `${session.principal.name} — ${session.principal.partner} (${session.principal.role})`;
  const t0 = performance.now();
  state.worker = new Worker(new URL("propagator.js", import.meta.url), { type: "module" });
  // The element sets go to the SGP4 worker as soon as they arrive, while the globe is built.
  const elementsLoaded = api("/api/v1/picture/elements").then(async (elements) => (
    { elements, loaded: await workerCall({ type: "load", columns: elements.columns }) }));
  const [created, { elements, loaded }, conjunctions, alerts, warnings] = await Promise.all([
    globe || Globe.create("globe"), elementsLoaded, api("/api/v1/picture/conjunctions"),
    api("/api/v1/picture/alerts"), api("/api/v1/picture/warnings"),
  ]);
  globe = created;
  state.columns = elements.columns;
  state.columns.norad_id.forEach((id, i) => state.index.set(id, i));
  state.owners = [...new Set(state.columns.owner.filter((o) => o))].sort();
  addMarkings(elements.markings.map((marking) => ({ marking })));
  addMarkings(conjunctions.items);
  addMarkings(alerts.items);
  addMarkings(warnings.items);

  globe.setObjects(loaded.n, colours());
  legend();

  tables = {
    conjunctions: new ConjunctionTable($("conjunctions"), label, openConjunction),
    alerts: new AlertTable($("alerts"), label, openAlert),
    warnings: new WarningTable($("warnings"), label, openWarning),
  };
  tables.conjunctions.set(conjunctions.items);
  tables.alerts.set(alerts.items);
  tables.warnings.set(warnings.items);
  $("n-conjunctions").textContent = conjunctions.items.length;
  $("n-alerts").textContent = alerts.items.length;
  $("n-warnings").textContent = warnings.items.length;
  globe.setAreas(areasOfInterest(warnings.items));

  const epochMs = median(state.columns.epoch_ms);
  clock = new Clock(epochMs, onTime);
  wireControls(epochMs);
  clock.jump(epochMs);
  await refreshBanner();
  while (state.busy) await new Promise((r) => setTimeout(r, 20));

  followEvents("/api/v1/alerts/stream", (name, data) => {
    if (name !== "alert" && name !== "message") return;
    const alert = normaliseAlert(data);
    if (tables.alerts.push(alert)) {
      $("n-alerts").textContent = tables.alerts.alerts.length;
      if (addMarkings([alert])) refreshBanner();
    }
  }, {
    lastId: () => Math.max(0, ...tables.alerts.alerts.map((a) => a.id)),
    onOpen: () => { document.body.dataset.stream = "open"; },
  });

  const failed = loaded.failed ? `, ${loaded.failed} without valid elements` : "";
  setStatus(`${loaded.n} objects${failed}; ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  document.body.dataset.ready = "1";
  document.body.dataset.objects = String(loaded.n);
}

/** The areas of interest of overflight warnings whose evidence has the area's outline:
 * `area_rings_lon_lat_deg`, rings of [lon, lat] vertices (degrees); each area drawn once. */
function areasOfInterest(warnings) {
  const areas = new Map();
  for (const w of warnings) {
    const rings = w.kind === "OVERFLIGHT" ? w.evidence.area_rings_lon_lat_deg : null;
    if (!Array.isArray(rings)) continue;
    const name = w.evidence.area || w.summary;
    rings.forEach((ring, k) => areas.set(`${name}#${k}`, { name, lonLatDeg: ring }));
  }
  return [...areas.values()];
}

/** An alert as the stream sends it (created_at ISO, the marking's mode in data_mode) in the
 * shape of /api/v1/picture/alerts. */
function normaliseAlert(a) {
  return { ...a, created_ms: a.created_ms ?? Date.parse(a.created_at),
    marking: { mode: a.data_mode || "REAL", ...a.marking } };
}

window.sdaPicture = {
  noradIds: () => (state.columns ? [...state.columns.norad_id] : []),
  renders: () => (globe ? globe.renders : 0),
  settled: () => Boolean(globe) && !globe.looping,
  areas: () => (globe ? globe.areas.entities.values.map((e) => e.name) : []),
  lines: () => (globe ? globe.overlays.length : 0),
  positionsOf: (noradId) => (state.index.has(noradId) ? [...pointKm(state.index.get(noradId))] : null),
};

if (savedKey()) {
  login(savedKey()).then(start, () => showLogin());
} else {
  showLogin();
}
