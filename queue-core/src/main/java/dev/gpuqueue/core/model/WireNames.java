package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.ValidationException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parses the lower-case wire names of the model's small enums. Stateless. */
final class WireNames {
    private WireNames() {}

    static String of(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    static <E extends Enum<E>> E parse(Class<E> type, String what, String text) {
        String normalized = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (E value : type.getEnumConstants()) {
            if (of(value).equals(normalized)) {
                return value;
            }
        }
        String allowed = Arrays.stream(type.getEnumConstants()).map(WireNames::of).collect(Collectors.joining(", "));
        throw new ValidationException("unknown " + what + " '" + text + "'; allowed: " + allowed);
    }
}
