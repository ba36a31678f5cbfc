// Validates OpenAPI documents rflow generated: each with @readme/openapi-parser (the
// OpenAPI 3.0 specification's schema plus its own checks: unique operationIds, path
// parameters declared, component names), and every schema in it compiled by ajv the way
// validate_exchanges.mjs uses them (so a schema ajv refuses is caught here, not there);
// validate_exchanges.mjs then checks real bodies against them.
//
// Usage: node validate_documents.mjs FILE.json…   Exit 1 on the first invalid document.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { validate } from '@readme/openapi-parser';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate_documents.mjs FILE.json…');
  process.exit(2);
}

let failures = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const doc = JSON.parse(text);
  // validate() dereferences in place: give it its own copy.
  const result = await validate(JSON.parse(text));
  if (!result.valid) {
    failures++;
    console.error(`FAIL ${file}: not a valid OpenAPI document:`);
    // The parser prints a code frame per place; the first few say enough.
    for (const e of result.errors.slice(0, 3))
      console.error('  ' + String(e.message ?? JSON.stringify(e)).slice(0, 600));
    if (result.errors.length > 3) console.error(`  … and ${result.errors.length - 3} more`);
    continue;
  }
  if (result.warnings?.length) {
    for (const w of result.warnings) console.error(`warning ${file}: ${w.message ?? JSON.stringify(w)}`);
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ components: doc.components ?? {} }, 'doc');
  let compiled = 0;
  const compile = (where, schema) => {
    const rewritten = JSON.parse(
      JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
    try {
      ajv.compile(rewritten);
      compiled++;
    } catch (e) {
      failures++;
      console.error(`FAIL ${file}: ajv refuses the schema at ${where}: ${e.message}`);
    }
  };
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {}))
    compile(`components.schemas.${name}`, schema);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (body) compile(`${method} ${path} request`, body);
      for (const [status, answer] of Object.entries(op.responses ?? {})) {
        const schema = answer.content?.['application/json']?.schema;
        if (schema) compile(`${method} ${path} ${status}`, schema);
      }
    }
  }
  console.log(`ok ${file}: OpenAPI ${doc.openapi}, ${Object.keys(doc.paths).length} paths, ` +
              `${compiled} schemas compiled, version ${doc.info.version}`);
}
process.exit(failures === 0 ? 0 : 1);
