package kvstore.node.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A request is due once its time is up, and not before; due ones leave the queue, so it does not grow. */
class AnswerDeadlinesTest {
    private static final Duration TIMEOUT = Duration.ofMillis(100);

    @Test
    void aRequestIsDueOnceItsTimeIsUpAndNotBefore() {
        AnswerDeadlines<String> deadlines = new AnswerDeadlines<>();
        deadlines.add("a", 0, TIMEOUT);
        deadlines.add("b", 10, TIMEOUT);
        deadlines.add("c", Long.MAX_VALUE - 5, TIMEOUT); // nanoTime may wrap: the comparison must not

        List<String> due = new ArrayList<>();
        deadlines.dueBy(TIMEOUT.toNanos() + 9, due::add);
        assertEquals(List.of("a"), due, "b is one nanosecond early");
        deadlines.dueBy(TIMEOUT.toNanos() + 10, due::add);
        assertEquals(List.of("a", "b"), due);
        deadlines.dueBy(Long.MAX_VALUE, due::add);
        assertEquals(List.of("a", "b"), due, "c is due after the wrap");
        deadlines.dueBy(Long.MAX_VALUE - 5 + TIMEOUT.toNanos(), due::add);
        assertEquals(List.of("a", "b", "c"), due);
        assertEquals(0, deadlines.size());
    }
}
