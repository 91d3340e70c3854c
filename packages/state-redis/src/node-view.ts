import {
  MissingTaskNameError,
  assertTaskId,
  parseTaskName,
  parseWorkflowContext,
  type StageStatus,
  type WorkflowContext,
} from "@wf/context";

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
 * Throws `MissingTaskNameError`, `InvalidTaskNameError`, `InvalidTaskIdError` or
 * `InvalidContextError`; nothing is written when it throws.
 */
export function buildNodeView(input: unknown, now: Date): NodeView {
  const context = parseWorkflowContext(input);
  const taskName = context.input_params.task_name;
  if (!taskName) throw new MissingTaskNameError();
  parseTaskName(taskName);
  const taskId = assertTaskId(context.workflow_id);
  const stage = context.stages[taskName];
  return {
    taskId,
    taskName,
    stageStatus: stage?.status,
    context: { ...context, updated_at: now.toISOString(), stages: stage ? { [taskName]: stage } : {} },
  };
}
