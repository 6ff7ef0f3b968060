/** The progress display: one line per scenario on stderr, rewritten in place on a terminal. */
export interface Progress {
  /** Adds a line (returns its index). */
  add(text: string): number;
  /** Replaces line `index`. */
  update(index: number, text: string): void;
  /** Marks line `index` done; on a pipe this is when the line is printed. */
  done(index: number, text: string): void;
}

/** A progress display on `stream`; redraws in place only when it is a terminal. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  const lines: string[] = [];
  let drawn = 0;
  let lastDraw = 0;

  const fit = (text: string) => {
    const width = (stream.columns ?? 100) - 1;
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  };
  const redraw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastDraw < 80) return;
    lastDraw = now;
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const line of lines) out += `\r\x1b[2K${fit(line)}\n`;
    stream.write(out);
    drawn = lines.length;
  };

  return {
    add(text) {
      lines.push(text);
      if (tty) redraw(true);
      return lines.length - 1;
    },
    update(index, text) {
      lines[index] = text;
      if (tty) redraw(false);
    },
    done(index, text) {
      lines[index] = text;
      if (tty) redraw(true);
      else stream.write(`${text}\n`);
    },
  };
}
