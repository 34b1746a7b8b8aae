// Publish one mail job to erpmail, as an ERP's producer would (amqplib + ajv).
//
//   RABBITMQ_URL=amqp://... node producer.mjs --to juri@example.ee [--tenant acme] [--user MARI]
//
// Validates the job against erpmail's schema file first (a job the schema refuses would only
// be dead-lettered), publishes it persistent, with the job id as the AMQP message id, on a
// confirm channel, and prints the job id once the broker has confirmed it.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import amqp from "amqplib";

import { makeJobValidator } from "./job-schema.mjs";

const { values: args } = parseArgs({
  options: {
    tenant: { type: "string", default: "acme" },
    user: { type: "string", default: "MARI" },
    to: { type: "string", multiple: true },
    subject: { type: "string", default: "Arve nr 2026-0042" },
  },
});
if (!args.to) {
  console.error("give at least one --to address");
  process.exit(1);
}

const job = {
  schema_version: 1,
  job_id: randomUUID(), // the idempotency key: publish the same job again with the same id
  tenant: args.tenant,
  user_code: args.user,
  kind: "invoice",
  to: args.to,
  subject: args.subject,
  text: "Tere! Arve on lisatud.",
  attachments: [
    {
      filename: "arve.pdf",
      content_type: "application/pdf",
      content_base64: Buffer.from("%PDF-1.4 example").toString("base64"),
    },
  ],
  headers: { "X-Invoice-Number": "2026-0042" },
  created_at: new Date().toISOString(), // UTC with its Z
};

const schema = JSON.parse(
  readFileSync(new URL("../../schemas/mail-job.v1.schema.json", import.meta.url), "utf8"),
);
const validate = makeJobValidator(schema);
if (!validate(job)) {
  console.error("the job is not valid:");
  for (const error of validate.errors) console.error(`  ${error.instancePath || "(job)"}: ${error.message}`);
  process.exit(1);
}

const url = process.env.RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672/%2F";
const connection = await amqp.connect(url);
try {
  const channel = await connection.createConfirmChannel();
  let returned = false;
  channel.on("return", () => (returned = true)); // mandatory: no queue bound is an error
  await new Promise((resolve, reject) =>
    channel.publish(
      "mail.jobs",
      "job.send",
      Buffer.from(JSON.stringify(job), "utf8"),
      {
        contentType: "application/json",
        contentEncoding: "utf-8",
        persistent: true,
        messageId: job.job_id,
        mandatory: true,
      },
      (error) => (error ? reject(new Error("the broker refused the job (nack): publish it again later")) : resolve()),
    ),
  );
  if (returned) throw new Error("no queue is bound to mail.jobs for job.send: run 'erpmail topology declare'");
  console.log(job.job_id);
} finally {
  await connection.close();
}
