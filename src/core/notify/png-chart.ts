/**
 * A small bar chart as a PNG, rendered server-side without a browser or native canvas, for email (clients
 * do not run scripts or reliably show SVG). Bars for a daily series, the last bar highlighted.
 */
import { crc32, deflateSync } from "node:zlib";

const BG = [255, 255, 255];
const BAR = [96, 125, 139];
const HIGHLIGHT = [229, 57, 53];
const AXIS = [200, 200, 200];

export function barChartPng(values: readonly number[], opts: { width?: number; height?: number; highlightLast?: boolean } = {}): Buffer {
  const width = opts.width ?? 480;
  const height = opts.height ?? 160;
  const px = Buffer.alloc(width * height * 3);
  const set = (x: number, y: number, c: number[]): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 3;
    px[i] = c[0]!;
    px[i + 1] = c[1]!;
    px[i + 2] = c[2]!;
  };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) set(x, y, BG);
  const pad = 8;
  const base = height - pad;
  for (let x = pad; x < width - pad; x++) set(x, base, AXIS);
  const finite = values.map((v) => (Number.isFinite(v) && v > 0 ? v : 0));
  const max = Math.max(...finite, 0);
  const n = finite.length;
  if (n > 0 && max > 0) {
    const slot = (width - 2 * pad) / n;
    const barW = Math.max(1, Math.floor(slot * 0.75));
    finite.forEach((v, i) => {
      const h = Math.round((v / max) * (height - 2 * pad - 1));
      const x0 = Math.round(pad + i * slot + (slot - barW) / 2);
      const color = opts.highlightLast && i === n - 1 ? HIGHLIGHT : BAR;
      for (let x = x0; x < x0 + barW; x++) for (let y = base - h; y < base; y++) set(x, y, color);
    });
  }
  // PNG: 8-bit RGB, no interlace; each scanline prefixed by filter type 0
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    px.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length, 0);
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0, 0);
  return Buffer.concat([len, td, crc]);
}
