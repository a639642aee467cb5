package kvstore.sim;

import kvstore.sim.nemesis.Fault;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaultKindTest {
    @Test
    void namesOnTheCommandLineAreTheKindsInLowerCaseWithDashes() {
        assertEquals(EnumSet.of(Fault.Kind.CUT_LINKS, Fault.Kind.PAUSE), Fault.Kind.parse(" cut-links,PAUSE "));
        assertEquals(EnumSet.allOf(Fault.Kind.class), Fault.Kind.parse("all"));
        assertEquals(Set.of(), Fault.Kind.parse("none"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fault.Kind.parse("crash,cut_links"));
        assertTrue(e.getMessage().contains("'cut_links'") && e.getMessage().contains("cut-links"), e.getMessage());
    }

    @Test
    void aSweepRestrictedToSomeKindsDrawsOnlyThose() {
        SimConfig onlyPauses = SimConfig.swarmTesting().withFaultKinds(Set.of(Fault.Kind.PAUSE));
        for (long seed = 1; seed <= 200; seed++) {
            SimConfig shape = onlyPauses.forSeed(seed);
            assertTrue(Set.of(Fault.Kind.PAUSE).containsAll(shape.faultKinds()), shape.shape());
            for (Fault f : SeededRun.scheduleFor(shape, seed).faults()) {
                assertTrue(f instanceof Fault.Pause, "seed " + seed + " drew " + f);
            }
        }
    }
}
