// Read erpmail's events, as an ERP's event module would (amqplib + ajv).
//
//   RABBITMQ_URL=amqp://... node consumer.mjs [--queue mail.events] [--count N] [--timeout S]
//
// Prints one JSON line per event. Each message is checked against erpmail's events schema; a
// repeat (the same message_id: delivery is at least once) is acknowledged and skipped; a
// message that does not validate is rejected without requeueing. Stops after --count events
// or --timeout seconds without one.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import amqp from "amqplib";

const { values: args } = parseArgs({
  options: {
    queue: { type: "string", default: "mail.events" },
    count: { type: "string", default: "0" },
    timeout: { type: "string", default: "0" },
  },
});
const count = Number(args.count);
const timeoutMs = Number(args.timeout) * 1000;

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(
  JSON.parse(readFileSync(new URL("../../schemas/mail-events.v1.schema.json", import.meta.url), "utf8")),
);

const url = process.env.RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672/%2F";
const connection = await amqp.connect(url);
const channel = await connection.createChannel();
await channel.prefetch(50);

const seen = new Set(); // a real module keeps these in its database, with its own records
let handled = 0;
let done = false;
let idle;
await new Promise((resolve) => {
  const stopWhenIdle = () => {
    clearTimeout(idle);
    if (timeoutMs) idle = setTimeout(() => ((done = true), resolve()), timeoutMs);
  };
  stopWhenIdle();
  channel.consume(args.queue, (message) => {
    if (message === null) return resolve(); // the queue was deleted
    if (done) return; // not acknowledged: back to the queue when the connection closes
    stopWhenIdle();
    let event;
    try {
      event = JSON.parse(message.content.toString("utf8"));
    } catch {
      event = undefined;
    }
    if (event === undefined || !validate(event)) {
      console.error("not an erpmail event:", JSON.stringify(validate.errors ?? "not JSON"));
      channel.reject(message, false);
      return;
    }
    if (!seen.has(event.message_id)) {
      seen.add(event.message_id);
      console.log(JSON.stringify(event));
      handled += 1;
    }
    channel.ack(message);
    if (count && handled >= count) {
      done = true;
      resolve();
    }
  });
});
clearTimeout(idle);
await channel.close(); // answered once the broker has the acks; the rest go back to the queue
await connection.close();
