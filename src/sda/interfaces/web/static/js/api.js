// Calls to the SDA REST API with the partner's API key (Authorization: Bearer KEY).
// Every request goes to the server the page came from; nothing else is contacted.

const KEY_ITEM = "sda.apiKey";

export function savedKey() {
  return sessionStorage.getItem(KEY_ITEM);
}

export function saveKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && (problem.detail || problem.title) ? (problem.detail || problem.title) : `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** GET (or another method with a JSON body) one API path; resolves to the parsed JSON. */
export async function api(path, { method = "GET", body, key = savedKey() } = {}) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!resp.ok) {
    let problem = null;
    try { problem = await resp.json(); } catch { /* not JSON */ }
    throw new ApiError(resp.status, problem);
  }
  return resp.json();
}

/** One API resource as a blob: URL (the key travels in the header, not the URL); revoke it when done. */
export async function blobUrl(path) {
  const resp = await fetch(path, { headers: { Authorization: `Bearer ${savedKey()}` } });
  if (!resp.ok) throw new ApiError(resp.status, null);
  return URL.createObjectURL(await resp.blob());
}

/** Download one API resource as a file named `filename`. */
export async function download(path, filename) {
  const url = await blobUrl(path);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Follow a server-sent event stream for as long as the page is open; `onEvent(name, data)` is
 * called for each event whose data parses as JSON. EventSource cannot send an Authorization
 * header, so the stream is read with fetch; `lastId()` is sent as Last-Event-ID so that nothing
 * raised since the page's last look is missed. Reconnects `retryMs` after the stream ends.
 */
export async function followEvents(path, onEvent, { lastId = () => null, retryMs = 2000, onOpen = () => {} } = {}) {
  for (;;) {
    try {
      const headers = { Accept: "text/event-stream", Authorization: `Bearer ${savedKey()}` };
      const last = lastId();
      if (last !== null) headers["Last-Event-ID"] = String(last);
      const resp = await fetch(path, { headers });
      if (!resp.ok) throw new ApiError(resp.status, null);
      onOpen();
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          dispatch(buffer.slice(0, cut), onEvent);
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch (err) {
      console.warn("event stream:", err.message);
    }
    await new Promise((r) => setTimeout(r, retryMs));
  }
}

function dispatch(block, onEvent) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return;
  try {
    onEvent(name, JSON.parse(data.join("\n")));
  } catch {
    /* a keep-alive or non-JSON payload */
  }
}
