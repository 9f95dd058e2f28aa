package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.ValidationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * Numbers as clients send them (a JSON number of any size, or the text of a query parameter),
 * checked against a range before anything is expanded: {@code 1e99999999} is refused at once, never
 * turned into a hundred million digits. Refusals quote the value as sent (a JSON decimal in its
 * normalised form, e.g. {@code 1E+400}). Stateless.
 */
public final class Numbers {
    /** A number as text: ASCII digits only (Java would also take other scripts' digits). */
    private static final Pattern ASCII_NUMBER = Pattern.compile("[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    private Numbers() {}

    /**
     * A whole number in {@code min..max}, however it was written ({@code 7}, {@code 7.0},
     * {@code "7"}); anything beyond the range, at any size, is refused quoting it.
     *
     * @throws ValidationException naming {@code field} and {@code allowed}
     */
    public static long whole(String field, Object value, long min, long max, String allowed) {
        BigDecimal number = decimal(field, value, allowed);
        if (number.compareTo(BigDecimal.valueOf(min)) < 0 || number.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw new LimitOutOfRangeException(field, shown(value), allowed);
        }
        if (number.signum() != 0 && number.stripTrailingZeros().scale() > 0) {
            throw new ValidationException(field + " must be " + allowed + " (got " + quote(value) + ")");
        }
        return number.longValue();
    }

    /** A number (any {@link Number}, or text) as a decimal, without expanding it. */
    static BigDecimal decimal(String field, Object value, String allowed) {
        try {
            if (value instanceof BigDecimal d) {
                return d;
            }
            if (value instanceof BigInteger i) {
                return new BigDecimal(i);
            }
            if (value instanceof Double || value instanceof Float) {
                double d = ((Number) value).doubleValue();
                if (Double.isFinite(d)) {
                    return BigDecimal.valueOf(d);
                }
                throw new LimitOutOfRangeException(field, value, allowed);
            }
            if (value instanceof Number n) {
                return BigDecimal.valueOf(n.longValue());
            }
            if (value instanceof String text && ASCII_NUMBER.matcher(text.strip()).matches()) {
                return new BigDecimal(text.strip());
            }
        } catch (NumberFormatException notANumber) {
            // refused below
        }
        throw new ValidationException(field + " must be " + allowed + " (got " + quote(value) + ")");
    }

    /** A value as sent, for "must be ... (got X)": strings quoted, numbers as written. */
    static String quote(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : shown(value);
    }

    static String shown(Object value) {
        return value instanceof String s ? s.strip() : String.valueOf(value);
    }
}
