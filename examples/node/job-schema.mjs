// The mail job v1 validator: ajv for JSON Schema 2020-12, with its formats (uuid, date-time).
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

export function makeJobValidator(schema) {
  // allErrors: report every problem of a job at once, as the worker does.
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(schema);
}
