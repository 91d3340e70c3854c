import { randomUUID } from "node:crypto";
import { createNodeRegistry } from "@wf/state-redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
const workerId = `placeholders-${randomUUID()}`;

beforeAll(async () => {
  h = await startHarness(inject("redisUrl"));
  // A node with a number field and a required path, registered as a worker would.
  const inputSchema = z.toJSONSchema(z.object({ audio_path: z.string().min(1), seconds: z.number().int() }), { io: "input" }) as Record<string, unknown>;
  await createNodeRegistry({ redis: h.redis }).publish(workerId, [{ name: "test.numbers", inputSchema }], 600);
});
afterAll(async () => {
  await createNodeRegistry({ redis: h.redis }).withdraw(workerId, ["test.numbers"]).catch(() => undefined);
  await h?.close();
});

/** Posts test.numbers on a task that already has an ffmpeg.extract_audio stage (what the placeholders read). */
const create = async (input_data: unknown) => {
  const taskId = `task-${randomUUID()}`;
  await h.store.createWorkflowState({
    workflow_id: taskId,
    input_params: { task_name: "ffmpeg.extract_audio", input_data: {} },
    stages: { "ffmpeg.extract_audio": { status: "SUCCESS", output: { audio_path: "/a.wav", seconds: 3 } } },
  });
  return h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "test.numbers", task_id: taskId, input_data } as object });
};

describe("placeholders in input_data", () => {
  it("are accepted wherever a value is expected, strings or not, at any depth", async () => {
    const response = await create({
      audio_path: "${{ stages.ffmpeg.extract_audio.output.audio_path }}",
      seconds: "${{stages.ffmpeg.extract_audio.output.seconds}}",
    });
    expect(response.statusCode, response.body).toBe(200);
    const job = (await h.queues.jobData("test.numbers", (await h.store.getWorkflowState(response.json().task_id))?.stages["test.numbers"]?.["job_id"] as string));
    expect(job?.input_data["seconds"]).toBe("${{stages.ffmpeg.extract_audio.output.seconds}}");
  });

  it("do not excuse other invalid fields", async () => {
    const response = await create({ audio_path: "${{ stages.ffmpeg.extract_audio.output.audio_path }}", seconds: "ten" });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("seconds") });
  });

  it("naming a node no worker has registered is refused with 400", async () => {
    const response = await create({ audio_path: "${{ stages.nobody.runs_this.output.audio_path }}", seconds: 1 });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "INVALID_INPUT", message: expect.stringMatching(/input_data\.audio_path refers to stage nobody\.runs_this/) });
  });

  it("naming a stage the task does not have is refused at submit time, not when the node starts", async () => {
    const taskId = `task-${randomUUID()}`;
    const response = await h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "test.numbers", task_id: taskId, input_data: { audio_path: "${{ stages.ffmpeg.extract_audio.output.audio_path }}", seconds: 1 } } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "INVALID_INPUT", message: expect.stringMatching(/refers to stage ffmpeg\.extract_audio, which a new task does not have/) });
    expect(await h.store.getWorkflowState(taskId)).toBeNull();
  });

  it("input nested 5,000 deep is a 400, not a stack overflow", async () => {
    const payload = `{"task_name": "test.numbers", "input_data": {"audio_path": ${"[".repeat(5000)}${"]".repeat(5000)}, "seconds": 1}}`;
    const response = await h.app.inject({ method: "POST", url: "/v1/tasks", headers: { "content-type": "application/json" }, payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("nested deeper than 64") });
  });
});
