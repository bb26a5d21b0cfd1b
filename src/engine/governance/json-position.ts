/**
 * Where a JSON text stops being JSON. `JSON.parse` does not always say (Node 20 omits the position for some
 * errors), so on failure we re-scan with a small strict parser that reports the offset, then turn it into
 * line:col. Only runs on the error path.
 */

export interface JsonErrorAt {
  offset: number;
  line: number;
  col: number;
  message: string;
}

export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  }
  return { line, col: offset - lastNl };
}

export function locateJsonError(text: string, nativeMessage: string): JsonErrorAt {
  let i = 0;
  const fail = (msg: string): never => {
    throw Object.assign(new Error(msg), { offset: i });
  };
  const ws = (): void => {
    while (i < text.length && /[ \t\r\n]/.test(text[i]!)) i++;
  };
  const describe = (): string => (i >= text.length ? "end of input" : `"${text[i]}"`);
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a double-quoted property name, found ${describe()}`);
        string();
        ws();
        if (text[i] !== ":") fail(`expected ":" after a property name, found ${describe()}`);
        i++;
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(`expected "," or "}" after a property value, found ${describe()}`);
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(`expected "," or "]" in an array, found ${describe()}`);
      }
    } else if (c === '"') string();
    else if (c !== undefined && /[-0-9]/.test(c)) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
      if (!m) fail(`malformed number`);
      i += m![0].length;
    } else {
      for (const lit of ["true", "false", "null"]) {
        if (text.startsWith(lit, i)) {
          i += lit.length;
          return;
        }
      }
      fail(`expected a value, found ${describe()}`);
    }
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === "\\") i += 2;
      else if (ch.charCodeAt(0) < 0x20) fail("control character inside a string");
      else i++;
    }
    fail("unterminated string");
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${describe()} after the JSON value`);
  } catch (e) {
    const offset = (e as { offset?: number }).offset ?? 0;
    return { offset, ...lineCol(text, offset), message: (e as Error).message };
  }
  return { offset: 0, line: 1, col: 1, message: nativeMessage };
}
