/**
 * A deliberately small static evaluator for the HCL expressions that carry tags in .tf files, as
 * `@cdktf/hcl2json` returns them (strings holding `${...}`). It resolves literals, object and tuple literals,
 * `local.*` references to literal locals, `merge()`, `tomap()` and the legacy `map()`. Everything else
 * (variables, resource/data/module references, other functions, operators, conditionals, for-expressions)
 * becomes an explicit Unknown that keeps the expression text and says why: never a guess.
 */

export type Val =
  | { t: "str"; v: string }
  | { t: "num"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "null" }
  | { t: "list"; items: Val[] }
  /** An object; `unknownParts` are pieces merged in whose keys are not known (e.g. merge(var.tags, {...})). */
  | { t: "obj"; entries: Map<string, Val>; unknownParts: Unknown[] }
  | Unknown;
export type Unknown = { t: "unknown"; expr: string; reason: string };

export interface Scope {
  /** Raw (hcl2json) value of a local, or undefined when not declared. */
  local(name: string): unknown;
  /** Default of a variable, for the message only (never used as the value). */
  variableDefault(name: string): unknown;
}

class Unsupported extends Error {}

const unknown = (expr: string, reason: string): Unknown => ({ t: "unknown", expr: expr.trim(), reason });

/** Converts an hcl2json value (objects, arrays, strings with interpolations) to a Val. */
export function fromHclJson(v: unknown, scope: Scope, depth = 0): Val {
  if (depth > 32) return unknown(String(v), "nested too deeply (or a local that refers to itself)");
  if (typeof v === "string") return evalTemplate(v, scope, depth);
  if (typeof v === "number") return { t: "num", v };
  if (typeof v === "boolean") return { t: "bool", v };
  if (v === null || v === undefined) return { t: "null" };
  if (Array.isArray(v)) return { t: "list", items: v.map((x) => fromHclJson(x, scope, depth + 1)) };
  const entries = new Map<string, Val>();
  const unknownParts: Unknown[] = [];
  for (const [rawKey, rawVal] of Object.entries(v as Record<string, unknown>)) {
    const key = evalTemplate(rawKey, scope, depth + 1);
    const val = fromHclJson(rawVal, scope, depth + 1);
    if (key.t === "str") entries.set(key.v, val);
    else unknownParts.push(unknown(`${rawKey} = ${typeof rawVal === "string" ? rawVal : JSON.stringify(rawVal)}`, key.t === "unknown" ? `tag key ${key.reason}` : "tag key is not a string"));
  }
  return { t: "obj", entries, unknownParts };
}

/** A string that may hold `${...}` interpolations. `${x}` alone yields x's value (any type). */
export function evalTemplate(s: string, scope: Scope, depth = 0): Val {
  if (!s.includes("${")) return { t: "str", v: s.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{") };
  const p = new Parser(s, scope, depth);
  return p.template(s.length, false);
}

class Parser {
  i = 0;
  constructor(
    readonly s: string,
    readonly scope: Scope,
    readonly depth: number,
  ) {}

  /** Template content up to `end` (or a closing quote when `quoted`). */
  template(end: number, quoted: boolean): Val {
    const parts: Val[] = [];
    let lit = "";
    const start = this.i;
    while (this.i < end) {
      const c = this.s[this.i]!;
      if (quoted && c === '"') break;
      if (quoted && c === "\\") {
        const n = this.s[this.i + 1];
        lit += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : (n ?? "");
        this.i += 2;
        continue;
      }
      if (this.s.startsWith("$${", this.i)) {
        lit += "${";
        this.i += 3;
        continue;
      }
      if (this.s.startsWith("%{", this.i)) {
        const from = this.i;
        this.skipBalanced("}");
        this.i++;
        parts.push(unknown(this.s.slice(from, this.i), "template directives (%{...}) are not evaluated statically"));
        continue;
      }
      if (this.s.startsWith("${", this.i)) {
        if (lit) parts.push({ t: "str", v: lit });
        lit = "";
        this.i += 2;
        const from = this.i;
        let v: Val;
        try {
          v = this.expr();
          this.ws();
          if (this.s[this.i] !== "}") throw new Unsupported("operator");
        } catch (e) {
          if (!(e instanceof Unsupported)) throw e;
          this.i = from;
          this.skipBalanced("}");
          v = unknown(this.s.slice(from, this.i), `expression is not evaluated statically (${e.message})`);
        }
        this.i++; // }
        parts.push(v);
        continue;
      }
      lit += c;
      this.i++;
    }
    if (lit || parts.length === 0) parts.push({ t: "str", v: lit });
    if (parts.length === 1) return parts[0]!;
    // string concatenation: known only when every part is a string
    let out = "";
    for (const p of parts) {
      if (p.t === "str") out += p.v;
      else if (p.t === "num" || p.t === "bool") out += String(p.v);
      else if (p.t === "unknown") return unknown(this.s.slice(start, this.i), p.reason);
      else return unknown(this.s.slice(start, this.i), "interpolates a non-string value");
    }
    return { t: "str", v: out };
  }

  ws(): void {
    for (;;) {
      while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
      if (this.s[this.i] === "#" || this.s.startsWith("//", this.i)) {
        while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
      } else if (this.s.startsWith("/*", this.i)) {
        const e = this.s.indexOf("*/", this.i + 2);
        this.i = e < 0 ? this.s.length : e + 2;
      } else return;
    }
  }

  /** Moves to the first of `stops` at nesting depth 0 (outside strings), without consuming it. */
  skipBalanced(stops: string): void {
    let depth = 0;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        while (this.i < this.s.length && this.s[this.i] !== '"') this.i += this.s[this.i] === "\\" ? 2 : 1;
        this.i++;
        continue;
      }
      if (depth === 0 && stops.includes(c)) return;
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") depth--;
      this.i++;
    }
  }

  expr(): Val {
    this.ws();
    const v = this.postfix(this.primary());
    this.ws();
    const c = this.s[this.i];
    if (c !== undefined && "?=!<>+-*/%&|".includes(c) && !(c === "=" && this.s[this.i + 1] !== "=")) throw new Unsupported("operators and conditionals");
    return v;
  }

  primary(): Val {
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) throw new Unsupported("unexpected end");
    if (c === '"') {
      this.i++;
      const v = this.template(this.s.length, true);
      if (this.s[this.i] !== '"') throw new Unsupported("unterminated string");
      this.i++;
      return v;
    }
    if (c === "{") return this.object();
    if (c === "[") return this.tuple();
    if (c === "(") {
      this.i++;
      const v = this.expr();
      this.ws();
      if (this.s[this.i] !== ")") throw new Unsupported("unbalanced parenthesis");
      this.i++;
      return v;
    }
    if (c === "<" && this.s.startsWith("<<", this.i)) throw new Unsupported("heredoc");
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 40));
    if (num) {
      this.i += num[0].length;
      return { t: "num", v: Number(num[0]) };
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.s.slice(this.i, this.i + 200));
    if (!id) throw new Unsupported(`unexpected "${c}"`);
    const name = id[0];
    const from = this.i;
    this.i += name.length;
    if (name === "true" || name === "false") return { t: "bool", v: name === "true" };
    if (name === "null") return { t: "null" };
    if (name === "for") throw new Unsupported("for expressions");
    this.ws();
    if (this.s[this.i] === "(") return this.call(name, from);
    return this.reference(name, from);
  }

  postfix(v: Val): Val {
    for (;;) {
      if (this.s[this.i] === "[") {
        const from = this.i;
        this.i++;
        const k = this.expr();
        this.ws();
        if (this.s[this.i] !== "]") throw new Unsupported("index");
        this.i++;
        v = index(v, k, this.s.slice(from, this.i));
      } else if (this.s[this.i] === "." && /[A-Za-z_]/.test(this.s[this.i + 1] ?? "")) {
        this.i++;
        const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.s.slice(this.i))!;
        this.i += m[0].length;
        v = index(v, { t: "str", v: m[0] }, `.${m[0]}`);
      } else return v;
    }
  }

  reference(root: string, from: number): Val {
    const segs: string[] = [];
    while (this.s[this.i] === "." && /[A-Za-z_*]/.test(this.s[this.i + 1] ?? "")) {
      this.i++;
      const m = /^([A-Za-z_][A-Za-z0-9_-]*|\*)/.exec(this.s.slice(this.i))!;
      segs.push(m[0]);
      this.i += m[0].length;
      if (root === "local" || root === "var") break;
    }
    const text = this.s.slice(from, this.i);
    if (root === "local" && segs[0]) {
      const raw = this.scope.local(segs[0]);
      if (raw === undefined) return unknown(text, `local.${segs[0]} is not declared in these files`);
      const v = fromHclJson(raw, this.scope, this.depth + 1);
      return v.t === "unknown" ? unknown(text, `local.${segs[0]} = ${v.expr}: ${v.reason}`) : v;
    }
    if (root === "var" && segs[0]) {
      const d = this.scope.variableDefault(segs[0]);
      return unknown(text, `variable var.${segs[0]} is set at plan time${d !== undefined ? ` (its default ${JSON.stringify(d)} may be overridden)` : ""}`);
    }
    return unknown(text, `${root === "module" ? "module outputs" : root === "data" ? "data sources" : root === "each" || root === "count" ? "per-instance values" : "references to other objects"} are known only at plan time`);
  }

  call(name: string, from: number): Val {
    this.i++; // (
    const args: Val[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === ")") break;
      const argFrom = this.i;
      let v: Val;
      try {
        v = this.expr();
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
        this.i = argFrom;
        this.skipBalanced(",)");
        v = unknown(this.s.slice(argFrom, this.i), `expression is not evaluated statically (${e.message})`);
      }
      args.push(v);
      this.ws();
      if (this.s.startsWith("...", this.i)) throw new Unsupported("argument expansion");
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== ")") throw new Unsupported("function arguments");
    }
    this.i++; // )
    const text = this.s.slice(from, this.i);
    switch (name) {
      case "merge": {
        const entries = new Map<string, Val>();
        const unknownParts: Unknown[] = [];
        for (const a of args) {
          if (a.t === "obj") {
            for (const [k, v] of a.entries) entries.set(k, v);
            unknownParts.push(...a.unknownParts);
          } else if (a.t === "unknown") unknownParts.push(a);
          else if (a.t !== "null") return unknown(text, "merge() of a value that is not a map");
        }
        return { t: "obj", entries, unknownParts };
      }
      case "tomap":
        return args.length === 1 && (args[0]!.t === "obj" || args[0]!.t === "unknown") ? args[0]! : unknown(text, "tomap() of a value that is not a map");
      case "map": {
        if (args.length % 2 !== 0) return unknown(text, "map() needs key/value pairs");
        const entries = new Map<string, Val>();
        const unknownParts: Unknown[] = [];
        for (let k = 0; k < args.length; k += 2) {
          const key = args[k]!;
          if (key.t === "str") entries.set(key.v, args[k + 1]!);
          else unknownParts.push(unknown(text, "map() with a key that is not known statically"));
        }
        return { t: "obj", entries, unknownParts };
      }
      default:
        return unknown(text, `function ${name}() is not evaluated statically`);
    }
  }

  object(): Val {
    this.i++; // {
    const entries = new Map<string, Val>();
    const unknownParts: Unknown[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === "}") break;
      if (this.s.startsWith("for ", this.i)) throw new Unsupported("for expressions");
      const keyFrom = this.i;
      let key: Val;
      const bare = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.s.slice(this.i, this.i + 200));
      if (bare && /^\s*[=:]/.test(this.s.slice(this.i + bare[0].length, this.i + bare[0].length + 20)) && !/^\s*==/.test(this.s.slice(this.i + bare[0].length))) {
        key = { t: "str", v: bare[0] };
        this.i += bare[0].length;
      } else {
        try {
          key = this.expr();
        } catch (e) {
          if (!(e instanceof Unsupported)) throw e;
          this.i = keyFrom;
          this.skipBalanced("=:");
          key = unknown(this.s.slice(keyFrom, this.i), e.message);
        }
      }
      this.ws();
      if (this.s[this.i] !== "=" && this.s[this.i] !== ":") throw new Unsupported("object syntax");
      this.i++;
      const valFrom = this.i;
      let val: Val;
      try {
        val = this.expr();
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
        this.i = valFrom;
        this.skipBalanced(",}\n");
        val = unknown(this.s.slice(valFrom, this.i), `expression is not evaluated statically (${e.message})`);
      }
      if (key.t === "str") entries.set(key.v, val);
      else unknownParts.push(unknown(`${this.s.slice(keyFrom, valFrom - 1).trim()} = ${this.s.slice(valFrom, this.i).trim()}`, key.t === "unknown" ? `tag key: ${key.reason}` : "tag key is not a string"));
      this.ws();
      if (this.s[this.i] === ",") this.i++;
    }
    this.i++; // }
    return { t: "obj", entries, unknownParts };
  }

  tuple(): Val {
    this.i++;
    const items: Val[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === "]") break;
      if (this.s.startsWith("for ", this.i)) throw new Unsupported("for expressions");
      items.push(this.expr());
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== "]") throw new Unsupported("tuple syntax");
    }
    this.i++;
    return { t: "list", items };
  }
}

function index(v: Val, k: Val, text: string): Val {
  if (v.t === "unknown") return v;
  if (k.t === "unknown") return k;
  if (v.t === "obj" && k.t === "str") {
    const got = v.entries.get(k.v);
    if (got) return got;
    return v.unknownParts.length ? unknown(text, "the key may come from a part that is not resolved statically") : unknown(text, `no key "${k.v}"`);
  }
  if (v.t === "list" && k.t === "num") return v.items[k.v] ?? unknown(text, "index out of range");
  return unknown(text, "unsupported index");
}
