export { redisGlobalSetup as default } from "@wf/testing";
