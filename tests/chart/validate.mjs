// validate.mjs — checks rendered Kubernetes objects against the API schemas of
// npm's kubernetes-models, as `kubectl apply --validate=strict` would.
//
//   node validate.mjs OBJECTS.json
//
// OBJECTS.json is a JSON array of {"source": "...", "object": {...}} (the
// checker turns the rendered YAML into it; Node has no YAML parser of its own).
// Prints one line per object, "ok - SOURCE Kind/name" or "not ok - … reason",
// and exits 1 when any object fails. An object fails when:
//   - its apiVersion/kind has no model (an unknown kind is an error, not a skip);
//   - the model's validate() rejects it (types, enums, required fields);
//   - it has a field the API does not know. The models' validators accept
//     unknown fields, but the API server (strict field validation) and Helm's
//     OpenAPI check do not, so fields are also checked against the property
//     lists of the models' TypeScript declarations (*.d.ts).
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const models = join(modules, "kubernetes-models");

// ---- A reader for the declaration files: enough TypeScript for their types.

const files = new Map(); // path → { imports: Map(name → path), types: Map(name → type), aliases: Map }

function declPath(spec, fromDir) {
  if (spec.startsWith(".")) return resolve(fromDir, spec.replace(/\.js$/, ".d.ts"));
  return join(modules, spec.replace(/\.js$/, "") + ".d.ts");
}

// Tokens: strings, identifiers, punctuation.
function tokenize(text) {
  const out = [];
  const re = /\s+|"(?:[^"\\]|\\.)*"|[A-Za-z_$][\w$]*|\[|\]|[{}()<>;:?|,=.]/gy;
  let m;
  while (re.lastIndex < text.length) {
    const at = re.lastIndex;
    if (!(m = re.exec(text))) throw new Error(`cannot read declarations at ${text.slice(at, at + 40)}`);
    if (!/^\s/.test(m[0])) out.push(m[0]);
  }
  return out;
}

// Type grammar: union of primaries; primary is a string literal, a name
// (possibly Array<T> or T["key"]), or an object literal { "k"?: T; [key: string]: T; }.
function parseType(t) {
  const alts = [parsePrimary(t)];
  while (t.peek() === "|") {
    t.next();
    alts.push(parsePrimary(t));
  }
  return alts.length === 1 ? alts[0] : { kind: "union", alts };
}

function parsePrimary(t) {
  const tok = t.next();
  if (tok.startsWith('"')) return { kind: "literal" };
  if (tok === "{") return parseObjectBody(t);
  if (tok === "Array" && t.peek() === "<") {
    t.next();
    const item = parseType(t);
    t.expect(">");
    return { kind: "array", item };
  }
  if (/^[A-Za-z_$]/.test(tok)) {
    if (t.peek() === "[") {
      // IPod["apiVersion"]: an indexed access, a literal in these files.
      t.next();
      t.next();
      t.expect("]");
      return { kind: "literal" };
    }
    return { kind: "ref", name: tok };
  }
  throw new Error(`unexpected token ${tok} in a type`);
}

// After "{": members until "}".
function parseObjectBody(t) {
  const props = new Map();
  let index = null;
  while (t.peek() !== "}") {
    if (t.peek() === "[") {
      t.next();
      t.next(); // key
      t.expect(":");
      t.next(); // string
      t.expect("]");
      t.expect(":");
      index = parseType(t);
    } else {
      const name = JSON.parse(t.next());
      if (t.peek() === "?") t.next();
      t.expect(":");
      props.set(name, parseType(t));
    }
    if (t.peek() === ";" || t.peek() === ",") t.next();
  }
  t.expect("}");
  return { kind: "object", props, index };
}

function stream(tokens) {
  let i = 0;
  return {
    peek: () => tokens[i],
    next: () => tokens[i++],
    expect(tok) {
      if (tokens[i] !== tok) throw new Error(`expected ${tok}, found ${tokens[i]}`);
      i++;
    },
    done: () => i >= tokens.length,
  };
}

function loadDecl(path) {
  if (files.has(path)) return files.get(path);
  const text = readFileSync(path, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const decl = { dir: dirname(path), imports: new Map(), types: new Map(), aliases: new Map() };
  files.set(path, decl);
  for (const m of text.matchAll(/^import \{([^}]*)\} from "([^"]+)";/gm))
    for (const name of m[1].split(",").map((s) => s.trim()).filter(Boolean)) decl.imports.set(name, m[2]);
  for (const m of text.matchAll(/^export type \{([^}]*)\};/gm))
    for (const part of m[1].split(",")) {
      const [local, alias] = part.split(" as ").map((s) => s.trim());
      if (alias) decl.aliases.set(alias, local);
    }
  for (const m of text.matchAll(/^export interface (\w+)(?: extends (\w+))? \{$/gm)) {
    const body = text.slice(m.index + m[0].length, text.indexOf("\n}", m.index) + 2);
    const type = parseObjectBody(stream(tokenize(body)));
    if (m[2] === "TypeMeta") {
      type.props.set("apiVersion", { kind: "literal" });
      type.props.set("kind", { kind: "literal" });
    }
    decl.types.set(m[1], type);
  }
  for (const m of text.matchAll(/^export type (\w+) = ([^;{]+);$/gm))
    decl.types.set(m[1], parseType(stream(tokenize(m[2]))));
  return decl;
}

const PRIMITIVES = new Set(["string", "number", "boolean", "any", "unknown", "object", "null"]);

// The type a name stands for in a declaration file; null for primitives.
function resolveRef(decl, name) {
  if (PRIMITIVES.has(name)) return null;
  if (decl.types.has(name)) return { decl, type: decl.types.get(name) };
  if (decl.aliases.has(name)) return resolveRef(decl, decl.aliases.get(name));
  if (decl.imports.has(name)) return resolveRef(loadDecl(declPath(decl.imports.get(name), decl.dir)), name);
  throw new Error(`type ${name} not found in ${[...files.entries()].find(([, d]) => d === decl)?.[0]}`);
}

// Appends "path: unknown field" for every field the type does not declare.
function unknownFields(value, type, decl, path, out) {
  if (value === null || value === undefined || type === null) return;
  switch (type.kind) {
    case "ref": {
      const r = resolveRef(decl, type.name);
      if (r) unknownFields(value, r.type, r.decl, path, out);
      return;
    }
    case "array":
      if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, type.item, decl, `${path}[${i}]`, out));
      return;
    case "union":
      // Only objects can carry unknown fields; use the union's object member.
      for (const alt of type.alts) {
        const r = alt.kind === "ref" ? resolveRef(decl, alt.name) : { decl, type: alt };
        if (r && (r.type.kind === "object" || r.type.kind === "array")) {
          unknownFields(value, alt, decl, path, out);
          return;
        }
      }
      return;
    case "object":
      if (typeof value !== "object" || Array.isArray(value)) return;
      for (const [k, v] of Object.entries(value)) {
        if (type.props.has(k)) unknownFields(v, type.props.get(k), decl, `${path}.${k}`, out);
        else if (type.index) unknownFields(v, type.index, decl, `${path}.${k}`, out);
        else out.push(`${path}.${k}: unknown field`);
      }
      return;
    default:
      return;
  }
}

// ---- The objects.

// apiVersion → directory of its models: "v1" → v1, "apps/v1" → apps/v1.
function modelDir(apiVersion) {
  if (typeof apiVersion !== "string" || !/^[a-z0-9.]+(\/[a-z0-9]+)?$/.test(apiVersion)) return null;
  return apiVersion;
}

async function check({ source, object }) {
  const kind = object?.kind;
  const dir = modelDir(object?.apiVersion);
  const what = `${source} ${kind}/${object?.metadata?.name}`;
  const problems = [];
  const js = dir && typeof kind === "string" && /^[A-Z]\w*$/.test(kind) ? join(models, dir, `${kind}.js`) : null;
  if (!js || !existsSync(js)) return { what, problems: [`no Kubernetes model for apiVersion ${object?.apiVersion} kind ${kind}`] };
  const mod = await import(`kubernetes-models/${dir}/${kind}`);
  try {
    new mod[kind](object).validate();
  } catch (e) {
    problems.push(e.message);
  }
  const decl = loadDecl(join(models, dir, `${kind}.d.ts`));
  unknownFields(object, { kind: "ref", name: `I${kind}` }, decl, kind, problems);
  return { what, problems };
}

const input = process.argv[2];
if (!input) {
  console.error("usage: node validate.mjs OBJECTS.json");
  process.exit(2);
}
const objects = JSON.parse(readFileSync(input, "utf8"));
let failed = 0;
for (const o of objects) {
  const { what, problems } = await check(o);
  if (problems.length) {
    failed++;
    console.log(`not ok - valid ${what}: ${problems.join("; ")}`);
  } else {
    console.log(`ok - valid ${what}`);
  }
}
process.exit(failed ? 1 : 0);
