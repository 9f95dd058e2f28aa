package dev.gpuqueue.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The ranked map against a TreeMap, through random puts and removes. */
class RankedMapTest {

    @Test
    void ranksLookupsAndOrderedWalksAgreeWithATreeMapThroughRandomChanges() {
        Random random = new Random(7);
        RankedMap<Integer, String> ranked = new RankedMap<>(Comparator.naturalOrder());
        TreeMap<Integer, String> reference = new TreeMap<>();
        for (int step = 0; step < 20_000; step++) {
            int key = random.nextInt(2_000);
            if (random.nextInt(3) == 0) {
                assertThat(ranked.remove(key)).isEqualTo(reference.remove(key));
            } else {
                ranked.put(key, "v" + step);
                reference.put(key, "v" + step);
            }
            if (step % 500 == 0) {
                check(ranked, reference, random);
            }
        }
        check(ranked, reference, random);
    }

    private static void check(RankedMap<Integer, String> ranked, TreeMap<Integer, String> reference, Random random) {
        assertThat(ranked.size()).isEqualTo(reference.size());
        for (int i = 0; i < 50; i++) {
            int probe = random.nextInt(2_100) - 50;
            assertThat(ranked.rank(probe)).as("rank of " + probe).isEqualTo(reference.headMap(probe, false).size());
            assertThat(ranked.get(probe)).isEqualTo(reference.get(probe));
            assertThat(ranked.firstKeyAfter(probe)).isEqualTo(reference.higherKey(probe));
            List<String> walked = new ArrayList<>();
            Iterator<String> values = ranked.valuesAfter(probe);
            while (values.hasNext() && walked.size() < 20) {
                walked.add(values.next());
            }
            assertThat(walked).isEqualTo(reference.tailMap(probe, false).values().stream().limit(20).toList());
        }
        List<String> all = new ArrayList<>();
        ranked.valuesAfter(null).forEachRemaining(all::add);
        assertThat(all).isEqualTo(new ArrayList<>(reference.values()));
    }
}
