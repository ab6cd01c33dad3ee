// The time shown: play, pause, speed and jumps. Ticks only while playing, so an idle page
// with the clock paused runs no timer at all.

export class Clock {
  /** `onChange(tMs)` is called whenever the time shown changes (at most every `tickMs` while playing). */
  constructor(tMs, onChange, { tickMs = 250 } = {}) {
    this.t = tMs;
    this.speed = 60;
    this.onChange = onChange;
    this.tickMs = tickMs;
    this.timer = null;
  }

  get playing() {
    return this.timer !== null;
  }

  play() {
    if (this.timer) return;
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.t += (now - last) * this.speed;
      last = now;
      this.onChange(this.t);
    }, this.tickMs);
  }

  pause() {
    clearInterval(this.timer);
    this.timer = null;
  }

  jump(tMs) {
    this.t = tMs;
    this.onChange(this.t);
  }
}

/** ISO-8601 UTC with seconds and a Z, e.g. 2022-01-22T03:04:05Z. */
export function isoSeconds(tMs) {
  return new Date(Math.round(tMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
