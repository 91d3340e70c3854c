import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createActiveNodes } from "../src/index.js";
import { uniqueTaskId } from "./fixtures.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());

describe("active nodes", () => {
  it("lists due entries oldest first, reschedules one, and forgets many in one call", async () => {
    const active = createActiveNodes({ redis, scope: `an-${uniqueTaskId()}` });
    const now = Date.now();
    const entries = Array.from({ length: 5 }, (_, i) => ({ taskId: uniqueTaskId(), taskName: `svc.n${i}` }));
    for (const [i, entry] of entries.entries()) await active.add(entry.taskId, entry.taskName, now - 1_000 + i);
    expect(await active.due(now, 10)).toEqual(entries);
    await active.reschedule(entries[0] as (typeof entries)[0], now + 60_000);
    await active.remove(...entries.slice(1, 4));
    await active.remove(); // nothing to forget: no command
    expect(await active.due(now, 10)).toEqual([entries[4]]);
    expect(await active.due(now + 60_000, 10)).toEqual([entries[4], entries[0]]);
  });

  it("keeps an entry per attempt: forgetting one attempt leaves another, and entries without one still read", async () => {
    const active = createActiveNodes({ redis, scope: `an-${uniqueTaskId()}` });
    const now = Date.now();
    const taskId = uniqueTaskId();
    await active.add(taskId, "svc.node", now - 3, `${taskId}.svc.node.aaaa`);
    await active.add(taskId, "svc.node", now - 2, `${taskId}.svc.node.bbbb`);
    await active.add(taskId, "svc.other", now - 1);
    expect(await active.due(now, 10)).toEqual([
      { taskId, taskName: "svc.node", attempt: `${taskId}.svc.node.aaaa` },
      { taskId, taskName: "svc.node", attempt: `${taskId}.svc.node.bbbb` },
      { taskId, taskName: "svc.other" },
    ]);
    await active.remove({ taskId, taskName: "svc.node", attempt: `${taskId}.svc.node.aaaa` });
    expect(await active.due(now, 10)).toEqual([
      { taskId, taskName: "svc.node", attempt: `${taskId}.svc.node.bbbb` },
      { taskId, taskName: "svc.other" },
    ]);
  });
});
