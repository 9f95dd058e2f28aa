package dev.gpuqueue.http;

/** The body of every error answer: a stable code and a sentence saying what to fix. Immutable. */
public record ApiError(String error, String detail) {}
