import { randomUUID } from "node:crypto";
import { createNodeRegistry } from "@wf/state-redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { startHarness, type Harness } from "./harness.js";

// A pipeline request is validated as a whole before anything is written: every refusal below
// leaves no key and no job behind.

let h: Harness;
const workerId = `pipeline-validation-${randomUUID()}`;
const names = ["test.a", "test.b", "test.c"];

beforeAll(async () => {
  h = await startHarness(inject("redisUrl"));
  const inputSchema = z.toJSONSchema(z.object({ value: z.string() }), { io: "input" }) as Record<string, unknown>;
  await createNodeRegistry({ redis: h.redis }).publish(workerId, names.map((name) => ({ name, inputSchema })), 600);
});
afterAll(async () => {
  await createNodeRegistry({ redis: h.redis }).withdraw(workerId, names).catch(() => undefined);
  await h?.close();
});

const ref = (stage: string) => `\${{ stages.${stage}.output.value }}`;

async function refused(nodes: unknown[]): Promise<{ code: string; message: string; details: unknown }> {
  const taskId = `task-${randomUUID()}`;
  const response = await h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_id: taskId, nodes } });
  expect(response.statusCode, response.body).toBe(400);
  expect(await h.store.getWorkflowState(taskId)).toBeNull();
  expect(await h.redis.keys(`*${taskId}*`)).toEqual([]);
  return response.json().error;
}

describe("pipeline requests are validated before anything is written", () => {
  it("a cycle is refused, naming the nodes on it", async () => {
    const error = await refused([
      { task_name: "test.a", input_data: { value: ref("test.c") } },
      { task_name: "test.b", input_data: { value: ref("test.a") } },
      { task_name: "test.c", input_data: { value: "x" }, after: ["test.b"] },
    ]);
    expect(error).toMatchObject({ code: "INVALID_PIPELINE", message: "the nodes depend on each other in a cycle: test.a -> test.c -> test.b -> test.a" });
  });

  it("every problem is reported at once, each naming its node", async () => {
    const error = await refused([
      { task_name: "test.a", input_data: { value: 1 } },
      { task_name: "nobody.runs", input_data: {} },
      // Fine: test.c is part of the request.
      { task_name: "test.b", input_data: { value: ref("test.c") } },
      { task_name: "test.c", input_data: { value: "x" }, after: ["test.zzz"] },
    ]);
    expect(error.message).toMatch(/^3 problems: /);
    expect(error.message).toContain("test.a: invalid input_data for test.a");
    expect(error.message).toContain("nobody.runs: task_name nobody.runs is not run by any live worker");
    expect(error.message).toContain("test.c: after names test.zzz, which is neither a node of this request nor a stage of the task");
    expect(error.details).toHaveLength(3);
  });

  it("inputs that can never work are listed together, each with its node", async () => {
    const error = await refused([
      { task_name: "test.a", input_data: { value: "bad\u0000" } },
      { task_name: "test.b", input_data: { value: "x ${{ stages.test.a.output.value }}" } },
    ]);
    expect(error.message).toBe(
      "2 problems: test.a: input_data.value must not contain a NUL byte; test.b: input_data.value: a placeholder must be the whole value, exactly ${{ stages.<task_name>.output.<field> }} (not nested in another or embedded in text)",
    );
  });

  it("a placeholder naming a stage neither in the request nor in the task is refused", async () => {
    const error = await refused([{ task_name: "test.a", input_data: { value: ref("test.b") } }, { task_name: "test.c", input_data: { value: "x" } }]);
    expect(error).toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("test.a: input_data.value refers to stage test.b, which is neither a node of this request") });
  });

  it("task names repeated, a node after itself, no nodes, or more than 64 nodes: 400", async () => {
    expect((await refused([{ task_name: "test.a", input_data: { value: "1" } }, { task_name: "test.a", input_data: { value: "2" } }])).message).toContain("test.a appears twice");
    expect((await refused([{ task_name: "test.a", input_data: { value: "1" }, after: ["test.a"] }])).message).toContain("cannot run after itself");
    expect((await refused([])).code).toBe("INVALID_REQUEST");
    const many = Array.from({ length: 65 }, (_, i) => ({ task_name: `test.n${i}`, input_data: {} }));
    expect((await refused(many)).message).toMatch(/nodes: .*64/);
  });

  it("a valid pipeline writes every node in one step: waiting nodes hold a delayed job", async () => {
    const taskId = `task-${randomUUID()}`;
    const response = await h.app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { task_id: taskId, nodes: [{ task_name: "test.a", input_data: { value: "x" } }, { task_name: "test.b", input_data: { value: ref("test.a") } }] },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ task_id: taskId, status: "pending", nodes: [{ task_name: "test.a", state: "queued" }, { task_name: "test.b", state: "waiting", waiting_for: ["test.a"] }] });
    const task = await h.store.getWorkflowState(taskId);
    expect(task?.stages["test.b"]).toMatchObject({ status: "PENDING", depends_on: ["test.a"], waiting_for: ["test.a"], pipeline_id: expect.any(String) });
    const queue = new (await import("bullmq")).Queue("test_queue", { connection: h.redis.duplicate({ maxRetriesPerRequest: null }), prefix: h.prefix });
    try {
      const states = await Promise.all(["test.a", "test.b"].map((name) => queue.getJobState(task?.stages[name]?.["job_id"] as string)));
      expect(states).toEqual(["waiting", "delayed"]);
    } finally {
      await queue.close();
    }
    expect(await h.store.pipelineStep(taskId)).toEqual({ ready: [], doomed: [], final: false });
  });
});
