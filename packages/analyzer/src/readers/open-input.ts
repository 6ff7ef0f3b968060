import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../input-error.js';
import type { ReadSpansInput } from './types.js';

/** Chunk size for files: large chunks keep the per-chunk overhead of the scanners small. */
let fileChunkBytes = 1 << 20;

/** Sets the chunk size files are read in (tests read with tiny chunks); returns the previous size. */
export function setFileChunkBytes(bytes: number): number {
  const previous = fileChunkBytes;
  fileChunkBytes = bytes;
  return previous;
}

/**
 * The bytes of an input, decompressed, with the name errors use. A file is read into one buffer used
 * again for every chunk (a new buffer per chunk would make V8 collect garbage every few megabytes
 * for the external memory alone): the bytes of a chunk are valid until the next chunk is pulled, and
 * a reader that keeps bytes longer copies them.
 */
export interface OpenedInput {
  name: string;
  chunks: AsyncIterable<Buffer>;
}

/** Opens a path (`-` is stdin) or takes a stream; gunzips when the first bytes are the gzip magic. */
export function openInput(input: ReadSpansInput): OpenedInput {
  if ('path' in input) {
    const name = input.path;
    const chunks = name === '-' ? asBuffers(process.stdin) : readFile(name, fileChunkBytes);
    return { name, chunks: gunzipIfNeeded(fileErrors(chunks, name), name) };
  }
  return { name: input.name, chunks: gunzipIfNeeded(asBuffers(input.stream), input.name) };
}

async function* asBuffers(stream: AsyncIterable<unknown> | NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  for await (const chunk of stream as AsyncIterable<unknown>) {
    if (Buffer.isBuffer(chunk)) yield chunk;
    else if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError('readSpans: the stream must yield bytes or strings');
  }
}

/**
 * The bytes of a file, chunk by chunk, in two buffers used in turn: while the reader scans one chunk,
 * the next is already being read into the other (a read awaited only when the chunk is pulled left the
 * main thread idle for every read, some 7 % of the elapsed time on a large file). A chunk's buffer is
 * read into again only after the next chunk was pulled, so a chunk stays valid until then, as before.
 */
async function* readFile(path: string, chunkBytes: number): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  let pending: Promise<{ bytesRead: number }> | undefined;
  try {
    let current = Buffer.allocUnsafeSlow(chunkBytes);
    let spare = Buffer.allocUnsafeSlow(chunkBytes);
    pending = file.read(current, 0, chunkBytes, null);
    for (;;) {
      const { bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) return;
      const chunk = current.subarray(0, bytesRead);
      pending = file.read(spare, 0, chunkBytes, null);
      yield chunk;
      [current, spare] = [spare, current];
    }
  } finally {
    // A reader that stops early leaves a read in flight: let it end before the file closes.
    await pending?.catch(() => undefined);
    await file.close();
  }
}

async function* fileErrors(chunks: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') {
      throw new InputError({ code: 'WIRESCOPE_NO_FILE', file: name, problem: 'no such file' });
    }
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      const problem =
        code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot read (${code})`;
      throw new InputError({
        code: code === 'EISDIR' ? 'WIRESCOPE_NO_FILE' : undefined,
        file: name,
        problem,
      });
    }
    throw error;
  }
}

async function* gunzipIfNeeded(chunks: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  let done = false;
  while (head.length < 2 && !done) {
    const next = await iterator.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, next.value]); // a copy: the chunk's buffer is used again
  }
  if (!(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)) {
    try {
      if (head.length > 0) yield head;
      if (!done) yield* restOf(iterator, false);
    } finally {
      // Closes the file when the reader stops early (bad input, a `break`) even before `rest` started.
      if (!done) await iterator.return?.();
    }
    return;
  }
  const rest = restOf(iterator, done);
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  // Feed the compressed bytes in the background, honouring backpressure; errors surface on read.
  const feed = (async () => {
    try {
      if (!gunzip.write(head)) await onceDrained(gunzip);
      for await (const chunk of rest) {
        if (gunzip.destroyed) break;
        // A copy: zlib reads it later, and the chunk's buffer is used again.
        if (!gunzip.write(Buffer.from(chunk))) await onceDrained(gunzip);
      }
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    throw new InputError({ file: name, problem: `gzip: ${message}${code ? ` (${String(code)})` : ''}` });
  } finally {
    gunzip.destroy();
    await feed;
  }
}

async function* restOf(iterator: AsyncIterator<Buffer>, done: boolean): AsyncGenerator<Buffer> {
  if (done) return;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

function onceDrained(stream: NodeJS.WritableStream & { destroyed?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.removeListener('drain', done);
      stream.removeListener('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
