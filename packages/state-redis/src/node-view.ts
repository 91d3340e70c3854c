import { MissingTaskNameError, parseWorkflowContext, taskEventOfStage, type StageStatus, type TaskEvent, type WorkflowContext } from "@wf/context";

/** One node's view, ready to store: the task's top-level fields plus only that node's stage. */
export interface NodeView {
  taskId: string;
  taskName: string;
  /** The node's stage status, if the view carries its stage. */
  stageStatus: StageStatus | undefined;
  context: WorkflowContext;
}

/** JSON-equal, compared only when both are objects (the common case: the node ran with its request's input). */
function sameInput(a: unknown, b: unknown): boolean {
  return a !== null && b !== null && typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The view as readers expect it: a stage stored without `input_params` because they equalled
 * the request's `input_params.input_data` (see {@link buildNodeView}) gets them back.
 */
export function withStageInput(view: WorkflowContext): WorkflowContext {
  const taskName = view.input_params.task_name;
  const stage = taskName ? view.stages[taskName] : undefined;
  const input = view.input_params.input_data;
  if (!taskName || !stage || stage.input_params != null || input == null) return view;
  return { ...view, stages: { ...view.stages, [taskName]: { ...stage, input_params: input } } };
}

/**
 * Validates a context and keeps only `stages[input_params.task_name]`, stamping `updated_at`.
 * The input is stored once: a stage's `input_params` equal to the request's `input_data` are
 * left out and restored on read ({@link withStageInput}).
 * Throws `MissingTaskNameError` or `InvalidContextError`; the task id and name are checked when
 * the node's key is built from them. Nothing is written when it throws.
 */
export function buildNodeView(input: unknown, now: Date): NodeView {
  // The parsed context is a fresh copy that nothing else holds, so it is trimmed in place: every
  // write goes through here, and a second copy of the whole context is measurable.
  const context = parseWorkflowContext(input);
  const taskName = context.input_params.task_name;
  if (!taskName) throw new MissingTaskNameError();
  const stage = context.stages[taskName];
  context.updated_at = now.toISOString();
  if (stage && sameInput(stage.input_params, context.input_params.input_data)) delete stage.input_params;
  context.stages = stage ? { [taskName]: stage } : {};
  return { taskId: context.workflow_id, taskName, stageStatus: stage?.status, context };
}

/**
 * The event a write of `view` appends to its task's stream, or `null` for a view without its
 * stage (nothing happened to a node).
 */
export function eventOfView(view: NodeView): TaskEvent | null {
  const stage = view.context.stages[view.taskName];
  if (!stage) return null;
  const callbackStatus = typeof view.context["callback_status"] === "string" ? view.context["callback_status"] : null;
  return taskEventOfStage(view.taskId, view.taskName, stage, view.context.updated_at ?? new Date().toISOString(), callbackStatus);
}
