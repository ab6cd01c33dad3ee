// Web worker: SGP4 for every visible object at the time shown, off the page's main thread.
//
// Messages in:
//   {type: "load", columns}                 element sets (columns of /api/v1/picture/elements)
//   {type: "positions", t}                  t: UTC ms since 1970
//   {type: "path", request, index, t0, t1, n, ground}
//      n positions of object `index` from t0 to t1 (UTC ms); `ground`: sub-satellite points on
//      the ellipsoid (a ground track), else the orbit as seen in inertial space, drawn with the
//      Earth's orientation at t0.
// Messages out carry Float64Array buffers of x, y, z in km, Earth-fixed (a TEME→ECEF rotation
// by Greenwich mean sidereal time: polar motion and the TEME/TOD difference, tens of metres,
// are below what the globe shows). NaN marks an object SGP4 could not propagate.
import { json2satrec, sgp4, gstime, eciToGeodetic, eciToEcf, geodeticToEcf } from "../vendor/satellite.js/index.js";

const JD_UNIX_EPOCH = 2440587.5;
let satrecs = [];

function julian(tMs) {
  return tMs / 86400000 + JD_UNIX_EPOCH;
}

function loadColumns(c) {
  satrecs = new Array(c.norad_id.length);
  let failed = 0;
  for (let i = 0; i < satrecs.length; i++) {
    try {
      satrecs[i] = json2satrec({
        NORAD_CAT_ID: c.norad_id[i],
        EPOCH: new Date(c.epoch_ms[i]).toISOString(),
        MEAN_MOTION: c.mean_motion_rev_day[i],
        ECCENTRICITY: c.eccentricity[i],
        INCLINATION: c.inclination_deg[i],
        RA_OF_ASC_NODE: c.raan_deg[i],
        ARG_OF_PERICENTER: c.arg_perigee_deg[i],
        MEAN_ANOMALY: c.mean_anomaly_deg[i],
        BSTAR: c.bstar_per_er[i],
        MEAN_MOTION_DOT: c.mean_motion_dot[i],
        MEAN_MOTION_DDOT: c.mean_motion_ddot[i],
      });
    } catch {
      satrecs[i] = null;
      failed++;
    }
  }
  return failed;
}

/** TEME position (km) of one object at t (UTC ms), or null. */
function teme(satrec, tMs) {
  if (!satrec) return null;
  const r = sgp4(satrec, (julian(tMs) - satrec.jdsatepoch) * 1440);
  if (!r || !r.position || Number.isNaN(r.position.x)) return null;
  return r.position;
}

function positions(tMs) {
  const out = new Float64Array(satrecs.length * 3);
  const gmst = gstime(julian(tMs));
  for (let i = 0; i < satrecs.length; i++) {
    const p = teme(satrecs[i], tMs);
    if (!p) {
      out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = NaN;
      continue;
    }
    const e = eciToEcf(p, gmst);
    out[3 * i] = e.x;
    out[3 * i + 1] = e.y;
    out[3 * i + 2] = e.z;
  }
  return out;
}

function path(index, t0, t1, n, ground) {
  const out = new Float64Array(n * 3).fill(NaN);
  const gmst0 = gstime(julian(t0));
  for (let k = 0; k < n; k++) {
    const t = t0 + ((t1 - t0) * k) / Math.max(n - 1, 1);
    const p = teme(satrecs[index], t);
    if (!p) continue;
    const e = ground ? geodeticToEcf({ ...eciToGeodetic(p, gstime(julian(t))), height: 0 }) : eciToEcf(p, gmst0);
    out[3 * k] = e.x;
    out[3 * k + 1] = e.y;
    out[3 * k + 2] = e.z;
  }
  return out;
}

self.onmessage = ({ data }) => {
  if (data.type === "load") {
    const failed = loadColumns(data.columns);
    self.postMessage({ type: "loaded", n: satrecs.length, failed });
  } else if (data.type === "positions") {
    const buf = positions(data.t);
    self.postMessage({ type: "positions", t: data.t, buf }, [buf.buffer]);
  } else if (data.type === "path") {
    const buf = path(data.index, data.t0, data.t1, data.n, data.ground);
    self.postMessage({ type: "path", request: data.request, buf }, [buf.buffer]);
  }
};

