// Validate the generated AsyncAPI document with the official parser (@asyncapi/parser): the AsyncAPI
// 3.0.0 JSON Schema (bindings included), reference resolution and the AsyncAPI ruleset.
//
//   node validate.mjs [path]     (default: ../asyncapi.json)
//
// Exits 1 on any diagnostic of severity error, or when nothing could be parsed; warnings are printed.
// The parser checks message examples only for AsyncAPI 2, so the examples are also validated here
// against their message's payload and headers schemas: the schemas pydantic generated must accept
// what the producers actually emit.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import parserModule from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const { Parser, DiagnosticSeverity } = parserModule;
const path = resolve(process.argv[2] ?? fileURLToPath(new URL('../asyncapi.json', import.meta.url)));
const severityNames = ['error', 'warning', 'information', 'hint'];

const text = await readFile(path, 'utf8');
const { document, diagnostics } = await new Parser().parse(text, { source: path });

for (const d of diagnostics) {
  const where = d.path?.length ? d.path.join('/') : '(document)';
  console.log(`${severityNames[d.severity] ?? d.severity}: ${d.code}: ${d.message} at ${where}`);
}
const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).length;
if (errors > 0 || document === undefined) {
  console.error(`${path}: INVALID (${errors} errors)`);
  process.exit(1);
}

// strict: false because the parser annotates resolved schemas with x-parser-* keys.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
let exampleErrors = 0;
let examples = 0;
for (const message of document.components().messages()) {
  for (const example of message.examples()) {
    examples += 1;
    for (const [part, schema, value] of [
      ['payload', message.payload(), example.payload()],
      ['headers', message.headers(), example.headers()],
    ]) {
      if (schema === undefined || value === undefined) continue;
      const check = ajv.compile(schema.json());
      if (!check(value)) {
        exampleErrors += 1;
        console.log(`error: ${message.id()} ${example.name()} ${part}: ${ajv.errorsText(check.errors)}`);
      }
    }
  }
}
if (exampleErrors > 0) {
  console.error(`${path}: INVALID (${exampleErrors} examples do not fit their schemas)`);
  process.exit(1);
}
const channels = document.allChannels().length;
const messages = document.allMessages().length;
console.log(
  `${path}: valid AsyncAPI ${document.version()} (${channels} channels, ${messages} messages, ${examples} examples)`,
);
