package dev.gpuqueue.cli;

import dev.gpuqueue.cli.client.Output;
import dev.gpuqueue.core.error.ConfirmationRequiredException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.port.User;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.sqlite.SqliteDatabase;
import dev.gpuqueue.sqlite.SqliteJobStore;
import dev.gpuqueue.sqlite.SqliteOptions;
import dev.gpuqueue.sqlite.SqliteUserDirectory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code gpuqueue users ...}: manage users in the database directly (the machine's owner acts as
 * admin), so the first user can be made before the server listens beyond loopback. A running server
 * sees changes on its next request.
 */
@Command(name = "users", mixinStandardHelpOptions = true, description = "Add, list and remove users; replace tokens.",
        subcommands = {UsersCommand.Add.class, UsersCommand.ListUsers.class, UsersCommand.Remove.class,
                UsersCommand.Token.class})
final class UsersCommand {

    abstract static class DatabaseCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--home", description = "State directory (default: $GPUQUEUE_HOME, else ~/.gpuqueue).")
        Path home;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        <T> T withUsers(Function<UserAdmin, T> work) {
            try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(Homes.resolve(home)))) {
                return work.apply(new UserAdmin(new SqliteUserDirectory(db, Clock.systemUTC()), new SqliteJobStore(db),
                        Clock.systemUTC()));
            }
        }

        static long id(UserAdmin users, String nameOrId) {
            return users.list(Caller.LOCAL_ADMIN).stream()
                    .filter(u -> u.name().equals(nameOrId) || String.valueOf(u.id()).equals(nameOrId))
                    .mapToLong(User::id).findFirst()
                    .orElseThrow(() -> new NotFoundException("no user '" + nameOrId + "'"));
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a user; prints their token (shown only this once) as the only line on stdout.")
    static final class Add extends DatabaseCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--level", required = true, description = "admin, lead, researcher or viewer.")
        String level;

        @Option(names = "--team", description = "Team, for fair-share limits.")
        String team;

        @Override
        public Integer call() {
            UserAdmin.CreatedUser created = withUsers(u -> u.create(Caller.LOCAL_ADMIN, name, Level.parse(level), team));
            out().println(created.token());
            spec.commandLine().getErr().println("added user " + name + " (id " + created.user().id() + ", "
                    + created.user().level().wireName() + "); its token, on stdout, is shown only this once");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users (tokens are never shown).")
    static final class ListUsers extends DatabaseCommand {
        @Override
        public Integer call() {
            List<List<String>> rows = new ArrayList<>();
            withUsers(u -> u.list(Caller.LOCAL_ADMIN)).forEach(user -> rows.add(List.of(String.valueOf(user.id()),
                    user.name(), user.level().wireName(), user.teamId() == null ? "-" : user.teamId())));
            Output.table(out(), List.of("ID", "NAME", "LEVEL", "TEAM"), rows);
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user; their token stops working."
            + " The last admin cannot be removed while other users exist.")
    static final class Remove extends DatabaseCommand {
        @Parameters(index = "0", paramLabel = "NAME_OR_ID")
        String user;

        @Option(names = "--force", description = "Also remove the very last user, which turns authentication off"
                + " (single-user mode, loopback only).")
        boolean force;

        @Override
        public Integer call() {
            withUsers(u -> {
                try {
                    u.remove(Caller.LOCAL_ADMIN, id(u, user), force);
                } catch (ConfirmationRequiredException e) {
                    throw new ConfirmationRequiredException(e.getMessage() + " with --force");
                }
                return null;
            });
            out().println("removed user " + user);
            return 0;
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true,
            description = "Replace a user's token; prints the new one (shown only this once).")
    static final class Token extends DatabaseCommand {
        @Parameters(index = "0", paramLabel = "NAME_OR_ID")
        String user;

        @Override
        public Integer call() {
            String token = withUsers(u -> u.rotate(Caller.LOCAL_ADMIN, id(u, user)));
            out().println(token);
            return 0;
        }
    }
}
