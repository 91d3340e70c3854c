/** Lua scripts under src/commands are inlined as text by tsup (`loader`) and vitest (a plugin). */
declare module "*.lua" {
  const source: string;
  export default source;
}
