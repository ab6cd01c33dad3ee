// The details panel: one object (elements, epoch age, provenance, marking, maneuvers,
// upcoming close approaches, range-history and Gabbard plots of its warnings) or one
// conjunction (geometry, Pc, CDM download).
import { blobUrl } from "./api.js";
import { isoSeconds } from "./clock.js";
import { formatPc } from "./tables.js";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function list(pairs) {
  const dl = el("dl");
  for (const [k, v] of pairs) dl.append(el("dt", {}, k), el("dd", {}, v === null || v === undefined ? "—" : String(v)));
  return dl;
}

/** Age of an epoch relative to the time shown, in days (positive: the epoch is in the past). */
function ageDays(epochMs, shownMs) {
  return ((shownMs - epochMs) / 86400000).toFixed(2);
}

export function renderObject(panel, obj, shownMs, { onConjunction }) {
  const es = obj.element_set;
  const approaches = el("table", { class: "grid", "data-testid": "close-approaches" },
    el("thead", {}, el("tr", {}, el("th", {}, "with"), el("th", {}, "TCA"), el("th", {}, "miss km"), el("th", {}, "Pc"))));
  const body = el("tbody");
  for (const c of obj.close_approaches) {
    body.append(el("tr", { onclick: () => onConjunction(c.id) }, el("td", {}, `${c.other_name || ""} ${c.other_norad_id}`),
      el("td", {}, isoSeconds(c.tca_ms)), el("td", {}, c.miss_distance_km.toFixed(3)), el("td", {}, formatPc(c.pc))));
  }
  approaches.append(body);
  const maneuvers = obj.maneuvers.length
    ? el("ul", {}, ...obj.maneuvers.map((m) => el("li", {}, `${isoSeconds(m.time_ms)} ${m.summary}`)))
    : el("p", {}, "none detected");
  panel.replaceChildren(
    el("h2", {}, `${obj.name || "(no name)"} — ${obj.norad_id}`),
    el("div", { class: "marking", "data-testid": "object-marking" }, obj.banner),
    list([
      ["international id", obj.intl_designator], ["type", obj.object_type], ["owner", obj.owner],
      ["epoch", es.epoch], ["epoch age (days at time shown)", ageDays(es.epoch_ms, shownMs)],
      ["mean motion (rev/day)", es.mean_motion_rev_day], ["eccentricity", es.eccentricity],
      ["inclination (deg)", es.inclination_deg], ["RAAN (deg)", es.raan_deg],
      ["arg. of perigee (deg)", es.arg_perigee_deg], ["mean anomaly (deg)", es.mean_anomaly_deg],
      ["B* (1/earth radii)", es.bstar_per_er], ["regime", es.regime],
      ["source", obj.provenance.source], ["origin", obj.provenance.origin], ["format", obj.provenance.format],
      ["data mode", obj.provenance.data_mode], ["ingested", obj.provenance.ingested_at],
    ]),
    el("h2", {}, "Last maneuvers"), maneuvers,
    el("h2", {}, "Upcoming close approaches"), approaches,
    ...plots(obj.plots),
  );
  panel.hidden = false;
}

const PLOT_TITLES = { PROXIMITY: "Range history", BREAKUP: "Gabbard diagram" };

/** A figure per plot (SVG drawn by the server, fetched with the key and shown as an image). */
function plots(entries) {
  if (!entries.length) return [];
  const figures = entries.map((p) => {
    const img = el("img", { alt: `${PLOT_TITLES[p.kind]}: ${p.summary}`, "data-testid": "warning-plot",
      "data-warning-id": String(p.warning_id) });
    blobUrl(p.url).then((url) => {
      img.addEventListener("load", () => URL.revokeObjectURL(url), { once: true });
      img.src = url;
    }).catch((err) => img.replaceWith(el("p", {}, `plot unavailable: ${err.message}`)));
    return el("figure", { class: "plot" }, img,
      el("figcaption", {}, `${PLOT_TITLES[p.kind]} — ${isoSeconds(p.time_ms)} ${p.summary}`));
  });
  return [el("h2", {}, "Plots"), ...figures];
}

export function renderConjunction(panel, c, { onJump, onDownload }) {
  panel.replaceChildren(
    el("h2", {}, `Conjunction ${c.id}: ${c.name_1 || ""} ${c.norad_id_1} × ${c.name_2 || ""} ${c.norad_id_2}`),
    el("div", { class: "marking", "data-testid": "conjunction-marking" }, c.banner),
    el("div", { class: "actions" },
      el("button", { type: "button", "data-testid": "jump-tca", onclick: () => onJump(c) }, "Jump to TCA"),
      el("button", { type: "button", "data-testid": "download-cdm", onclick: () => onDownload(c) }, "Download CDM")),
    list([
      ["TCA", c.tca], ["miss distance (km)", c.miss_distance_km.toFixed(4)],
      ["miss radial / in-track / cross-track (km)",
        [c.miss_radial_km, c.miss_in_track_km, c.miss_cross_track_km].map((x) => x.toFixed(4)).join(" / ")],
      ["relative speed (km/s)", c.relative_speed_km_s.toFixed(3)], ["Pc", formatPc(c.pc)],
      ["Pc method", c.pc_method], ["hard-body radius (m)", c.hbr_m], ["covariance assumed", c.covariance_assumed],
      ["source", c.source], ["data mode", c.data_mode],
    ]),
  );
  panel.hidden = false;
}
