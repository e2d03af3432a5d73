/**
 * What the built-in stage kinds need from the outside world. The adapters in src/adapters/ci
 * implement these over child_process and HTTP; the domain never talks to a process or a socket.
 */
export interface ShellResult {
  exitCode: number | null;
  /** Set when the process was ended by a signal (timeout or cancel). */
  signal?: string;
  timedOut: boolean;
}

export interface ShellRunner {
  /**
   * Runs `command` with /bin/sh; each output line goes to `onLine`. Kills the process group on
   * timeout/abort, and resolves only once the command has ended. `stage` names the run and stage
   * the command belongs to (else SWITCHYARD_RUN_ID from `env`), so it is recorded while it runs.
   */
  run(o: {
    command: string;
    cwd?: string;
    env: Record<string, string>;
    timeoutMs: number;
    signal: AbortSignal;
    onLine(line: string): void;
    stage?: { runId: string; stageId: string };
  }): Promise<ShellResult>;
}

/** Where a runner writes down each command it starts, until it is known to have ended. */
export interface ProcessRecorder {
  started(o: { pid: number; runId: string; stageId: string; timeoutMs: number }): Promise<string>;
  ended(id: string): Promise<void>;
}

/**
 * What the deploy lock and the watchdog need to know about commands workers started: whether one
 * of a run may still be running (its worker was killed, yet its process group lives on).
 */
export interface StageProcesses {
  /** True while a command of the run (of that stage, when given) may still run. */
  mayRun(runId: string, stageId?: string): Promise<boolean>;
  /** Kills the process groups of commands this host's dead workers left; returns how many were settled. */
  reap(): Promise<number>;
}

export interface WebhookCaller {
  call(o: {
    url: string;
    method: string;
    headers: Record<string, string>;
    body?: string;
    timeoutMs: number;
    signal: AbortSignal;
  }): Promise<{ status: number; body: string }>;
}

/** A CI backend's run as the stage kinds see it. */
export interface CiRun {
  id: string;
  /**
   * Normalised: still going, finished with success or not, or `blocked`: it will not move until a
   * person acts in the backend (a GitLab pipeline stopped at a manual job).
   */
  state: 'pending' | 'running' | 'blocked' | 'succeeded' | 'failed' | 'cancelled';
  /** The backend's own words (e.g. `completed/failure`, `FAILURE`). */
  detail: string;
  url?: string;
}

/** A listed workflow run with its title (`display_title`: the workflow's `run-name`, or its name). */
export interface GitHubListedRun extends CiRun {
  title: string;
}

export interface GitHubActionsClient {
  /**
   * POST .../actions/workflows/{workflow}/dispatches with `return_run_details: true`: the new run's
   * id and page (HTTP 200), or `{}` when GitHub answered 204 without them. A GitHub that refuses
   * the field (older Enterprise Server) is asked again without it only when `fallback` is set (the
   * caller can then recognise its run by a correlation input); otherwise that is a refusal.
   */
  dispatch(
    repo: string,
    workflow: string,
    ref: string,
    inputs: Record<string, string>,
    o: { fallback: boolean },
  ): Promise<{ runId?: string; url?: string }>;
  /** Newest workflow_dispatch runs of that workflow created at or after `sinceMs`, newest first. */
  findRuns(repo: string, workflow: string, ref: string, sinceMs: number, signal: AbortSignal): Promise<GitHubListedRun[]>;
  getRun(repo: string, runId: string, signal: AbortSignal): Promise<CiRun>;
  cancelRun(repo: string, runId: string): Promise<void>;
}

export interface GitLabClient {
  /** POST /api/v4/projects/{id}/trigger/pipeline. */
  trigger(project: string, ref: string, variables: Record<string, string>, signal: AbortSignal): Promise<CiRun>;
  getPipeline(project: string, pipelineId: string, signal: AbortSignal): Promise<CiRun>;
  cancelPipeline(project: string, pipelineId: string): Promise<void>;
}

export interface JenkinsClient {
  /** POST /job/{name}/buildWithParameters; returns the queue item URL (Location header). */
  buildWithParameters(job: string, params: Record<string, string>, signal: AbortSignal): Promise<string>;
  /** Follows a queue item: the build URL once it started, `cancelled`, or still waiting (with why). */
  queueItem(queueUrl: string, signal: AbortSignal): Promise<{ buildUrl?: string; cancelled?: boolean; why?: string }>;
  getBuild(buildUrl: string, signal: AbortSignal): Promise<CiRun>;
  stopBuild(buildUrl: string): Promise<void>;
  cancelQueueItem(queueUrl: string): Promise<void>;
}

/** Everything the built-in kinds need; a backend left out makes its kind fail at once with a config error. */
export interface CiAdapters {
  shell: ShellRunner;
  webhook: WebhookCaller;
  github?: GitHubActionsClient;
  gitlab?: GitLabClient;
  jenkins?: JenkinsClient;
  /** How often CI backends are polled. */
  pollMs: number;
}
