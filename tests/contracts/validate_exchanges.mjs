// Validates the service's real requests and answers against the OpenAPI documents of the
// versions they were sent to. The service tests write them when RFLOW_RECORD_EXCHANGES
// names a directory (tests/service/service_test_util.cpp): DIR/exchanges.jsonl, one
// exchange a line, and DIR/<version>.json, each version's document.
//
// For each exchange: the operation is the document's path that matches (a concrete path,
// `/v1/workflows/Purchase/instances`, before a template), and
//   - a request that succeeded (2xx) must fit the operation's request body schema;
//   - the answer's status must be documented, and a JSON answer must fit its schema.
// Requests that failed are not checked against the request schema: the tests send wrong
// bodies on purpose, and the schema must refuse them only where the service does.
// Finally it fails unless the concrete schemas were really exercised (a start, a signal,
// an event and a decision of a deployed version), so it cannot pass by matching nothing.
//
// Usage: node validate_exchanges.mjs DIR
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { validate as openApiValidate } from '@readme/openapi-parser';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node validate_exchanges.mjs DIR');
  process.exit(2);
}

const documents = new Map();  // version -> { doc, ajv, cache }
for (const file of readdirSync(dir)) {
  if (!file.endsWith('.json')) continue;
  const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ components: doc.components ?? {} }, 'doc');
  documents.set(file.slice(0, -5), { doc, ajv, cache: new Map() });
}

function validator(entry, key, schema) {
  if (!entry.cache.has(key)) {
    const rewritten = JSON.parse(
      JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
    entry.cache.set(key, entry.ajv.compile(rewritten));
  }
  return entry.cache.get(key);
}

function segments(path) {
  return path.split('/').filter((s) => s !== '');
}

// The document's path for `path`: concrete paths first, then templates.
function findPath(doc, method, path) {
  // Tests send malformed escapes on purpose; those stay as sent.
  const decode = (p) => { try { return decodeURIComponent(p); } catch { return p; } };
  const parts = segments(path).map(decode);
  const candidates = Object.keys(doc.paths).filter((p) => doc.paths[p][method]);
  const fits = (pattern) => {
    const want = segments(pattern);
    return want.length === parts.length &&
      want.every((w, i) => (w.startsWith('{') && w.endsWith('}')) || w === parts[i]);
  };
  const concrete = candidates.filter((p) => !p.includes('{') && fits(p));
  if (concrete.length) return concrete[0];
  // The template with the fewest parameters: /v1/instances/{id}/signals/Received before
  // /v1/instances/{id}/signals/{name}.
  const templated = candidates.filter(fits)
    .sort((a, b) => (a.split('{').length - b.split('{').length));
  return templated[0];
}

const lines = readFileSync(join(dir, 'exchanges.jsonl'), 'utf8').split('\n').filter(Boolean);
let failures = 0;
let requests = 0;
let answers = 0;
const exercised = new Set();
const fail = (x, message) => {
  failures++;
  if (failures <= 50) console.error(`FAIL ${x.test}: ${x.method} ${x.path} -> ${x.status}: ${message}`);
};

for (const line of lines) {
  const x = JSON.parse(line);
  if (x.status === 0) continue;  // no answer (a test that stops the server)
  const entry = documents.get(x.version);
  if (!entry) {
    fail(x, `no document for version ${x.version}`);
    continue;
  }
  const method = x.method.toLowerCase();
  const path = findPath(entry.doc, method, x.path);
  if (!path) {
    // Unknown paths and methods are the router's 404 and 405, and a path too long to be
    // any endpoint the transport's 414, which the tests provoke.
    // The dashboard's files (/, /index.html, /app.js, …) are served beside the API but
    // are no part of it: the document describes the API only.
    const api = /^\/(v1\/|healthz$|readyz$|metrics$)/.test(x.path.split('?')[0]);
    if (api && ![404, 405, 414].includes(x.status)) fail(x, 'no operation in the document matches');
    continue;
  }
  const op = entry.doc.paths[path][method];
  if (x.status >= 200 && x.status < 300) {
    const schema = op.requestBody?.content?.['application/json']?.schema;
    if (schema && x.request !== '') {
      const validate = validator(entry, `${method} ${path} request`, schema);
      if (!validate(JSON.parse(x.request)))
        fail(x, `the request does not fit ${path}: ${entry.ajv.errorsText(validate.errors)}\n  ${x.request.slice(0, 300)}`);
      requests++;
      if (!path.includes('{name}')) exercised.add(`${op.operationId.split('_')[0]} request`);
    } else if (schema && op.requestBody.required) {
      fail(x, `the service took an empty body, but ${path} requires one`);
    }
  }
  const answer = op.responses?.[String(x.status)];
  if (!answer) {
    fail(x, `status ${x.status} is not documented for ${method} ${path} ` +
            `(documented: ${Object.keys(op.responses ?? {}).join(', ')})`);
    continue;
  }
  const schema = answer.content?.['application/json']?.schema;
  if (schema && x.content_type.startsWith('application/json')) {
    const validate = validator(entry, `${method} ${path} ${x.status}`, schema);
    if (!validate(JSON.parse(x.response)))
      fail(x, `the answer does not fit ${path} ${x.status}: ${entry.ajv.errorsText(validate.errors)}\n  ${x.response.slice(0, 300)}`);
    answers++;
    if (schema.$ref?.includes('/Instance.')) exercised.add('instance answer');
  }
}

// Every version's document is a valid OpenAPI document too, not only the examples'
// (validate_documents.mjs): the same validator, on the documents the service served.
let documentsValid = 0;
for (const [version, entry] of documents) {
  // validate() dereferences in place: give it its own copy.
  const result = await openApiValidate(JSON.parse(JSON.stringify(entry.doc)));
  if (result.valid) {
    documentsValid++;
  } else {
    failures++;
    const first = result.errors?.[0];
    console.error(`FAIL: the document of version ${version} is not valid OpenAPI: ` +
                  `${first?.message ?? 'invalid'}`);
  }
}

for (const needed of ['start request', 'signal request', 'signalByKey request', 'event request',
                      'postV1TasksIdDecision request', 'instance answer']) {
  if (!exercised.has(needed)) {
    failures++;
    console.error(`FAIL: no exchange exercised a concrete ${needed}; the check would prove nothing`);
  }
}
console.log(`${lines.length} exchanges of ${documents.size} versions (${documentsValid} documents ` +
            `valid OpenAPI): ${requests} requests and ` +
            `${answers} answers validated; exercised: ${[...exercised].sort().join(', ')}; ` +
            `${failures} failures`);
process.exit(failures === 0 ? 0 : 1);
