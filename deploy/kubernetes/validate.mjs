// Validates Kubernetes manifests offline against the schemas of the Kubernetes API.
//
//   node deploy/kubernetes/validate.mjs [FILE|DIR ...]   (default: deploy/kubernetes and its examples/)
//
// The schemas come from the npm package kubernetes-models, generated from the OpenAPI
// specification the Kubernetes project publishes (api/openapi-spec); nothing here is hand-written.
// Each YAML document goes through two checks:
//   1. its kind's JSON schema (the package's compiled ajv validator): types, required fields,
//      enumerations, formats;
//   2. unknown fields, which the OpenAPI schemas allow but the API server rejects or drops: the
//      document is type-checked by the TypeScript compiler as an object literal of the same
//      package's generated declaration type (I<Kind>), whose excess-property check names every
//      field the API does not have, at any depth.
// YAML is read as YAML 1.1, as Kubernetes reads it (`0440` is octal).
// Prints one line per document ("ok FILE KIND/NAME" or "FAIL FILE KIND/NAME: reason ..."), then
// "N documents, N failed"; exits 1 if any failed, 2 on a usage error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import ts from 'typescript';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function yamlFiles(args) {
  const roots = args.length > 0 ? args : [HERE, path.join(HERE, 'examples')];
  const files = [];
  for (const r of roots) {
    if (!fs.existsSync(r)) { console.error(`validate: no such file or directory: ${r}`); process.exit(2); }
    if (fs.statSync(r).isDirectory()) {
      for (const f of fs.readdirSync(r).sort()) if (/\.ya?ml$/.test(f)) files.push(path.join(r, f));
    } else {
      files.push(r);
    }
  }
  return files;
}

/** "apps/v1" + "Deployment" -> "kubernetes-models/apps/v1/Deployment"; core "v1" -> "kubernetes-models/v1/..." */
function modelModule(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z0-9.]+(\/[A-Za-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind)) return undefined;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

function describe(doc) {
  return `${doc?.kind ?? '?'}/${doc?.metadata?.name ?? '?'}`;
}

/** Schema check: the kind's compiled validator. Returns problems (empty when valid). */
async function schemaProblems(doc) {
  const mod = modelModule(doc?.apiVersion, doc?.kind);
  if (!mod) return ['apiVersion and kind must be set'];
  let Model;
  try {
    Model = (await import(mod))[doc.kind];
  } catch {
    return [`unknown apiVersion/kind ${doc.apiVersion} ${doc.kind} (not in the Kubernetes API schemas)`];
  }
  if (typeof Model !== 'function') return [`unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`];
  try {
    new Model(doc).validate();
    return [];
  } catch (err) {
    return [String(err?.message ?? err)];
  }
}

/** Unknown-field check of every document at once: one TypeScript program of virtual modules. */
function fieldProblems(entries) {
  const sources = new Map();
  entries.forEach((e, i) => {
    const mod = modelModule(e.doc?.apiVersion, e.doc?.kind);
    if (!mod || e.problems.length > 0) return;
    const file = path.join(HERE, `__manifest_check_${i}.mts`);
    const text = `import type { I${e.doc.kind} } from ${JSON.stringify(mod)};\nexport const doc: I${e.doc.kind} = ${JSON.stringify(e.doc, null, 2)};\n`;
    sources.set(file, { text, entry: e });
  });
  if (sources.size === 0) return;
  const options = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => sources.get(path.resolve(f))?.text ?? readFile(f);
  host.fileExists = (f) => sources.has(path.resolve(f)) || fileExists(f);
  host.getSourceFile = (f, lang, ...rest) => {
    const s = sources.get(path.resolve(f));
    return s ? ts.createSourceFile(f, s.text, lang, true) : getSourceFile(f, lang, ...rest);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const s = d.file && sources.get(path.resolve(d.file.fileName));
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!s) { console.error(`validate: ${message}`); process.exit(2); }
    const line = d.start === undefined ? '' : s.text.split('\n')[d.file.getLineAndCharacterOfPosition(d.start).line].trim();
    s.entry.problems.push(`${message.split('\n').pop()}${line ? ` (at ${line})` : ''}`);
  }
}

async function main() {
  const entries = [];
  for (const file of yamlFiles(process.argv.slice(2))) {
    for (const parsed of parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' })) {
      const doc = parsed.toJS();
      if (doc === null || doc === undefined) continue;
      const problems = parsed.errors.map((e) => `YAML: ${e.message}`);
      if (problems.length === 0) problems.push(...(await schemaProblems(doc)));
      entries.push({ file: path.relative(process.cwd(), file), doc, problems });
    }
  }
  fieldProblems(entries);
  let failed = 0;
  for (const e of entries) {
    if (e.problems.length === 0) { console.log(`ok ${e.file} ${describe(e.doc)}`); continue; }
    failed++;
    console.log(`FAIL ${e.file} ${describe(e.doc)}: ${e.problems.join('; ')}`);
  }
  console.log(`${entries.length} documents, ${failed} failed`);
  process.exitCode = failed > 0 || entries.length === 0 ? 1 : 0;
}

await main();
