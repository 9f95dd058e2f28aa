package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.ValidationException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code array} section of a submit: one job per combination of {@code values} (every
 * parameter's values crossed, the first parameter varying slowest), or {@code count} copies, at
 * most {@code maxRunning} of them running at once (null: no cap of the array's own). Values are
 * JSON scalars (numbers, text, booleans) and reach the job as text in
 * {@code GPUQUEUE_PARAM_<NAME>} ({@code 1e-4} as {@code 0.0001}). Immutable.
 */
public record ArrayRequest(Map<String, List<Object>> values, Integer count, Integer maxRunning) {

    /** At most this many jobs per array. */
    public static final int MAX_JOBS = 10_000;
    public static final String INDEX_VARIABLE = "GPUQUEUE_ARRAY_INDEX";
    public static final String ID_VARIABLE = "GPUQUEUE_ARRAY_ID";
    public static final String PARAM_PREFIX = "GPUQUEUE_PARAM_";
    /** At most this many digits before, and after, the point of a number in plain notation. */
    private static final int MAX_DIGITS = 40;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    public ArrayRequest {
        if ((values == null || values.isEmpty()) == (count == null)) {
            throw new ValidationException("array needs either \"values\" (a parameter grid such as {\"lr\": [0.0001, 0.0003]})"
                    + " or \"count\" (a number of copies), not both and not neither");
        }
        values = values == null ? Map.of() : checkedValues(values);
        if (count != null && (count < 1 || count > MAX_JOBS)) {
            throw new LimitOutOfRangeException("array.count", count, "between 1 and " + MAX_JOBS);
        }
        checkMaxRunning(maxRunning);
        long size = count != null ? count : 1;
        for (List<Object> options : values.values()) {
            size *= options.size();
            if (size > MAX_JOBS) {
                throw new ValidationException("array.values make more than " + MAX_JOBS + " combinations; split the sweep");
            }
        }
    }

    static void checkMaxRunning(Integer maxRunning) {
        if (maxRunning != null && (maxRunning < 1 || maxRunning > MAX_JOBS)) {
            throw new LimitOutOfRangeException("array.max_running", maxRunning, "between 1 and " + MAX_JOBS
                    + ", or absent for no cap");
        }
    }

    private static Map<String, List<Object>> checkedValues(Map<String, List<Object>> values) {
        Map<String, List<Object>> checked = new LinkedHashMap<>();
        Map<String, String> envNames = new LinkedHashMap<>();
        values.forEach((name, options) -> {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new ValidationException("array.values: parameter name '" + name + "' must be letters, digits and"
                        + " '_' (not starting with a digit), at most 64");
            }
            String other = envNames.put(envName(name), name);
            if (other != null) {
                throw new ValidationException("array.values: parameters '" + other + "' and '" + name
                        + "' give the same variable " + envName(name));
            }
            if (options == null || options.isEmpty()) {
                throw new ValidationException("array.values." + name + " must be a non-empty list of values");
            }
            for (Object option : options) {
                text(name, option);
            }
            checked.put(name, Collections.unmodifiableList(new ArrayList<>(options)));
        });
        return Collections.unmodifiableMap(checked);
    }

    /** The environment variable that carries parameter {@code name}: {@code GPUQUEUE_PARAM_LR} for {@code lr}. */
    public static String envName(String name) {
        return PARAM_PREFIX + name.toUpperCase(Locale.ROOT);
    }

    /** How many jobs the array makes. */
    public int size() {
        int size = count != null ? count : 1;
        for (List<Object> options : values.values()) {
            size *= options.size();
        }
        return size;
    }

    /** The parameters of job {@code index}, by name, as text, in the order the grid gave them. */
    public Map<String, String> parameters(int index) {
        return parameters(index, texts());
    }

    /** Each parameter's values as the jobs see them, by name. */
    private Map<String, List<String>> texts() {
        Map<String, List<String>> texts = new LinkedHashMap<>();
        values.forEach((name, options) -> texts.put(name, options.stream().map(option -> text(name, option)).toList()));
        return texts;
    }

    private static Map<String, String> parameters(int index, Map<String, List<String>> texts) {
        List<String> names = new ArrayList<>(texts.keySet());
        String[] picked = new String[names.size()];
        int rest = index;
        for (int i = names.size() - 1; i >= 0; i--) {
            List<String> options = texts.get(names.get(i));
            picked[i] = options.get(rest % options.size());
            rest /= options.size();
        }
        Map<String, String> chosen = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            chosen.put(names.get(i), picked[i]);
        }
        return chosen;
    }

    /** Every job's place in array {@code arrayId}, with its parameters, by index. */
    public List<ArrayMember> members(String arrayId) {
        Map<String, List<String>> texts = texts();
        List<ArrayMember> members = new ArrayList<>(size());
        for (int index = 0; index < size(); index++) {
            members.add(new ArrayMember(arrayId, index, maxRunning, parameters(index, texts)));
        }
        return members;
    }

    /** A parameter value as the job sees it: numbers in plain notation, text and booleans as written. */
    private static String text(String name, Object value) {
        if (value instanceof String s) {
            if (s.indexOf('\0') >= 0) {
                throw new ValidationException("array.values." + name + " contains a NUL character");
            }
            return s;
        }
        if (value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof Number number) {
            if (number instanceof Double d && (d.isNaN() || d.isInfinite())) {
                throw new ValidationException("array.values." + name + " must hold finite numbers");
            }
            BigDecimal decimal = new BigDecimal(number.toString()).stripTrailingZeros();
            // Plain notation must stay short: 1e999999999 would be a billion digits.
            if (decimal.scale() > MAX_DIGITS || decimal.precision() - decimal.scale() > MAX_DIGITS) {
                throw new ValidationException("array.values." + name + ": " + number + " has more than " + MAX_DIGITS
                        + " digits before or after the point; give it as text (\"" + number + "\") to pass it as written");
            }
            return decimal.scale() < 0 ? decimal.setScale(0).toPlainString() : decimal.toPlainString();
        }
        throw new ValidationException("array.values." + name + " must hold numbers, text or booleans, not "
                + (value == null ? "null" : "a nested " + (value instanceof Map ? "object" : "list")));
    }
}
