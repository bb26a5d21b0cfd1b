/**
 * Finding what to ingest: files and folders expanded, CUR manifests read (only the report version a
 * manifest names is loaded; older versions in the same period folder are superseded), duplicates
 * refused, headers read.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, lstatSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { createGunzip } from "node:zlib";
import { createReadStream } from "node:fs";
import { CostwiseError } from "../../core/errors.js";

export const FILE_KINDS = ["csv", "parquet", "json"] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export interface CurManifest {
  path: string;
  assemblyId: string;
  account?: string;
  billingPeriod?: { start: string; end: string };
  reportName?: string;
  files: string[];
}

export interface InputFile {
  path: string;
  kind: FileKind;
  gzip: boolean;
  bytes: number;
  /** the delivery (report version) the file belongs to, when a manifest says so */
  manifest?: CurManifest;
}

export interface Discovery {
  files: InputFile[];
  /** files seen but not loaded, with the reason */
  skipped: { path: string; reason: string }[];
}

const DATA_FILE = /\.(csv|csv\.gz|parquet|gz|ndjson|jsonl|ndjson\.gz|jsonl\.gz)$/i;
/** newline-delimited JSON (BigQuery exports); a plain .json is read as such only when named explicitly */
const JSON_FILE = /\.(json|ndjson|jsonl)(\.gz)?$/i;
const MANIFEST = /-?Manifest\.json$/i;

/** Expands the paths the user gave into data files, honouring CUR manifests. */
export function discoverFiles(paths: readonly string[]): Discovery {
  const files = new Map<string, InputFile>();
  const skipped: Discovery["skipped"] = [];
  const manifests: CurManifest[] = [];
  const loose: string[] = [];

  const visited = new Set<string>();
  const walk = (p: string, explicit: boolean) => {
    const st = statPath(p);
    if (st.isDirectory()) {
      // a symlink back to a folder already walked would loop forever
      const real = realpathSync(p);
      if (visited.has(real)) {
        skipped.push({ path: p, reason: `a link to a folder already read (${real})` });
        return;
      }
      visited.add(real);
      for (const name of readdirSync(p).sort()) walk(join(p, name), false);
      return;
    }
    if (!st.isFile()) {
      // a FIFO, socket or device: reading it could block forever or never end
      const what = st.isFIFO() ? "a FIFO (named pipe)" : st.isSocket() ? "a socket" : "a device";
      if (explicit) throw new CostwiseError("BAD_INPUT", `${p}: not a regular file (it is ${what}); give a file or a folder`, { location: { file: p } });
      skipped.push({ path: p, reason: `not a regular file (${what})` });
      return;
    }
    if (MANIFEST.test(p)) manifests.push(readManifest(p));
    else if (DATA_FILE.test(p)) loose.push(p);
    else if (explicit) loose.push(p); // the user named it: try it and say what is wrong
    else if (/metadata[^/]*\.json$/i.test(basename(p))) skipped.push({ path: p, reason: "FOCUS metadata: not cost rows (its FocusVersion is read for the FOCUS files beside it)" });
    else skipped.push({ path: p, reason: "not a .csv, .csv.gz, .parquet, .ndjson or .jsonl file (name a .json file explicitly to load it)" });
  };
  for (const p of paths) walk(resolve(p), true);

  const claimed = new Set<string>();
  for (const m of manifests) {
    for (const f of m.files) {
      claimed.add(f);
      files.set(f, { ...describe(f), manifest: m });
    }
  }
  // data files in a period folder that has a manifest, but not listed in it, are older report versions
  const manifestDirs = new Map(manifests.map((m) => [dirname(m.path), m]));
  for (const p of loose) {
    if (claimed.has(p)) continue;
    const periodDir = dirname(dirname(p));
    const m = manifestDirs.get(periodDir) ?? manifestDirs.get(dirname(p));
    if (m && !m.files.includes(p)) {
      skipped.push({ path: p, reason: `superseded: not in the current report version ${m.assemblyId} (${basename(m.path)})` });
      continue;
    }
    const sibling = m ?? findManifestFor(p);
    files.set(p, { ...describe(p), ...(sibling ? { manifest: sibling } : {}) });
  }
  return { files: [...files.values()].sort((a, b) => a.path.localeCompare(b.path)), skipped };
}

/** A file given alone that sits in a CUR assembly folder belongs to that manifest's delivery. */
function findManifestFor(p: string): CurManifest | undefined {
  const periodDir = dirname(dirname(p));
  let names: string[];
  try {
    names = readdirSync(periodDir).filter((n) => MANIFEST.test(n));
  } catch {
    return undefined;
  }
  for (const n of names) {
    try {
      const m = readManifest(join(periodDir, n));
      if (m.files.includes(p)) return m;
    } catch {
      // an unreadable manifest next to a file the user named explicitly does not stop the file
    }
  }
  return undefined;
}

export function readManifest(path: string): CurManifest {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8").replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new CostwiseError("BAD_INPUT", `${path}: not a valid CUR manifest (JSON): ${(e as Error).message}`, { location: { file: path }, cause: e });
  }
  const o = json as Record<string, unknown>;
  const keys = o["reportKeys"];
  if (typeof o["assemblyId"] !== "string" || !Array.isArray(keys) || !keys.every((k) => typeof k === "string")) {
    throw new CostwiseError("BAD_INPUT", `${path}: a CUR manifest needs "assemblyId" (string) and "reportKeys" (list of paths)`, { location: { file: path } });
  }
  const dir = dirname(path);
  const files = (keys as string[]).map((k) => {
    const parts = k.split("/").filter(Boolean);
    // the key is relative to the bucket; locally the file sits at <period folder>/<assemblyId>/<name>
    const candidates = [join(dir, ...parts.slice(-2)), join(dir, parts[parts.length - 1] ?? ""), resolve(dir, k.replace(/^\//, ""))];
    const hit = candidates.find((c) => existsSync(c));
    if (!hit) {
      throw new CostwiseError("NOT_FOUND", `${path}: the manifest lists ${k}, which is not at ${relative(process.cwd(), candidates[0]!)}`, {
        location: { file: path },
      });
    }
    return hit;
  });
  const bp = o["billingPeriod"] as { start?: unknown; end?: unknown } | undefined;
  return {
    path,
    assemblyId: o["assemblyId"] as string,
    ...(typeof o["account"] === "string" ? { account: o["account"] } : {}),
    ...(typeof o["reportName"] === "string" ? { reportName: o["reportName"] } : {}),
    ...(bp && typeof bp.start === "string" && typeof bp.end === "string" ? { billingPeriod: { start: manifestTime(bp.start), end: manifestTime(bp.end) } } : {}),
    files,
  };
}

/** "20180801T000000.000Z" → "2018-08-01 00:00:00" */
function manifestTime(s: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(s);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}` : s;
}

function describe(path: string): InputFile {
  const bytes = statSync(path).size;
  const head = readHead(path, 4);
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const isParquet = head.length >= 4 && head.toString("latin1", 0, 4) === "PAR1";
  return { path, kind: isParquet || /\.parquet$/i.test(path) ? "parquet" : JSON_FILE.test(path) ? "json" : "csv", gzip, bytes };
}

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A content fingerprint: size plus SHA-256 of the first and last MiB (cheap on multi-GB files). */
export function fingerprint(path: string): string {
  const size = statSync(path).size;
  const h = createHash("sha256").update(String(size));
  const fd = openSync(path, "r");
  try {
    const chunk = 1 << 20;
    const buf = Buffer.alloc(Math.min(chunk, size));
    h.update(buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)));
    if (size > chunk) h.update(buf.subarray(0, readSync(fd, buf, 0, buf.length, Math.max(chunk, size - chunk))));
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

/**
 * What is at a path the user gave (or found in a folder), following links, with the reason in words when there
 * is nothing readable: no such file, a symlink loop, a dangling link, no permission.
 */
function statPath(p: string): Stats {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const at = { location: { file: p } };
    if (code === "ELOOP") throw new CostwiseError("BAD_INPUT", `${p}: symlink loop (the link points, directly or through other links, back to itself)`, at);
    if (code === "EACCES" || code === "EPERM") throw new CostwiseError("BAD_INPUT", `${p}: permission denied (cannot read it)`, { ...at, cause: e });
    if (code === "ENOTDIR") throw new CostwiseError("NOT_FOUND", `${p}: no such file or folder (a part of the path is a file, not a folder)`, at);
    if (code === "ENOENT") {
      let target: string | undefined;
      try {
        if (lstatSync(p).isSymbolicLink()) target = readlinkSync(p);
      } catch {
        // not there at all
      }
      if (target !== undefined) throw new CostwiseError("NOT_FOUND", `${p}: dangling symlink (it points to ${target}, which does not exist)`, at);
      throw new CostwiseError("NOT_FOUND", `${p}: no such file or folder`, at);
    }
    throw new CostwiseError("BAD_INPUT", `${p}: cannot read it: ${(e as Error).message}`, { ...at, cause: e });
  }
}

/** Refuses two files with the same content in one ingest (they would count the same money twice). */
export function refuseDuplicates(files: readonly InputFile[]): void {
  const seen = new Map<string, string>();
  for (const f of files) {
    const fp = fingerprint(f.path);
    const other = seen.get(fp);
    if (other) {
      throw new CostwiseError("DUPLICATE_FILE", `${f.path} has the same content as ${other}; loading both would count the same money twice`, {
        location: { file: f.path },
      });
    }
    seen.set(fp, f.path);
  }
}

/** Reads the header line of a CSV (plain or gzip): column names, BOM stripped, quotes honoured. */
export async function readCsvHeader(file: InputFile): Promise<string[]> {
  const text = await readFirstLine(file, displayPath(file.path));
  if (text.trim() === "") {
    throw new CostwiseError("EMPTY_FILE", `${file.path}: the file is empty (expected a header row of column names)`, { location: { file: file.path, line: 1 } });
  }
  return parseCsvLine(text.replace(/^\uFEFF/, ""));
}

/**
 * The first line of a text file (plain or gzip), refusing encodings costwise does not read (UTF-16, UTF-32: by
 * their byte order mark, or by the NUL bytes between ASCII letters when there is none).
 */
export async function readFirstLine(file: InputFile, shown: string = file.path): Promise<string> {
  const raw = createReadStream(file.path, { highWaterMark: 64 * 1024 });
  const stream = file.gzip ? raw.pipe(createGunzip()) : raw;
  let acc = "";
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (first) {
        first = false;
        const enc = foreignEncoding(chunk);
        if (enc) {
          throw new CostwiseError("BAD_INPUT", `${shown}: the file is ${enc}; costwise reads UTF-8: save or convert it as UTF-8 (e.g. iconv -f ${enc.split(" ")[0]} -t UTF-8)`, {
            location: { file: shown, line: 1 },
          });
        }
      }
      acc += chunk.toString("utf8");
      const nl = firstLineEnd(acc);
      if (nl >= 0) {
        acc = acc.slice(0, nl);
        break;
      }
      if (acc.length > 16 << 20) break;
    }
  } catch (e) {
    if (e instanceof CostwiseError) throw e;
    throw new CostwiseError(
      "BAD_INPUT",
      file.gzip ? `${shown}: the compressed (gzip) file is truncated or corrupt: ${(e as Error).message}` : `${shown}: cannot read the file: ${(e as Error).message}`,
      { location: { file: shown }, cause: e },
    );
  } finally {
    raw.destroy();
  }
  return acc.replace(/\r$/, "");
}

/** "UTF-16LE (byte order mark FF FE)" etc. when the first bytes say the text is not UTF-8 (nor ASCII). */
export function foreignEncoding(head: Buffer): string | undefined {
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xfe && head[2] === 0 && head[3] === 0) return "UTF-32LE (byte order mark FF FE 00 00)";
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 0xfe && head[3] === 0xff) return "UTF-32BE (byte order mark 00 00 FE FF)";
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return "UTF-16LE (byte order mark FF FE)";
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return "UTF-16BE (byte order mark FE FF)";
  // no mark: ASCII text in UTF-16 has a NUL in every other byte
  const n = Math.min(head.length, 64) & ~1;
  if (n >= 8) {
    let evenNul = 0;
    let oddNul = 0;
    for (let i = 0; i < n; i += 2) {
      if (head[i] === 0 && head[i + 1] !== 0) evenNul++;
      if (head[i + 1] === 0 && head[i] !== 0) oddNul++;
    }
    if (oddNul === n / 2) return "UTF-16LE (no byte order mark)";
    if (evenNul === n / 2) return "UTF-16BE (no byte order mark)";
  }
  return undefined;
}

/**
 * Decompresses a gzip file to its end, without keeping it: undefined when it is whole, else what is wrong. DuckDB
 * reads a gzip file cut short after a complete line without an error (measured on 1.5: half a file loads as its
 * first half), and its control total reads the same half: only a full pass proves the file is whole.
 */
export async function gzipProblem(path: string): Promise<string | undefined> {
  const gunzip = createGunzip();
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const _chunk of raw.pipe(gunzip) as AsyncIterable<Buffer>) {
      // the data is read by DuckDB; only the end of the stream matters here
    }
    return undefined;
  } catch (e) {
    const msg = (e as Error).message;
    return /unexpected end/i.test(msg) ? "the compressed (gzip) file is truncated (it ends before its last block)" : `the compressed (gzip) file is corrupt (${msg})`;
  } finally {
    raw.destroy();
  }
}

/**
 * The first line longer than `limit` bytes (newlines inside quotes do not end a line), for the error of a file whose
 * line is too long for the reader: its line and data row, and its size. Read only when the reader already failed.
 */
export async function findLongLine(file: InputFile, limit: number): Promise<{ line: number; row: number; bytes: number } | undefined> {
  const raw = createReadStream(file.path, { highWaterMark: 1 << 20 });
  const stream = file.gzip ? raw.pipe(createGunzip()) : raw;
  let line = 1;
  let row = 0; // records begun after the header
  let len = 0;
  let inQ = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (b === 0x22) inQ = !inQ;
        else if (b === 0x0a && !inQ) {
          if (len > limit) return { line, row, bytes: len };
          line++;
          row++;
          len = 0;
          continue;
        }
        len++;
      }
    }
  } catch {
    return undefined;
  } finally {
    raw.destroy();
  }
  return len > limit ? { line, row, bytes: len } : undefined;
}

/** Index of the first newline outside quotes, or -1. */
function firstLineEnd(s: string): number {
  let inQ = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') inQ = !inQ;
    else if (c === "\n" && !inQ) return i;
  }
  return -1;
}

export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inQ) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') inQ = false;
      else cur += c;
    } else if (c === '"') inQ = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

export function displayPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r.startsWith("..") && r.split(sep).filter((x) => x === "..").length > 3 ? p : r || p;
}
