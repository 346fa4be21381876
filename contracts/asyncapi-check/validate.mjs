// Validate the generated AsyncAPI document with the official parser (@asyncapi/parser), which checks
// the document against the AsyncAPI 3.0.0 JSON Schema (bindings included) and the AsyncAPI ruleset.
//
//   node validate.mjs [path]     (default: ../asyncapi.json)
//
// Exits 1 on any diagnostic of severity error, or when nothing could be parsed; warnings are printed.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import parserModule from '@asyncapi/parser';

const { Parser, DiagnosticSeverity } = parserModule;
const path = resolve(process.argv[2] ?? fileURLToPath(new URL('../asyncapi.json', import.meta.url)));
const severityNames = ['error', 'warning', 'information', 'hint'];

const text = await readFile(path, 'utf8');
const { document, diagnostics } = await new Parser().parse(text, { source: path });

for (const d of diagnostics) {
  const where = d.path?.length ? d.path.join('/') : '(document)';
  console.log(`${severityNames[d.severity] ?? d.severity}: ${d.code}: ${d.message} at ${where}`);
}
const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
if (errors.length > 0 || document === undefined) {
  console.error(`${path}: INVALID (${errors.length} errors)`);
  process.exit(1);
}
const messages = document.allMessages().length;
const channels = document.allChannels().length;
console.log(`${path}: valid AsyncAPI ${document.version()} (${channels} channels, ${messages} messages)`);
