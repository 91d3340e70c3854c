import { Redis } from "ioredis";
import { afterAll, inject } from "vitest";
import { describeStoreContract } from "./contract.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());

describeStoreContract("single Redis, plain layout", () => redis, "plain");
describeStoreContract("single Redis, hash-tag layout", () => redis, "hash-tag");
