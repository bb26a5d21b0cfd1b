/**
 * Buffered, back-pressured CSV file writers (plain or gzip) for the demo generator.
 *
 * Lines are collected in small arrays and handed to the stream in chunks of ~1 MiB, so the generator
 * never builds one giant string and never lets the stream's buffer grow without bound.
 */

import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { pipeline } from "node:stream/promises";
import { createGzip, constants as zlibConstants, type Gzip } from "node:zlib";

const CHUNK_CHARS = 1 << 20;
/**
 * How much may wait in the stream before the generator pauses. Well above the streams' 16 KiB
 * highWaterMark, so compression (on libuv's thread pool) overlaps with generating the next chunks.
 */
const MAX_BUFFERED = 8 << 20;

/** Quote a CSV field when it holds a comma, quote, CR or LF (RFC 4180). */
export function csvField(s: string): string {
  if (s === "") return s;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return `"${s.replaceAll('"', '""')}"`;
  }
  return s;
}

export class CsvSink {
  private readonly gzip: Gzip | undefined;
  private readonly file: WriteStream;
  private readonly head: NodeJS.WritableStream;
  private readonly done: Promise<void>;
  private lines: string[] = [];
  private chars = 0;
  private closed = false;

  constructor(
    readonly path: string,
    options: { gzip: boolean },
  ) {
    this.file = createWriteStream(path);
    if (options.gzip) {
      this.gzip = createGzip({ level: zlibConstants.Z_DEFAULT_COMPRESSION });
      this.head = this.gzip;
      this.done = pipeline(this.gzip, this.file);
    } else {
      this.head = this.file;
      this.done = once(this.file, "finish").then(() => undefined);
    }
    // Surface stream errors through `done`/`flush` rather than as unhandled events.
    this.done.catch(() => undefined);
  }

  /** Queue one line (without its trailing newline). */
  line(s: string): void {
    this.lines.push(s);
    this.chars += s.length + 1;
  }

  /** Hand queued lines to the stream if enough have accumulated; waits for drain when needed. */
  async maybeFlush(): Promise<void> {
    if (this.chars >= CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const chunk = this.lines.join("\n") + "\n";
    this.lines = [];
    this.chars = 0;
    const head = this.head as NodeJS.WritableStream & { writableLength: number };
    if (!head.write(chunk) && head.writableLength > MAX_BUFFERED) {
      await Promise.race([once(head, "drain"), this.done]);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    this.head.end();
    await this.done;
  }
}
