package kvstore.checker.model;

import kvstore.checker.history.Operation;
import kvstore.checker.history.Outcome;

import java.util.Objects;

/**
 * One key of the store: a register that holds a string or is absent, with get, put, delete, append and
 * compare-and-set.
 */
public final class RegisterModel implements Model<RegisterModel.Value> {
    /** The register's content; {@code text == null} means the key is absent. */
    public record Value(String text) {
        public static final Value ABSENT = new Value(null);
    }

    private final boolean absentReadsAsEmpty;

    /** The store's own semantics: a get of an absent key reads {@code null}. */
    public RegisterModel() {
        this(false);
    }

    /**
     * @param absentReadsAsEmpty also accept {@code ""} as the read of an absent key, as stores that default
     *                           missing keys to the empty string report it (Porcupine's key-value histories)
     */
    public RegisterModel(boolean absentReadsAsEmpty) {
        this.absentReadsAsEmpty = absentReadsAsEmpty;
    }

    @Override
    public Value initialState() {
        return Value.ABSENT;
    }

    @Override
    public Value step(Value state, Operation op) {
        String current = state.text();
        return switch (op.kind()) {
            case GET -> op.outcome() != Outcome.OK || reads(current, op.value()) ? state : null;
            case PUT -> new Value(op.value());
            case DELETE -> Value.ABSENT;
            case APPEND -> new Value(current == null ? op.value() : current + op.value());
            case CAS -> {
                boolean matches = reads(current, op.expected());
                yield switch (op.outcome()) {
                    case OK -> matches ? new Value(op.value()) : null;
                    case FAIL -> matches ? null : state;
                    case INFO -> matches ? new Value(op.value()) : state;
                };
            }
        };
    }

    private boolean reads(String current, String observed) {
        if (Objects.equals(current, observed)) {
            return true;
        }
        return absentReadsAsEmpty && current == null && "".equals(observed);
    }

    /**
     * Leaving out a write can only break an operation that saw the value it wrote: a get that read it, a cas
     * that expected it, a failed cas that found something else. (Take a linearization of the whole history and
     * drop the write: only operations between it and the next write see a different value.) Appends feed every
     * later value, so with appends in the history every possible writer counts.
     */
    @Override
    public Dependencies dependencies(java.util.List<Operation> operations) {
        boolean appends = operations.stream().anyMatch(op -> op.kind() == kvstore.checker.history.OpKind.APPEND);
        return (observer, writer) -> {
            if (!observer.observes() || !writer.writes() || writer.call() > observer.ret() || observer == writer) {
                return false;
            }
            if (appends) {
                return true;
            }
            String written = writer.written();
            return switch (observer.kind()) {
                case GET -> reads(written, observer.value());
                case CAS -> reads(written, observer.expected()) == (observer.outcome() == Outcome.OK);
                default -> true;
            };
        };
    }

    @Override
    public String describe(Value state) {
        return state.text() == null ? "absent" : '"' + state.text() + '"';
    }
}
