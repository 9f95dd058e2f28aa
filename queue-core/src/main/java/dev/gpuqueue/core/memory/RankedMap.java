package dev.gpuqueue.core.memory;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A sorted map that also counts: {@link #rank} says how many keys lie below a key in O(log n), which
 * a {@code TreeMap} can only do by walking. A treap (a binary search tree ordered by key, a heap by
 * random priority) whose nodes know their subtree's size. Keys are unique; null keys and values are
 * not allowed. Not thread-safe.
 */
final class RankedMap<K, V> {
    private final Comparator<? super K> order;
    private final SplittableRandom random = new SplittableRandom(0x9E3779B97F4A7C15L);
    private Node<K, V> root;

    private static final class Node<K, V> {
        final K key;
        V value;
        final long priority;
        int size = 1;
        Node<K, V> left;
        Node<K, V> right;

        Node(K key, V value, long priority) {
            this.key = key;
            this.value = value;
            this.priority = priority;
        }
    }

    RankedMap(Comparator<? super K> order) {
        this.order = order;
    }

    int size() {
        return size(root);
    }

    boolean isEmpty() {
        return root == null;
    }

    V get(K key) {
        Node<K, V> node = root;
        while (node != null) {
            int c = order.compare(key, node.key);
            if (c == 0) {
                return node.value;
            }
            node = c < 0 ? node.left : node.right;
        }
        return null;
    }

    /** Adds the key, or replaces its value when it is there. */
    void put(K key, V value) {
        Node<K, V> node = root;
        while (node != null) {
            int c = order.compare(key, node.key);
            if (c == 0) {
                node.value = value;
                return;
            }
            node = c < 0 ? node.left : node.right;
        }
        Node<K, V>[] parts = split(root, key);
        root = merge(merge(parts[0], new Node<>(key, value, random.nextLong())), parts[1]);
    }

    /** Removes the key; returns its value, or null when it was not there. */
    V remove(K key) {
        Node<K, V>[] below = split(root, key);
        Node<K, V>[] equal = splitAfter(below[1], key);
        root = merge(below[0], equal[1]);
        return equal[0] == null ? null : equal[0].value;
    }

    /** How many keys are strictly below {@code key}. */
    int rank(K key) {
        int rank = 0;
        Node<K, V> node = root;
        while (node != null) {
            if (order.compare(key, node.key) <= 0) {
                node = node.left;
            } else {
                rank += size(node.left) + 1;
                node = node.right;
            }
        }
        return rank;
    }

    /** The values of the keys strictly above {@code after} (every key when it is null), in key order. */
    Iterator<V> valuesAfter(K after) {
        Deque<Node<K, V>> path = new ArrayDeque<>();
        Node<K, V> node = root;
        while (node != null) {
            if (after == null || order.compare(node.key, after) > 0) {
                path.push(node);
                node = node.left;
            } else {
                node = node.right;
            }
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !path.isEmpty();
            }

            @Override
            public V next() {
                if (path.isEmpty()) {
                    throw new NoSuchElementException();
                }
                Node<K, V> next = path.pop();
                for (Node<K, V> n = next.right; n != null; n = n.left) {
                    path.push(n);
                }
                return next.value;
            }
        };
    }

    /** The key of the first value {@link #valuesAfter} would give, or null. */
    K firstKeyAfter(K after) {
        K found = null;
        Node<K, V> node = root;
        while (node != null) {
            if (after == null || order.compare(node.key, after) > 0) {
                found = node.key;
                node = node.left;
            } else {
                node = node.right;
            }
        }
        return found;
    }

    private static int size(Node<?, ?> node) {
        return node == null ? 0 : node.size;
    }

    private static <K, V> Node<K, V> update(Node<K, V> node) {
        node.size = 1 + size(node.left) + size(node.right);
        return node;
    }

    /** Splits into keys below {@code key} and keys at or above it. */
    private Node<K, V>[] split(Node<K, V> node, K key) {
        return split(node, key, false);
    }

    /** Splits into keys at or below {@code key} and keys above it. */
    private Node<K, V>[] splitAfter(Node<K, V> node, K key) {
        return split(node, key, true);
    }

    /** Splits into the keys left of {@code key} (with it when {@code keyGoesLeft}) and the rest. */
    @SuppressWarnings("unchecked")
    private Node<K, V>[] split(Node<K, V> node, K key, boolean keyGoesLeft) {
        if (node == null) {
            return new Node[] {null, null};
        }
        int c = order.compare(node.key, key);
        if (c < 0 || c == 0 && keyGoesLeft) {
            Node<K, V>[] parts = split(node.right, key, keyGoesLeft);
            node.right = parts[0];
            parts[0] = update(node);
            return parts;
        }
        Node<K, V>[] parts = split(node.left, key, keyGoesLeft);
        node.left = parts[1];
        parts[1] = update(node);
        return parts;
    }

    private Node<K, V> merge(Node<K, V> a, Node<K, V> b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a.priority > b.priority) {
            a.right = merge(a.right, b);
            return update(a);
        }
        b.left = merge(a, b.left);
        return update(b);
    }
}
