import "./style.css";
import { clientFor, rememberApiKey, storedApiKey } from "./api.js";
import { renderList } from "./list-view.js";
import { watchServices } from "./services.js";
import { renderTask } from "./task-view.js";

const view = document.querySelector<HTMLElement>("#view") as HTMLElement;
const keyInput = document.querySelector<HTMLInputElement>("#api-key") as HTMLInputElement;
let client = clientFor(storedApiKey());
let current = new AbortController();

/** Shows the view the location's hash names: `#/` the task list, `#/tasks/<id>` one task. */
function route(): void {
  current.abort();
  current = new AbortController();
  const task = /^#\/tasks\/(.+)$/.exec(location.hash);
  if (task?.[1]) renderTask(view, client, decodeURIComponent(task[1]), current.signal);
  else renderList(view, client, current.signal);
}

keyInput.value = storedApiKey();
keyInput.addEventListener("change", () => {
  client = rememberApiKey(keyInput.value.trim());
  route();
});
window.addEventListener("hashchange", route);
watchServices(document.querySelector<HTMLElement>("#services") as HTMLElement, () => client);
route();
