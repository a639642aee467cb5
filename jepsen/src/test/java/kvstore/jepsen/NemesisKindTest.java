package kvstore.jepsen;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NemesisKindTest {
    @Test
    void takesTheSimulatorsNamesWithPrimaryForTheTarget() {
        assertEquals(List.of(Nemesis.Kind.PARTITION_PRIMARY, Nemesis.Kind.CRASH_PRIMARY, Nemesis.Kind.PAUSE),
                Nemesis.Kind.parse("partition-primary, kill ,pause,crash-primary"));
        assertEquals(List.of(Nemesis.Kind.values()), Nemesis.Kind.parse("all"));
        assertEquals(List.of(), Nemesis.Kind.parse("none"));
    }

    @Test
    void refusesTheSimulatorsFaultsItCannotDoAndSaysWhatItHas() {
        for (String name : new String[]{"crash", "cut-links", "controller-crash", "bogus"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Nemesis.Kind.parse(name));
            assertTrue(e.getMessage().contains("crash-primary") && e.getMessage().contains("cut-links"),
                    e.getMessage());
        }
    }
}
