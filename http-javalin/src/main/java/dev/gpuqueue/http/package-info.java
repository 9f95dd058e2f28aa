/**
 * The HTTP API on Javalin: {@link dev.gpuqueue.http.HttpApi} builds the app from the core's
 * services; handlers parse and validate, make one service call and answer a DTO record; one
 * {@link dev.gpuqueue.http.ApiErrors} maps exceptions to statuses and {@code {"error", "detail"}}
 * bodies. No static state.
 */
package dev.gpuqueue.http;
