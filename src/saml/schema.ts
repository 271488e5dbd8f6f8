/**
 * XML Schema validation (item 6) against the SAML 2.0 metadata XSDs shipped in `schema/xsd/`, with
 * libxml2 compiled to WebAssembly (xmllint-wasm): offline, no network fetch of imports. One validation
 * costs ~150-200 ms (worker and wasm start-up), so it runs only when asked (`--schema`; `apply` and
 * `verify` always ask) and is imported lazily. Documents asked for while one validation runs (the orgs
 * of a fleet) are validated together by the next, in one worker: 20 orgs cost a few worker starts,
 * not 20 (~4 s of CPU on this machine).
 *
 * Policy for `md:RoleDescriptor xsi:type="…"` from a namespace we ship no schema for (Entra's
 * WS-Federation roles `fed:SecurityTokenServiceType`, `fed:ApplicationServiceType`): RoleDescriptor is
 * SAML's declared extension point, so such a role is reported as a warning (its content is not
 * validated) instead of failing the document. Everything else in the document is still validated;
 * libxml2 carries on after that element.
 */
import { readFile } from 'node:fs/promises';
import type { Finding } from './findings.js';
import { printable } from './xml.js';
import { useBaselineWasmCompiler } from '../wasm-tier.js';

const SCHEMA_DIR = new URL('../../schema/xsd/', import.meta.url);
const ROOT_SCHEMA = 'saml-schema-metadata-2.0.xsd';
const IMPORTED_SCHEMAS = [
  'saml-schema-assertion-2.0.xsd',
  'xmldsig-core-schema.xsd',
  'xenc-schema.xsd',
  'xml.xsd',
  'sstc-saml-metadata-ui-v1.0.xsd',
  'sstc-saml-metadata-algsupport-v1.0.xsd',
  'saml-metadata-rpi-v1.0.xsd',
  'sstc-metadata-attr.xsd',
];
/** Enough to say what is wrong without flooding the report. */
const MAX_SCHEMA_FINDINGS = 10;

interface SchemaFile {
  fileName: string;
  contents: string;
}

let schemas: Promise<{ root: SchemaFile; preload: SchemaFile[] }> | undefined;

function loadSchemas(): Promise<{ root: SchemaFile; preload: SchemaFile[] }> {
  const read = async (fileName: string) => ({ fileName, contents: await readFile(new URL(fileName, SCHEMA_DIR), 'utf8') });
  schemas ??= Promise.all([read(ROOT_SCHEMA), ...IMPORTED_SCHEMAS.map(read)]).then(([root, ...preload]) => ({ root: root!, preload }));
  return schemas;
}

/** One libxml2 run validates at most this much, so its WebAssembly memory (32 MiB at most) suffices. */
const MAX_BATCH_DOCUMENTS = 16;
const MAX_BATCH_CHARS = 2 * 1024 * 1024;

interface Pending {
  text: string;
  done: (findings: Finding[]) => void;
}

const queue: Pending[] = [];
let running = false;

/** Validates decoded metadata text; every outcome is a list of findings (empty when valid). */
export function validateMetadataSchema(text: string): Promise<Finding[]> {
  return new Promise((done) => {
    queue.push({ text, done });
    if (!running) void drain();
  });
}

async function drain(): Promise<void> {
  running = true;
  try {
    while (queue.length > 0) {
      const batch = [queue.shift()!];
      let chars = batch[0]!.text.length;
      while (queue.length > 0 && batch.length < MAX_BATCH_DOCUMENTS && chars + queue[0]!.text.length <= MAX_BATCH_CHARS) {
        chars += queue[0]!.text.length;
        batch.push(queue.shift()!);
      }
      const results = await validateBatch(batch.map((p) => p.text));
      batch.forEach((p, i) => p.done(results[i]!));
    }
  } finally {
    running = false;
  }
}

async function validateBatch(texts: string[]): Promise<Finding[][]> {
  const names = texts.map((_, i) => `metadata-${i}.xml`);
  let output: string;
  try {
    useBaselineWasmCompiler();
    const [{ validateXML }, { root, preload }] = await Promise.all([import('xmllint-wasm'), loadSchemas()]);
    const result = await validateXML({ xml: texts.map((contents, i) => ({ fileName: names[i]!, contents })), schema: [root], preload });
    output = result.rawOutput;
  } catch (error) {
    const failed: Finding = { code: 'SCHEMA_CHECK_FAILED', message: `The XML Schema check could not run: ${error instanceof Error ? error.message : String(error)}.` };
    return texts.map(() => [failed]);
  }
  return splitOutput(output, names).map((document) => (document.valid ? [] : interpretSchemaErrors(document.errors)));
}

/**
 * xmllint's report of several documents, per document: `NAME validates`, or `NAME:LINE: message`
 * lines (then, for a parse error, context lines that belong to the message before them) and usually
 * `NAME fails to validate`. A document is valid only when xmllint says so. Pure.
 */
export function splitOutput(output: string, names: readonly string[]): { valid: boolean; errors: { message: string; loc: { lineNumber: number } | null }[] }[] {
  const documents = names.map(() => ({ valid: false, errors: [] as { message: string; loc: { lineNumber: number } | null }[] }));
  for (const line of output.split('\n')) {
    const i = names.findIndex((name) => line.startsWith(`${name}:`) || line.startsWith(`${name} `));
    if (i < 0) continue; // a parse error's context lines, or blank
    const name = names[i]!;
    const rest = line.slice(name.length);
    if (rest === ' validates') documents[i]!.valid = true;
    else if (rest === ' fails to validate') continue;
    else {
      const located = /^:(\d+): (.*)$/.exec(rest);
      documents[i]!.errors.push(located ? { message: located[2]!, loc: { lineNumber: Number(located[1]) } } : { message: rest.replace(/^[: ]+/, ''), loc: null });
    }
  }
  return documents;
}

/** Turns libxml2's messages into findings, applying the RoleDescriptor policy above. Pure. */
export function interpretSchemaErrors(errors: readonly { message: string; loc: { lineNumber: number } | null }[]): Finding[] {
  const findings: Finding[] = [];
  const extensionTypes = new Set<string>();
  const problems: string[] = [];
  for (const e of errors) {
    const unresolved = /Element '\{urn:oasis:names:tc:SAML:2\.0:metadata\}RoleDescriptor', attribute '\{http:\/\/www\.w3\.org\/2001\/XMLSchema-instance\}type': The QName value '([^']+)' of the xsi:type attribute does not resolve to a type definition/.exec(
      e.message,
    );
    if (unresolved) {
      extensionTypes.add(unresolved[1]!);
      continue;
    }
    if (/Element '\{urn:oasis:names:tc:SAML:2\.0:metadata\}RoleDescriptor': The type definition is abstract/.test(e.message) && extensionTypes.size > 0) continue;
    const line = e.loc ? `line ${e.loc.lineNumber}: ` : '';
    problems.push(`${line}${shorten(e.message)}`);
  }
  for (const type of extensionTypes) {
    findings.push({
      code: 'SCHEMA_EXTENSION_NOT_VALIDATED',
      message: `A RoleDescriptor of type ${shorten(type)} (not SAML; e.g. Entra's WS-Federation roles) was not schema-validated: no schema for it is shipped.`,
    });
  }
  if (problems.length === 0 && extensionTypes.size === 0) {
    problems.push('libxml2 reported the document invalid without saying why');
  }
  for (const p of problems.slice(0, MAX_SCHEMA_FINDINGS)) {
    findings.push({ code: 'SCHEMA_INVALID', message: `The document does not conform to the SAML 2.0 metadata schema (${p}).` });
  }
  if (problems.length > MAX_SCHEMA_FINDINGS) {
    findings.push({ code: 'SCHEMA_INVALID', message: `…and ${problems.length - MAX_SCHEMA_FINDINGS} more schema errors.` });
  }
  return findings;
}

const PREFIXES: [string, string][] = [
  ['{urn:oasis:names:tc:SAML:2.0:metadata}', 'md:'],
  ['{urn:oasis:names:tc:SAML:2.0:assertion}', 'saml:'],
  ['{http://www.w3.org/2000/09/xmldsig#}', 'ds:'],
  ['{http://docs.oasis-open.org/wsfed/federation/200706}', 'fed:'],
];

function shorten(message: string): string {
  let out = message
    .replace(/^Schemas validity error : /, '')
    .replace(/\s+/g, ' ')
    .replace(/##other\{[^}]*\}\*/g, 'an element from another namespace')
    .trim();
  for (const [uri, prefix] of PREFIXES) out = out.split(uri).join(prefix);
  return printable(out.replace(/\.$/, ''), 400);
}
