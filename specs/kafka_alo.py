"""KafkaALO: a Kafka-like pipeline with at-least-once delivery, the team's anchor model for comparing
modelcheck with TLC and SPIN.

One producer sends messages 1..N in order to a broker, which appends every send to its log and answers
with an ack. One ack may be lost in a run: the producer then times out and sends the same message again,
and since it is not idempotent the log holds that message twice. One consumer polls the record at its
position, processes it (writes it to the sink) and only then commits its offset. It may crash once,
dropping the record it holds and going back to its committed offset, so a record processed but not yet
committed is processed again.

The variables and actions are those of the anchor models `KafkaALO.tla` and `kafka_alo.pml`, from the
reference models given to the team for side-by-side measurement (copied, with their origin, in
benchmarks/anchors/), so the reachable state space is the same state for state: 80 / 297 / 738 /
1,506 distinct states for N = 1..4, 21,017 for N = 10 and 212,082 for N = 20, and TLC's "states
generated" (SPIN's "transitions"), 579 / 1,461 / 3,004 for N = 2..4, as tests/test_specs_classic.py
pins. The action names are the TLA+ module's.

Properties: `NoDuplicateInSink` (no message written to the sink twice) is violated for every N, by a
shortest run of 6 steps: Send, Poll, Process, Crash, Poll, Process. `NoLoss` (once the run has ended,
every message is in the sink) holds. The guard `Terminated` says such an end is reachable.

State layout (a plain tuple):
    (log, next_message, waiting, ack_lost, position, consumer, held, committed, crashed, sink)
    log           tuple of message ids, the broker's log
    next_message  the message the producer is sending; N + 1 once every message is acked
    waiting       whether the producer has sent next_message and awaits its ack
    ack_lost      whether the one ack loss has happened
    position      records of the log the consumer has fetched
    consumer      IDLE, POLLED (a record held) or PROCESSED (written to the sink, not committed)
    held          the message of the record fetched by the last poll; 0 for none
    committed     the committed offset
    crashed       whether the one consumer crash has happened
    sink          tuple of message ids written to the sink, in order
Run it: `modelcheck explore specs/kafka_alo.py --param N=10`.
"""

from modelcheck.engine import Action, Model, StepLabel, always, sometimes

MODELCHECK_SPEC = True   # a spec: `modelcheck check DIR` runs it (docs/spec-format.md, "Python specs")

IDLE, POLLED, PROCESSED = 0, 1, 2
CONSUMER_STATE_NAMES = ("idle", "polled", "processed")
FIELD_NAMES = ("log", "next message", "producer waiting", "ack lost", "consumer position", "consumer",
               "held", "committed", "consumer crashed", "sink")


def model(N: int = 3) -> Model:  # noqa: N803 -- the anchors' name for the number of messages
    """The model for N messages, numbered 1..N."""
    N = int(N)  # noqa: N806
    if N < 1:
        raise ValueError("N, the number of messages, must be at least 1")
    done = N + 1
    everything = frozenset(range(1, done))
    # Labels are built once per message, not per successor: the steps are then a few tuple operations.
    sends = [None] + [StepLabel("producer", f"sends m{m}", peer="broker") for m in range(1, done)]
    acks = [None] + [StepLabel("producer", f"receives the ack of m{m}", peer="broker") for m in range(1, done)]
    losses = [None] + [StepLabel("producer", f"times out: the ack of m{m} is lost; it will send m{m} again",
                                 peer="broker", fault=True) for m in range(1, done)]
    polls = [None] + [StepLabel("consumer", f"polls m{m}", peer="broker") for m in range(1, done)]
    processes = [None] + [StepLabel("consumer", f"writes m{m} to the sink") for m in range(1, done)]
    commits = [StepLabel("consumer", f"commits offset {offset}", peer="broker") for offset in range(done + 1)]
    crashes = [StepLabel("consumer", f"crashes; restarts from offset {offset}", fault=True)
               for offset in range(done + 1)]

    def send(state):
        log, next_message, waiting, *rest = state
        if waiting or next_message == done:
            return ()
        return [(sends[next_message], (log + (next_message,), next_message, True, *rest))]

    def receive_ack(state):
        log, next_message, waiting, *rest = state
        if not waiting:
            return ()
        return [(acks[next_message], (log, next_message + 1, False, *rest))]

    def lose_ack(state):
        log, next_message, waiting, ack_lost, *rest = state
        if not waiting or ack_lost:
            return ()
        return [(losses[next_message], (log, next_message, False, True, *rest))]

    def poll(state):
        log, next_message, waiting, ack_lost, position, consumer, _held, committed, crashed, sink = state
        if consumer != IDLE or position == len(log):
            return ()
        message = log[position]
        return [(polls[message], (log, next_message, waiting, ack_lost, position + 1, POLLED, message, committed,
                                  crashed, sink))]

    def process(state):
        log, next_message, waiting, ack_lost, position, consumer, held, committed, crashed, sink = state
        if consumer != POLLED:
            return ()
        return [(processes[held], (log, next_message, waiting, ack_lost, position, PROCESSED, held, committed,
                                   crashed, sink + (held,)))]

    def commit(state):
        log, next_message, waiting, ack_lost, position, consumer, _held, _committed, crashed, sink = state
        if consumer != PROCESSED:
            return ()
        return [(commits[position], (log, next_message, waiting, ack_lost, position, IDLE, 0, position, crashed,
                                     sink))]

    def crash(state):
        log, next_message, waiting, ack_lost, _position, _consumer, _held, committed, crashed, sink = state
        if crashed:
            return ()
        return [(crashes[committed], (log, next_message, waiting, ack_lost, committed, IDLE, 0, committed, True,
                                      sink))]

    def terminated(state):
        """The producer is done and the consumer, idle, has fetched the whole log."""
        return state[1] == done and state[5] == IDLE and state[4] == len(state[0])

    def no_duplicate_in_sink(state):
        sink = state[9]
        return len(set(sink)) == len(sink)

    def no_loss(state):
        return not terminated(state) or everything <= set(state[9])

    def describe(state):
        log, next_message, waiting, ack_lost, position, consumer, held, committed, crashed, sink = state
        producer = ("done" if next_message == done
                    else f"{'waits for the ack of' if waiting else 'will send'} m{next_message}")
        holding = f" holding m{held}" if held else ""
        return (f"log [{', '.join(f'm{m}' for m in log)}]; producer {producer}"
                f"{', an ack lost' if ack_lost else ''}; consumer {CONSUMER_STATE_NAMES[consumer]}{holding} "
                f"at {position}, committed {committed}{', crashed once' if crashed else ''}; "
                f"sink [{', '.join(f'm{m}' for m in sink)}]")

    def show(field, value):
        if field in (0, 9):
            return f"[{', '.join(f'm{m}' for m in value)}]"
        if field == 5:
            return CONSUMER_STATE_NAMES[value]
        if field == 6:
            return f"m{value}" if value else "none"
        return str(value).lower() if isinstance(value, bool) else str(value)

    def explain(before, _label, after):
        """The variables a step changed, by name."""
        return [f"{FIELD_NAMES[field]}: {show(field, old)} -> {show(field, new)}"
                for field, (old, new) in enumerate(zip(before, after)) if old != new]

    built = Model(
        name=f"KafkaALO(N={N})",
        initial_states=[((), 1, False, False, 0, IDLE, 0, 0, False, ())],
        actions=[
            Action("Send", send),
            Action("RecvAck", receive_ack),
            Action("LoseAck", lose_ack),
            Action("Poll", poll),
            Action("Process", process),
            Action("Commit", commit),
            Action("Crash", crash),
        ],
        properties=[
            always("NoDuplicateInSink", no_duplicate_in_sink, "no message is written to the sink twice"),
            always("NoLoss", no_loss, "once the run has ended, every message is in the sink"),
            sometimes("Terminated", terminated, "a run in which every message is sent and consumed exists"),
        ],
        describe_state=describe,
        explain_step=explain,
        description=__doc__,
        parameters={"N": N},
    )
    built.expect = {"NoDuplicateInSink": "violated", "NoLoss": "holds", "Terminated": "holds"}
    return built
