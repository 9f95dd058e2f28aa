package dev.gpuqueue.core.error;

/** A numeric setting or parameter lies outside its documented range. */
public final class LimitOutOfRangeException extends ValidationException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String allowed;

    public LimitOutOfRangeException(String field, Object value, String allowed) {
        super(field + " must be " + allowed + " (got " + value + ")");
        this.field = field;
        this.allowed = allowed;
    }

    /** The field's wire name, e.g. {@code max_concurrent}. */
    public String field() {
        return field;
    }

    /** The allowed range in words, e.g. {@code between 1 and 100}. */
    public String allowed() {
        return allowed;
    }
}
