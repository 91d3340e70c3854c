import { createWfClient, type WfClient } from "@wf/client";

const KEY_STORAGE = "wf.apiKey";

/** The API key the user entered (kept in this browser's localStorage). */
export function storedApiKey(): string {
  return localStorage.getItem(KEY_STORAGE) ?? "";
}

/** Remembers the API key and returns a client that sends it. */
export function rememberApiKey(key: string): WfClient {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
  return clientFor(key);
}

/** A client of the gateway that served this page. */
export function clientFor(key: string): WfClient {
  return createWfClient({ baseUrl: location.origin, ...(key ? { apiKey: key } : {}) });
}
