import { InvalidTaskIdError, MissingTaskNameError } from "@wf/context";
import { describe, expect, it, vi } from "vitest";
import { createStateStore, StoreConfigError, type CorruptNodeEvent, type KeyLayout, type RedisConnection } from "../src/index.js";
import { buildContext, uniqueTaskId } from "./fixtures.js";

/**
 * The behaviour every deployment of the store must show, run against each backend (a single
 * Redis, a Redis Cluster) and key layout.
 */
export function describeStoreContract(
  name: string,
  backend: { connect: () => RedisConnection; connectNew: () => RedisConnection },
  keyLayout: KeyLayout,
): void {
  const { connect, connectNew } = backend;
  describe(`state store contract: ${name}`, () => {
    const storeFor = (extra: { onCorruptNode?: (event: CorruptNodeEvent) => void } = {}) =>
      createStateStore({ redis: connect(), ttlSeconds: 86_400, keyLayout, ...extra });

    it("create writes the node key with a one-day TTL (seed test 1)", async () => {
      const redis = connect();
      const store = storeFor();
      const taskId = uniqueTaskId();
      const result = await store.createWorkflowState(buildContext(taskId));
      const key = store.nodeKey(taskId, "ffmpeg.extract_audio");
      expect(result).toEqual({ written: true, key });
      expect(key).toBe(keyLayout === "hash-tag" ? `{${taskId}}:node:ffmpeg.extract_audio` : `${taskId}:node:ffmpeg.extract_audio`);
      expect(await redis.exists(key)).toBe(1);
      expect(await redis.ttl(key)).toBe(86_400);
    });

    it("records a task's owner with its first node; another owner's write is refused and changes nothing", async () => {
      const redis = connect();
      const store = storeFor();
      const taskId = uniqueTaskId();
      expect(await store.createWorkflowState(buildContext(taskId), { owner: "team-a" })).toMatchObject({ written: true });
      expect(await store.getTaskOwner(taskId)).toBe("team-a");
      const ownerTtl = await redis.ttl(store.keys.ownerKey(taskId));
      expect(ownerTtl).toBe(await redis.ttl(store.keys.indexKey(taskId)));
      const before = await redis.get(store.nodeKey(taskId, "ffmpeg.extract_audio"));
      const foreign = await store.createWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "PENDING"), { owner: "team-b" });
      expect(foreign).toMatchObject({ written: false, reason: "NOT_OWNER" });
      expect(await redis.get(store.nodeKey(taskId, "ffmpeg.extract_audio"))).toBe(before);
      expect(await store.createWorkflowState(buildContext(taskId, "faster_whisper.transcribe"), { owner: "team-b" })).toMatchObject({ reason: "NOT_OWNER" });
      expect(await redis.exists(store.nodeKey(taskId, "faster_whisper.transcribe"))).toBe(0);
      // The owner's writes and unowned writes (a worker's) go through; delete removes the owner.
      expect(await store.createWorkflowState(buildContext(taskId, "faster_whisper.transcribe"), { owner: "team-a" })).toMatchObject({ written: true });
      expect(await store.updateWorkflowState(buildContext(taskId, "faster_whisper.transcribe"))).toMatchObject({ written: true });
      await store.deleteWorkflowState(taskId);
      expect(await redis.exists(store.keys.ownerKey(taskId))).toBe(0);
      expect(await store.getTaskOwner(taskId)).toBeNull();
    });

    it("get aggregates every node of the task (seed test 2)", async () => {
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "ffmpeg.extract_audio"));
      await store.createWorkflowState(buildContext(taskId, "faster_whisper.transcribe"));
      const merged = await store.getWorkflowState(taskId);
      expect(merged?.workflow_id).toBe(taskId);
      expect(Object.keys(merged?.stages ?? {}).sort()).toEqual(["faster_whisper.transcribe", "ffmpeg.extract_audio"]);
    });

    it("refuses a context without input_params.task_name and writes nothing (seed test 3)", async () => {
      const redis = connect();
      const store = storeFor();
      const taskId = uniqueTaskId();
      const context = buildContext(taskId);
      const withoutName = { ...context, input_params: { input_data: { video_path: "demo.mp4" }, callback_url: null } };
      await expect(store.createWorkflowState(withoutName)).rejects.toBeInstanceOf(MissingTaskNameError);
      await expect(store.createWorkflowState(withoutName)).rejects.toMatchObject({ code: "MISSING_TASK_NAME" });
      expect(await store.getWorkflowState(taskId)).toBeNull();
      expect(await redis.exists(store.keys.indexKey(taskId))).toBe(0);
    });

    it("a node view keeps only its own stage and stamps updated_at", async () => {
      const redis = connect();
      const store = storeFor();
      const taskId = uniqueTaskId();
      const context = buildContext(taskId);
      const noisy = { ...context, stages: { ...context.stages, "other.node": { status: "FAILED" } } };
      await store.createWorkflowState(noisy);
      const raw = JSON.parse((await redis.get(store.nodeKey(taskId, "ffmpeg.extract_audio"))) ?? "null");
      expect(Object.keys(raw.stages)).toEqual(["ffmpeg.extract_audio"]);
      expect(Date.parse(raw.updated_at)).toBeGreaterThan(Date.now() - 60_000);
      expect(raw.create_at).toBe("2026-01-29T00:00:00");
    });

    it("update writes the same key and refreshes its TTL", async () => {
      const redis = connect();
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "IN_PROGRESS"));
      const key = store.nodeKey(taskId, "ffmpeg.extract_audio");
      await redis.expire(key, 100);
      await store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "SUCCESS"));
      expect(await redis.ttl(key)).toBe(86_400);
      expect((await store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.status).toBe("SUCCESS");
    });

    /**
     * Writes a.first (completed), then b.second as `second`, then a.first again, each a second
     * later (only Date is faked: timers stay real, so Redis I/O is unaffected); reads the task.
     */
    async function writeSecondBetween(second: Record<string, unknown>, secondName: string, secondStatus: string) {
      let clock = Date.parse("2026-03-01T00:00:00Z");
      const tick = () => vi.setSystemTime((clock += 1000));
      const store = createStateStore({ redis: connect(), keyLayout });
      const taskId = uniqueTaskId();
      vi.useFakeTimers({ toFake: ["Date"] });
      try {
        tick();
        await store.createWorkflowState({ ...buildContext(taskId, "a.first"), status: "completed", error: null });
        tick();
        await store.createWorkflowState({ ...buildContext(taskId, secondName, secondStatus), ...second });
        tick();
        await store.updateWorkflowState({ ...buildContext(taskId, "a.first"), status: "completed", error: null });
      } finally {
        vi.useRealTimers();
      }
      return store.getWorkflowState(taskId);
    }

    it("derives the task's status from every stage: a failed node is never hidden by a newer success", async () => {
      const merged = await writeSecondBetween({ status: "failed", error: "b.second failed: boom" }, "b.second", "FAILED");
      // The newest write is a.first's success, yet the task failed: b.second speaks for it.
      expect(merged?.status).toBe("failed");
      expect(merged?.error).toBe("b.second failed: boom");
      expect(merged?.input_params.task_name).toBe("b.second");
      expect(merged?.updated_at).toBe("2026-03-01T00:00:02.000Z");
      expect(Object.keys(merged?.stages ?? {})).toHaveLength(2);
    });

    it("takes a completed task's top-level fields from its most recently updated node", async () => {
      const merged = await writeSecondBetween({ status: "running", error: "left over" }, "b.second", "SUCCESS");
      expect(merged).toMatchObject({ status: "completed", error: null, updated_at: "2026-03-01T00:00:03.000Z", input_params: { task_name: "a.first" } });
    });

    /** A node view of `taskId` with a job id and dependencies, as the gateway writes pipeline nodes. */
    const pipelineNode = (taskId: string, taskName: string, status: string, dependsOn: string[] = []) => {
      const view = buildContext(taskId, taskName, status);
      Object.assign(view.stages[taskName] as Record<string, unknown>, { job_id: `${taskId}.${taskName}.0000`, depends_on: dependsOn });
      return view;
    };

    it("writes a task's nodes in one step, records its pipeline, and shows what a waiting node waits for", async () => {
      const store = storeFor();
      const taskId = uniqueTaskId();
      expect(await store.pipelineStep(taskId)).toBeNull();
      const results = await store.createWorkflowStates([pipelineNode(taskId, "a.first", "PENDING"), pipelineNode(taskId, "b.second", "PENDING", ["a.first"])], { owner: "team-a", pipeline: true });
      expect(results.map((result) => result.written)).toEqual([true, true]);
      expect(await store.getTaskOwner(taskId)).toBe("team-a");
      let task = await store.getWorkflowState(taskId);
      expect(task?.stages["b.second"]?.["waiting_for"]).toEqual(["a.first"]);
      expect(task?.stages["a.first"]?.["waiting_for"]).toEqual([]);
      expect(await store.pipelineStep(taskId, "a.first")).toEqual({ ready: [], doomed: [], final: false, ownStatus: "PENDING" });
      await store.updateWorkflowState(pipelineNode(taskId, "a.first", "SUCCESS"));
      task = await store.getWorkflowState(taskId);
      expect(task?.stages["b.second"]?.["waiting_for"]).toEqual([]);
      expect(await store.pipelineStep(taskId, "a.first")).toEqual({ ready: [{ taskName: "b.second", jobId: `${taskId}.b.second.0000` }], doomed: [], final: false, ownStatus: "SUCCESS" });
      // Another team's nodes are refused, all of them.
      const foreign = await store.createWorkflowStates([buildContext(taskId, "c.third", "PENDING")], { owner: "team-b" });
      expect(foreign[0]).toMatchObject({ written: false, reason: "NOT_OWNER" });
      await expect(store.createWorkflowStates([buildContext(taskId, "a.first"), buildContext(taskId, "a.first")])).rejects.toThrow(/same node twice/);
      await store.deleteWorkflowState(taskId);
      expect(await store.pipelineStep(taskId)).toBeNull();
    });

    it("decides a pipeline's step in Redis: fan-in waits for both, a failure dooms everything downstream, other branches go on", async () => {
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowStates(
        [
          pipelineNode(taskId, "a.src", "SUCCESS"),
          pipelineNode(taskId, "b.left", "IN_PROGRESS", ["a.src"]),
          pipelineNode(taskId, "c.right", "SUCCESS", ["a.src"]),
          pipelineNode(taskId, "d.join", "PENDING", ["b.left", "c.right"]),
          pipelineNode(taskId, "e.after", "PENDING", ["d.join"]),
          pipelineNode(taskId, "f.other", "PENDING", ["c.right"]),
          pipelineNode(taskId, "g.orphan", "PENDING", ["z.gone"]),
        ],
        { pipeline: true },
      );
      let step = await store.pipelineStep(taskId);
      expect(step?.ready).toEqual([{ taskName: "f.other", jobId: `${taskId}.f.other.0000` }]);
      expect(step?.doomed).toEqual([{ taskName: "g.orphan", jobId: `${taskId}.g.orphan.0000`, reason: "not run: z.gone is gone" }]);
      await store.updateWorkflowState(pipelineNode(taskId, "b.left", "FAILED", ["a.src"]));
      step = await store.pipelineStep(taskId);
      const doomed = Object.fromEntries((step?.doomed ?? []).map((node) => [node.taskName, node.reason]));
      expect(doomed).toEqual({ "d.join": "not run: b.left failed", "e.after": "not run: d.join cancelled", "g.orphan": "not run: z.gone is gone" });
      expect(step?.ready.map((node) => node.taskName)).toEqual(["f.other"]);
      expect(step?.final).toBe(false);
    });

    it("an unknown task reads as null", async () => {
      expect(await storeFor().getWorkflowState(uniqueTaskId())).toBeNull();
    });

    it("delete removes every node key and the index, and only that task's keys", async () => {
      const redis = connect();
      const store = storeFor();
      const base = uniqueTaskId();
      const neighbours = [`${base}0`, `${base}-b`, `${base}.node`, `x${base}`];
      for (const id of [base, ...neighbours]) {
        await store.createWorkflowState(buildContext(id, "ffmpeg.extract_audio"));
        await store.createWorkflowState(buildContext(id, "faster_whisper.transcribe"));
      }
      expect(await store.deleteWorkflowState(base)).toBe(2);
      expect(await redis.exists(store.nodeKey(base, "ffmpeg.extract_audio"), store.keys.indexKey(base))).toBe(0);
      expect(await store.getWorkflowState(base)).toBeNull();
      for (const id of neighbours) {
        expect(Object.keys((await store.getWorkflowState(id))?.stages ?? {})).toHaveLength(2);
      }
      expect(await store.deleteWorkflowState(base)).toBe(0);
    });

    it("delete ifPending removes the task only while that node is still pending in that attempt", async () => {
      const store = storeFor();
      const pending = (taskId: string, jobId: string, status = "PENDING") => {
        const context = buildContext(taskId, "ffmpeg.extract_audio", status);
        return { ...context, stages: { "ffmpeg.extract_audio": { status, output: null, error: null, job_id: jobId } } };
      };
      const guard = (jobId: string) => ({ ifPending: { taskName: "ffmpeg.extract_audio", jobId } });
      const taskId = uniqueTaskId();
      await store.createWorkflowState(pending(taskId, `${taskId}.a`));
      await store.createWorkflowState(buildContext(taskId, "faster_whisper.transcribe"));
      // Another attempt, or another node's name, removes nothing.
      expect(await store.deleteWorkflowState(taskId, guard(`${taskId}.b`))).toBe(0);
      expect(await store.deleteWorkflowState(taskId, { ifPending: { taskName: "faster_whisper.transcribe", jobId: `${taskId}.a` } })).toBe(0);
      // The attempt ran (its worker wrote IN_PROGRESS): nothing removed either.
      await store.updateWorkflowState(pending(taskId, `${taskId}.a`, "IN_PROGRESS"));
      expect(await store.deleteWorkflowState(taskId, guard(`${taskId}.a`))).toBe(0);
      expect(Object.keys((await store.getWorkflowState(taskId))?.stages ?? {})).toHaveLength(2);
      // Still pending in that attempt: the whole task goes.
      const other = uniqueTaskId();
      await store.createWorkflowState(pending(other, `${other}.a`));
      await store.createWorkflowState(buildContext(other, "faster_whisper.transcribe"));
      expect(await store.deleteWorkflowState(other, guard(`${other}.a`))).toBe(2);
      expect(await store.getWorkflowState(other)).toBeNull();
      expect(await store.deleteWorkflowState(uniqueTaskId(), guard("none"))).toBe(0);
    });

    it.each(["a:node:b", "a*", "a?", "[a]", "a b", "", "a/b", "x".repeat(129)])(
      "refuses the hostile task id %j everywhere with INVALID_TASK_ID",
      async (id) => {
        const store = storeFor();
        await expect(store.getWorkflowState(id)).rejects.toBeInstanceOf(InvalidTaskIdError);
        await expect(store.deleteWorkflowState(id)).rejects.toBeInstanceOf(InvalidTaskIdError);
        await expect(store.createWorkflowState(buildContext(id))).rejects.toMatchObject({ code: "INVALID_TASK_ID" });
      },
    );

    it("skips and reports a corrupt node value; the rest still reads", async () => {
      const redis = connect();
      const events: CorruptNodeEvent[] = [];
      const store = storeFor({ onCorruptNode: (event) => events.push(event) });
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "ffmpeg.extract_audio"));
      await store.createWorkflowState(buildContext(taskId, "bad.json"));
      await store.createWorkflowState(buildContext(taskId, "bad.shape"));
      await redis.set(store.nodeKey(taskId, "bad.json"), "{not json");
      await redis.set(store.nodeKey(taskId, "bad.shape"), JSON.stringify({ workflow_id: taskId, stages: { x: { status: 7 } } }));
      const merged = await store.getWorkflowState(taskId);
      expect(Object.keys(merged?.stages ?? {})).toEqual(["ffmpeg.extract_audio"]);
      expect(events.map((event) => event.key).sort()).toEqual(
        [store.nodeKey(taskId, "bad.json"), store.nodeKey(taskId, "bad.shape")].sort(),
      );
      expect(await store.deleteWorkflowState(taskId)).toBe(3);
    });

    it("prunes index members whose node key has expired", async () => {
      const redis = connect();
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "a.kept"));
      await store.createWorkflowState(buildContext(taskId, "b.expired"));
      await redis.del(store.nodeKey(taskId, "b.expired"));
      expect(Object.keys((await store.getWorkflowState(taskId))?.stages ?? {})).toEqual(["a.kept"]);
      expect(await redis.zrange(store.keys.indexKey(taskId), "0", "-1")).toEqual(["a.kept"]);
    });

    it("keeps the index alive at least as long as its newest node", async () => {
      const redis = connect();
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "a.one"));
      await redis.expire(store.keys.indexKey(taskId), 10);
      await store.createWorkflowState(buildContext(taskId, "b.two"));
      // Extended past the node's TTL by a margin of 10%, at most an hour.
      const extended = 86_400 + 3_600;
      expect(await redis.ttl(store.keys.indexKey(taskId))).toBe(extended);
      // A node written with a shorter TTL never shortens it.
      await createStateStore({ redis: connect(), keyLayout, ttlSeconds: 60 }).createWorkflowState(buildContext(taskId, "c.three"));
      expect(await redis.ttl(store.keys.indexKey(taskId))).toBe(extended);
      // A store with a short TTL extends the index by 10% of it.
      const shortTask = uniqueTaskId();
      await createStateStore({ redis: connect(), keyLayout, ttlSeconds: 60 }).createWorkflowState(buildContext(shortTask, "a.one"));
      expect(await redis.ttl(store.keys.indexKey(shortTask))).toBe(66);
    });

    it("never moves a node's status backwards, unless a new attempt starts", async () => {
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "PENDING"));
      expect((await store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "IN_PROGRESS"))).written).toBe(true);
      expect((await store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "SUCCESS"))).written).toBe(true);
      for (const late of ["PENDING", "IN_PROGRESS", "running", "FAILED", "CANCELLED"]) {
        const result = await store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", late));
        expect(result).toMatchObject({ written: false, reason: "STALE_STATUS", storedStatus: "SUCCESS" });
      }
      expect((await store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "SUCCESS"))).written).toBe(true);
      const rerun = await store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "PENDING"), { newAttempt: true });
      expect(rerun.written).toBe(true);
      expect((await store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.status).toBe("PENDING");
    });

    it("concurrent writers on one node: a late progress write never replaces the final status", async () => {
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "PENDING"));
      const writes = Array.from({ length: 200 }, (_, i) =>
        store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", i === 100 ? "SUCCESS" : i % 2 ? "IN_PROGRESS" : "PENDING")),
      );
      const results = await Promise.all(writes);
      expect(results[100]?.written).toBe(true);
      expect((await store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.status).toBe("SUCCESS");
    });

    it("many clients writing one node at once: the final status is never lost", async () => {
      const clients = Array.from({ length: 12 }, () => connectNew());
      try {
        const taskId = uniqueTaskId();
        await storeFor().createWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "PENDING"));
        const stores = clients.map((redis) => createStateStore({ redis, keyLayout }));
        const writes = stores.flatMap((store, c) =>
          Array.from({ length: 40 }, (_, i) => {
            const status = c === 5 && i === 20 ? "SUCCESS" : ["PENDING", "IN_PROGRESS"][(c + i) % 2] as string;
            return store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", status));
          }),
        );
        const results = await Promise.all(writes);
        expect(results.filter((result) => result.written).length).toBeGreaterThan(1);
        const final = await storeFor().getWorkflowState(taskId);
        expect(final?.stages["ffmpeg.extract_audio"]?.status).toBe("SUCCESS");
        // Every write after SUCCESS was refused, so the stored view is the SUCCESS write itself.
        expect(final?.stages["ffmpeg.extract_audio"]?.output).toEqual({ audio_path: "/share/workflows/demo.wav" });
      } finally {
        await Promise.all(clients.map((client) => client.quit()));
      }
    });

    it("a node that expired never blocks a fresh write, even though its index entry remains", async () => {
      const redis = connect();
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "a.keep"));
      await store.createWorkflowState(buildContext(taskId, "b.gone", "SUCCESS"));
      await redis.del(store.nodeKey(taskId, "b.gone"));
      expect((await store.updateWorkflowState(buildContext(taskId, "b.gone", "PENDING"))).written).toBe(true);
    });

    it("getNodeState reads one node's own view", async () => {
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "a.one"));
      await store.createWorkflowState(buildContext(taskId, "b.two", "FAILED"));
      const node = await store.getNodeState(taskId, "b.two");
      expect(Object.keys(node?.stages ?? {})).toEqual(["b.two"]);
      expect(node?.stages["b.two"]?.status).toBe("FAILED");
      expect(await store.getNodeState(taskId, "c.none")).toBeNull();
    });

    it("an indexed node key of another type is reported, kept in the index and removed by delete", async () => {
      const redis = connect();
      const events: CorruptNodeEvent[] = [];
      const store = storeFor({ onCorruptNode: (event) => events.push(event) });
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "a.one"));
      await store.createWorkflowState(buildContext(taskId, "b.foreign"));
      const foreignKey = store.nodeKey(taskId, "b.foreign");
      await redis.del(foreignKey);
      await redis.hset(foreignKey, "written", "by something else");
      for (let read = 0; read < 2; read++) {
        expect(Object.keys((await store.getWorkflowState(taskId))?.stages ?? {})).toEqual(["a.one"]);
      }
      expect(await store.getNodeState(taskId, "b.foreign")).toBeNull();
      expect(events).toEqual([
        { taskId, key: foreignKey, reason: expect.stringContaining("hash") },
        { taskId, key: foreignKey, reason: expect.stringContaining("hash") },
        { taskId, key: foreignKey, reason: expect.stringContaining("another type") },
      ]);
      expect(await redis.zrange(store.keys.indexKey(taskId), "0", "-1")).toEqual(["a.one", "b.foreign"]);
      expect(await store.deleteWorkflowState(taskId)).toBe(2);
      expect(await redis.exists(foreignKey, store.nodeKey(taskId, "a.one"), store.keys.indexKey(taskId))).toBe(0);
    });

    it("a foreign value at the index key never breaks a read or a delete, and a write refuses it", async () => {
      const redis = connect();
      const events: CorruptNodeEvent[] = [];
      const store = storeFor({ onCorruptNode: (event) => events.push(event) });
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "a.one"));
      await store.createWorkflowState(buildContext(taskId, "b.two"));
      await redis.del(store.keys.indexKey(taskId));
      await redis.set(store.keys.indexKey(taskId), "not an index");
      expect(Object.keys((await store.getWorkflowState(taskId))?.stages ?? {}).sort()).toEqual(["a.one", "b.two"]);
      expect(events.map((event) => event.key)).toContain(store.keys.indexKey(taskId));
      await expect(store.updateWorkflowState(buildContext(taskId, "a.one", "SUCCESS"))).rejects.toMatchObject({ code: "CORRUPT_INDEX" });
      expect(await store.deleteWorkflowState(taskId)).toBe(2);
      expect(await redis.exists(store.keys.indexKey(taskId), store.nodeKey(taskId, "a.one"), store.nodeKey(taskId, "b.two"))).toBe(0);
      expect((await store.createWorkflowState(buildContext(taskId, "a.one"))).written).toBe(true);
    });

    it("keeps no event stream for a task nobody follows, and none for a task that does not exist", async () => {
      const redis = connect();
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "PENDING"));
      await store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "IN_PROGRESS"));
      await store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "SUCCESS"));
      expect(await redis.exists(store.keys.eventsKey(taskId))).toBe(0);
      expect(await store.lastTaskEventId(taskId)).toBeNull();

      const missing = uniqueTaskId();
      expect(await store.openTaskEvents(missing)).toBeNull();
      expect(await redis.exists(store.keys.eventsKey(missing))).toBe(0);
      await store.deleteWorkflowState(taskId);
      expect(await store.openTaskEvents(taskId)).toBeNull(); // deleted stays deleted
      expect(await redis.exists(store.keys.eventsKey(taskId))).toBe(0);
    });

    it("once a task is opened, appends one event per node write, in order, to a stream that expires and is deleted with the task", async () => {
      const redis = connect();
      const store = storeFor();
      const taskId = uniqueTaskId();
      const node = (status: string, stage: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => {
        const context = buildContext(taskId, "ffmpeg.extract_audio", status);
        return { ...context, ...extra, stages: { "ffmpeg.extract_audio": { ...context.stages["ffmpeg.extract_audio"], status, ...stage } } };
      };
      await store.createWorkflowState(node("PENDING", { output: null, duration: null }));
      const opened = await store.openTaskEvents(taskId);
      expect(opened).toMatch(/^\d+-\d+$/);
      expect(await store.openTaskEvents(taskId)).toBe(opened); // a second reader starts at the same point
      expect(await store.readTaskEvents(taskId)).toEqual([]); // the marker is no event
      // A retry (a new attempt) is a change like any other.
      await store.createWorkflowState(node("PENDING", { output: null, duration: null }));
      await store.updateWorkflowState(node("IN_PROGRESS", { output: null, duration: null, progress: 40 }));
      await store.updateWorkflowState(node("SUCCESS", { duration: 2.5 }));
      // A refused write (the status only moves forward) appends nothing.
      expect(await store.updateWorkflowState(node("IN_PROGRESS"))).toMatchObject({ written: false });
      // Writing the same final status again is no change; recording the callback's outcome is.
      expect(await store.updateWorkflowState(node("SUCCESS", { duration: 2.5 }))).toMatchObject({ written: true });
      await store.updateWorkflowState(node("SUCCESS", { duration: 2.5 }, { callback_status: "sent" }));
      const events = await store.readTaskEvents(taskId);
      expect(events.map(({ event }) => event.type)).toEqual(["created", "running", "succeeded", "callback"]);
      expect(await store.readTaskEvents(taskId, opened as string)).toEqual(events); // all after the open
      expect(events[1]?.event).toMatchObject({ task_id: taskId, task_name: "ffmpeg.extract_audio", status: "IN_PROGRESS", progress: 40, error: null });
      expect(events[2]?.event).toMatchObject({ status: "SUCCESS", duration: 2.5, callback_status: null });
      expect(events[3]?.event.callback_status).toBe("sent");
      expect(await store.lastTaskEventId(taskId)).toBe(events[3]?.id);
      expect((await store.readTaskEvents(taskId, events[1]?.id)).map(({ id }) => id)).toEqual([events[2]?.id, events[3]?.id]);
      expect(await redis.ttl(store.keys.eventsKey(taskId))).toBe(await redis.ttl(store.keys.indexKey(taskId)));
      await store.deleteWorkflowState(taskId);
      expect(await redis.exists(store.keys.eventsKey(taskId))).toBe(0);
      expect(await store.lastTaskEventId(taskId)).toBeNull();
    });

    it("wakes a waiting reader on a write from another client", async () => {
      const store = storeFor();
      const taskId = uniqueTaskId();
      await store.createWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "PENDING"));
      const after = (await store.openTaskEvents(taskId)) as string;
      const connection = connectNew();
      try {
        const waiting = store.waitForTaskEvents(connection, taskId, after, 10_000);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const started = Date.now();
        await store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "IN_PROGRESS"));
        const events = await waiting;
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(events.map(({ event }) => event.type)).toEqual(["running"]);
        // Nothing new: the wait ends empty after its time.
        expect(await store.waitForTaskEvents(connection, taskId, events[0]?.id as string, 100)).toEqual([]);
      } finally {
        connection.disconnect();
      }
    });

    it("lists tasks newest first, per team and for all, in pages that neither skip nor repeat", async () => {
      const store = storeFor();
      const team = `team-${uniqueTaskId().slice(5, 13)}`;
      const created: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const taskId = uniqueTaskId();
        created.push(taskId);
        await store.createWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "PENDING"), { owner: team });
        // A second node and later writes do not list the task again.
        await store.createWorkflowState(buildContext(taskId, "faster_whisper.transcribe", "PENDING"), { owner: team });
        await store.updateWorkflowState(buildContext(taskId, "ffmpeg.extract_audio", "SUCCESS"));
        await new Promise((resolve) => setTimeout(resolve, 2)); // creation times are in ms
      }
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listTasks({ team, cursor, limit: 2 });
        pages.push(page.tasks.map((task) => task.taskId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && pages.length < 10);
      expect(pages.flat()).toEqual([...created].reverse());
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      const everyone = (await store.listTasks({ limit: 1000 })).tasks.map((task) => task.taskId);
      expect(created.every((taskId) => everyone.includes(taskId))).toBe(true);
      expect((await store.listTasks({ team: `${team}-other`, limit: 10 })).tasks).toEqual([]);

      // Deleted tasks stay listed until a reader unlists them.
      await store.deleteWorkflowState(created[4] as string);
      expect((await store.listTasks({ team, limit: 1 })).tasks[0]?.taskId).toBe(created[4]);
      await store.unlistTask(created[4] as string, team);
      expect((await store.listTasks({ team, limit: 1 })).tasks[0]?.taskId).toBe(created[3]);

      await expect(store.listTasks({ team, cursor: "not-a-cursor", limit: 2 })).rejects.toThrow(StoreConfigError);
    });

    it("keeps each listing bounded to its newest tasks", async () => {
      const store = createStateStore({ redis: connect(), keyLayout, listingMaxEntries: 3 });
      const team = `team-${uniqueTaskId().slice(5, 13)}`;
      const created: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const taskId = uniqueTaskId();
        created.push(taskId);
        await store.createWorkflowState(buildContext(taskId), { owner: team });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect((await store.listTasks({ team, limit: 10 })).tasks.map((task) => task.taskId)).toEqual(created.slice(2).reverse());
      expect(await connect().zcard(store.keys.taskListing(team))).toBe(3);
      expect(await connect().ttl(store.keys.taskListing(team))).toBeGreaterThan(86_400);
    });
  });
}
