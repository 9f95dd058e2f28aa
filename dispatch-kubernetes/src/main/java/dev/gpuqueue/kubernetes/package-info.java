/**
 * The Kubernetes runner: jobs whose config says {@code "runner": "kubernetes"} run as one
 * {@code batch/v1} Job per attempt on a cluster (fabric8 kubernetes-client).
 */
package dev.gpuqueue.kubernetes;
