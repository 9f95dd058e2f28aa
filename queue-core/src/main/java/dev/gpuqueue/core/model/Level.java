package dev.gpuqueue.core.model;

/** A user's role; it fixes the base priority of the jobs the user submits. Immutable. */
public enum Level {
    ADMIN(30),
    LEAD(20),
    RESEARCHER(10),
    VIEWER(0);

    private final int basePriority;

    Level(int basePriority) {
        this.basePriority = basePriority;
    }

    public int basePriority() {
        return basePriority;
    }

    /** Whether this level may do what {@code required} may do (admin ⊇ lead ⊇ researcher ⊇ viewer). */
    public boolean atLeast(Level required) {
        return basePriority >= required.basePriority;
    }

    public String wireName() {
        return WireNames.of(this);
    }

    /** Parses {@code admin|lead|researcher|viewer}, case-insensitive. */
    public static Level parse(String text) {
        return WireNames.parse(Level.class, "level", text);
    }
}
