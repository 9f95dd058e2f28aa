package dev.gpuqueue.cli.runner;

import dev.gpuqueue.core.error.ValidationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The operating-system user jobs run as ({@code --job-user}), from the system's user database:
 * jobs then cannot write the database, other jobs' files or the server's state. Immutable.
 */
public record JobUser(String name, int uid, int gid, String home, String shell) {

    /**
     * The user named {@code nameOrUid}, checked for use by this server: the server must run as root
     * (only root can start processes as someone else), and jobs must not run as root.
     *
     * @throws ValidationException saying what to change
     */
    public static JobUser lookup(String nameOrUid) {
        if (serverUid() != 0) {
            throw new ValidationException("--job-user needs the server to run as root (it runs as uid " + serverUid()
                    + "); without it, jobs run as the server's own user");
        }
        String entry = passwdEntry(nameOrUid);
        String[] fields = entry.split(":", -1);
        if (fields.length < 7) {
            throw new ValidationException("cannot read the user database entry of '" + nameOrUid + "'");
        }
        JobUser user = new JobUser(fields[0], id(fields[2], nameOrUid), id(fields[3], nameOrUid), fields[5], fields[6]);
        if (user.uid() == 0) {
            throw new ValidationException("--job-user " + nameOrUid + " is root; name an unprivileged user, e.g. nobody");
        }
        return user;
    }

    private static int id(String field, String nameOrUid) {
        try {
            return Math.toIntExact(Long.parseLong(field));
        } catch (ArithmeticException | NumberFormatException e) {
            throw new ValidationException("--job-user " + nameOrUid + ": its uid or gid '" + field + "' is not usable");
        }
    }

    /** The uid this server runs as. */
    public static int serverUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    /** The argv prefix that runs a command as this user, without any privilege to gain back. */
    List<String> commandPrefix() {
        return List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups", "--no-new-privs", "--");
    }

    /** A login shell that runs commands ({@code /bin/sh} where the account has none, such as {@code nologin}). */
    String usableShell() {
        return shell.isBlank() || shell.endsWith("nologin") || shell.endsWith("/false") ? "/bin/sh" : shell;
    }

    private static String passwdEntry(String nameOrUid) {
        if (!nameOrUid.matches("[A-Za-z0-9._][A-Za-z0-9._-]{0,31}")) {
            throw new ValidationException("--job-user must be a user name or uid (got '" + nameOrUid + "')");
        }
        try {
            Process getent = new ProcessBuilder("getent", "passwd", nameOrUid).redirectErrorStream(true).start();
            String out = new String(getent.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!getent.waitFor(10, TimeUnit.SECONDS) || getent.exitValue() != 0 || out.isEmpty()) {
                throw new ValidationException("--job-user: no user '" + nameOrUid + "' on this machine");
            }
            return out.lines().findFirst().orElseThrow();
        } catch (IOException e) {
            throw new ValidationException("--job-user: cannot look up '" + nameOrUid + "' (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ValidationException("--job-user: interrupted while looking up '" + nameOrUid + "'");
        }
    }
}
