import type { OutputStream } from './types.js';

/** Options of a {@link ProgressLine}. */
export interface ProgressOptions {
  /** Nothing is shown before this many ms (short inputs stay quiet). */
  delayMs: number;
  /** Least ms between two updates. */
  intervalMs: number;
  /** Clock, for tests. */
  now?: () => number;
}

const ERASE = '\r\x1b[K';

/** One self-erasing status line on stderr: "wirescope: 12,345 spans read". */
export class ProgressLine {
  private readonly stream: OutputStream;
  private readonly options: ProgressOptions;
  private readonly now: () => number;
  private readonly startedAt: number;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private shown = false;

  constructor(stream: OutputStream, options: ProgressOptions) {
    this.stream = stream;
    this.options = options;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Reports the number of spans read so far; writes at most once per interval. */
  update(spansRead: number): void {
    const now = this.now();
    if (now - this.startedAt < this.options.delayMs) return;
    if (now - this.lastWriteAt < this.options.intervalMs) return;
    this.lastWriteAt = now;
    this.shown = true;
    this.stream.write(`${ERASE}wirescope: ${spansRead.toLocaleString('en-US')} spans read`);
  }

  /** Erases the line, if one was shown. */
  done(): void {
    if (this.shown) this.stream.write(ERASE);
    this.shown = false;
  }
}

/** A progress line that shows nothing. */
export const NO_PROGRESS = { update(): void {}, done(): void {} };
