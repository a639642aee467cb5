package kvstore.core;

import java.util.Objects;

/**
 * A controller's attempt to decide the view with this number (docs/protocol.md, "The controller"). A node
 * promises a number to one controller life only, so two controllers that both pick number 7 cannot both gather
 * a majority: one of them must retry with a higher number. The number becomes the new view's number (its epoch).
 *
 * @param controller the controller and its life ("c1#2"): a restarted controller must not reuse its earlier
 *                   life's promises, because it no longer knows what it proposed with them
 */
public record Ballot(long number, String controller) {
    public Ballot {
        Objects.requireNonNull(controller);
        if (number <= 0) {
            throw new IllegalArgumentException("a ballot number is positive");
        }
    }

    /** Whether a node that promised {@code promised} (null: nothing) may promise or accept this ballot. */
    public boolean allowedAfter(Ballot promised) {
        return promised == null || number > promised.number || equals(promised);
    }

    @Override
    public String toString() {
        return controller.isEmpty() ? number + " (an installed view)" : number + "/" + controller;
    }
}
