// The tables beside the globe: conjunctions (sortable), alerts (newest first), warnings, search.
import { isoSeconds } from "./clock.js";

const SORT_KEYS = {
  tca: (c) => c.tca_ms,
  miss: (c) => c.miss_distance_km,
  pc: (c) => (c.pc === null ? -1 : c.pc),
};

export function formatPc(pc) {
  return pc === null || pc === undefined ? "—" : pc === 0 ? "0" : pc.toExponential(2);
}

/** A table whose rows are records; clicking a row selects it and calls `onOpen(record)`. */
class RecordTable {
  /** `label(norad_id)` names an object in the cells. */
  constructor(table, label, onOpen) {
    this.table = table;
    this.label = label;
    this.onOpen = onOpen;
  }

  /** Replace the rows: one per record, cells from `cells(record)`; the row of `newId` flashes. */
  fill(records, cells, newId = null) {
    const tbody = this.table.tBodies[0];
    tbody.replaceChildren();
    for (const r of records) {
      const tr = document.createElement("tr");
      tr.dataset.id = r.id;
      if (r.id === newId) tr.classList.add("new");
      for (const v of cells(r)) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      tr.addEventListener("click", () => {
        for (const row of tbody.querySelectorAll("tr.selected")) row.classList.remove("selected");
        tr.classList.add("selected");
        this.onOpen(r);
      });
      tbody.append(tr);
    }
  }
}

export class ConjunctionTable extends RecordTable {
  constructor(table, label, onOpen) {
    super(table, label, onOpen);
    this.rows = [];
    this.sort = { key: "pc", desc: true };
    for (const th of table.querySelectorAll("th[data-sort]")) {
      th.addEventListener("click", () => this.sortBy(th.dataset.sort));
    }
  }

  set(rows) {
    this.rows = rows;
    this.render();
  }

  sortBy(key) {
    this.sort = { key, desc: this.sort.key === key ? !this.sort.desc : key === "pc" };
    for (const th of this.table.querySelectorAll("th[data-sort]")) {
      th.classList.toggle("sorted-asc", th.dataset.sort === key && !this.sort.desc);
      th.classList.toggle("sorted-desc", th.dataset.sort === key && this.sort.desc);
    }
    this.render();
  }

  render() {
    const f = SORT_KEYS[this.sort.key];
    const sign = this.sort.desc ? -1 : 1;
    const rows = [...this.rows].sort((a, b) => sign * (f(a) - f(b)) || a.id - b.id);
    this.fill(rows, (c) => [`${this.label(c.norad_id_1)} × ${this.label(c.norad_id_2)}`, isoSeconds(c.tca_ms),
      c.miss_distance_km.toFixed(3), formatPc(c.pc)]);
  }
}

const newestFirst = (a, b) => b.created_ms - a.created_ms || b.id - a.id;

export class AlertTable extends RecordTable {
  constructor(table, label, onOpen) {
    super(table, label, onOpen);
    this.alerts = [];
  }

  set(alerts) {
    this.alerts = [...alerts].sort(newestFirst);
    this.render(null);
  }

  /** Add one alert from the live stream (ignored if already shown); newest stays on top. */
  push(alert) {
    if (this.alerts.some((a) => a.id === alert.id)) return false;
    this.alerts.push(alert);
    this.alerts.sort(newestFirst);
    this.render(alert.id);
    return true;
  }

  render(newId) {
    this.fill(this.alerts, (a) => [isoSeconds(a.created_ms), a.level, this.label(a.norad_id), a.message], newId);
  }
}

export class WarningTable extends RecordTable {
  set(warnings) {
    this.fill(warnings, (w) => [isoSeconds(w.time_ms), w.kind, w.norad_id === null ? "—" : this.label(w.norad_id),
      w.summary]);
  }
}

/** Search the loaded objects by name (substring, any case) or catalog number (prefix). */
export function searchObjects(columns, text, limit = 100) {
  const q = text.trim().toUpperCase();
  const out = [];
  if (!q) return out;
  const numeric = /^\d+$/.test(q);
  for (let i = 0; i < columns.norad_id.length && out.length < limit; i++) {
    const hit = numeric ? String(columns.norad_id[i]).startsWith(q) : (columns.name[i] || "").toUpperCase().includes(q);
    if (hit) out.push(i);
  }
  return out;
}
