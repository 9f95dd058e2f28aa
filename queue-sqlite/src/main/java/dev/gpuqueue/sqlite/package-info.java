/**
 * The durable adapters: {@link dev.gpuqueue.sqlite.SqliteJobStore} and {@link
 * dev.gpuqueue.sqlite.SqliteUserDirectory} on one SQLite file ({@link
 * dev.gpuqueue.sqlite.SqliteDatabase}) through Jdbi. WAL mode, one long-lived writer connection whose
 * transactions begin IMMEDIATE, a few reader connections, numbered migrations, compare-and-set
 * updates. SQL and row mapping stay in this package; SQLite's exceptions never leave it.
 */
package dev.gpuqueue.sqlite;
