import { MissingTaskNameError, parseWorkflowContext, type StageStatus, type WorkflowContext } from "@wf/context";

/** One node's view, ready to store: the task's top-level fields plus only that node's stage. */
export interface NodeView {
  taskId: string;
  taskName: string;
  /** The node's stage status, if the view carries its stage. */
  stageStatus: StageStatus | undefined;
  context: WorkflowContext;
}

/**
 * Validates a context and keeps only `stages[input_params.task_name]`, stamping `updated_at`.
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
  context.stages = stage ? { [taskName]: stage } : {};
  return { taskId: context.workflow_id, taskName, stageStatus: stage?.status, context };
}
