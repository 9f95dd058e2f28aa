/**
 * Remote workers: the orchestrator's side of {@code gpuqueue worker}. {@link
 * dev.gpuqueue.core.worker.WorkerHub} knows which workers are alive and what each should run, hands
 * assignments out and takes their reports (every one fenced by the job's attempt), declares a silent
 * worker offline and has its job requeued; {@link dev.gpuqueue.core.worker.WorkerRunner} is the
 * {@code worker} runner the scheduler starts and stops jobs through; {@link
 * dev.gpuqueue.core.worker.WorkerAdmin} is what admins do with workers. Uses the ports, the policy and
 * the model; the scheduler reaches it only through the runner port and the online-worker list.
 */
package dev.gpuqueue.core.worker;
