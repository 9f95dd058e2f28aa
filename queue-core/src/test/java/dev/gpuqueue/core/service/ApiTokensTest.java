package dev.gpuqueue.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiTokensTest {

    @Test
    void tokensCarryAtLeast256RandomBitsAndNeverRepeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String token = ApiTokens.generate();
            assertThat(token).matches("gq_[A-Za-z0-9_-]{43}");
            assertThat(seen.add(token)).isTrue();
        }
    }

    @Test
    void theHashIsSha256HexAndDeterministic() {
        assertThat(ApiTokens.hash("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        String token = ApiTokens.generate();
        assertThat(ApiTokens.hash(token)).isEqualTo(ApiTokens.hash(token)).doesNotContain(token);
    }

    @Test
    void hashesCompareByValue() {
        String h = ApiTokens.hash("x");
        assertThat(ApiTokens.sameHash(h, ApiTokens.hash("x"))).isTrue();
        assertThat(ApiTokens.sameHash(h, ApiTokens.hash("y"))).isFalse();
    }
}
