import { Redis } from "ioredis";
import { afterAll, inject } from "vitest";
import { describeStoreContract } from "./contract.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());
const backend = { connect: () => redis, connectNew: () => new Redis(inject("redisUrl")) };

describeStoreContract("single Redis, plain layout", backend, "plain");
describeStoreContract("single Redis, hash-tag layout", backend, "hash-tag");
