import { createServer } from "node:http";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifyCallbackSignature } from "@wf/context";

const secret = process.env["WF_CALLBACK_SECRET"] ?? "";
const seen = new Set<string>();

createServer((req, res) => {
  let raw = "";
  req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
  req.on("end", async () => {
    // Verify the raw body, before parsing it: a re-serialised body would not match.
    if (!(await verifyCallbackSignature(raw, req.headers[SIGNATURE_HEADER] as string | undefined, secret, { toleranceSeconds: 300 }))) {
      res.writeHead(401).end();
      return;
    }
    const eventId = String(req.headers[EVENT_ID_HEADER]);
    if (!seen.has(eventId)) {
      seen.add(eventId); // retries of one callback carry the same event id
      const { task_id, status } = JSON.parse(raw) as { task_id: string; status: "completed" | "failed" };
      console.log(`task ${task_id} ${status}`);
    }
    res.writeHead(200).end();
  });
}).listen(3000);
