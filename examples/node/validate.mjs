// Validate mail jobs against erpmail's JSON Schema before publishing them (ajv).
//
//   node validate.mjs [SCHEMA] < jobs.jsonl
//
// Reads one JSON job a line; writes one JSON line for each: {"valid": true} or
// {"valid": false, "errors": ["/to/0: must match pattern ...", ...]}. Exits 1 when any job
// is invalid. SCHEMA defaults to the repository's schemas/mail-job.v1.schema.json.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { makeJobValidator } from "./job-schema.mjs";

const schemaPath =
  process.argv[2] ?? fileURLToPath(new URL("../../schemas/mail-job.v1.schema.json", import.meta.url));
const validate = makeJobValidator(JSON.parse(readFileSync(schemaPath, "utf8")));

let invalid = 0;
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  let job;
  try {
    job = JSON.parse(line);
  } catch (error) {
    invalid += 1;
    process.stdout.write(JSON.stringify({ valid: false, errors: [`not JSON: ${error.message}`] }) + "\n");
    continue;
  }
  const valid = validate(job);
  if (!valid) invalid += 1;
  const verdict = valid
    ? { valid }
    : { valid, errors: validate.errors.map((e) => `${e.instancePath || "(job)"}: ${e.message}`) };
  process.stdout.write(JSON.stringify(verdict) + "\n");
}
process.exitCode = invalid ? 1 : 0;
