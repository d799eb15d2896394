/**
 * The durable job pipeline: the {@link JobPipeline} port, the workflow behind
 * it, the engine's storage, and the {@link PipelineSteps} the workflow runs.
 */
export * from "./JobPipeline.js"
export * as JobPipelineWorkflow from "./JobPipelineWorkflow.js"
export * as JobWorkflow from "./JobWorkflow.js"
export * as PipelineStepsLive from "./PipelineStepsLive.js"
export * as PipelineData from "./PipelineData.js"
export * from "./PipelineSteps.js"
export * as WorkflowStorage from "./WorkflowStorage.js"
