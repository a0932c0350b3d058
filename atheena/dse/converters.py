"""The lane converters between layers, as the optimiser sees them: one `Link` per regrouped stream.

A layer's folding sets the lanes of the streams it makes and the lanes it asks
of the streams it takes (`Config.lanes_out` / `lanes_in`); where the two ends
of a stream differ, the netlist plan puts a converter (and the buffer behind
it) between them, which belongs to neither layer.  Its cost depends on both
layers' choices, so the optimiser prices it on the pair: a `Link` holds each
end's lanes per configuration and the converter cost of every pair of lane
counts (`atheena.dse.optimizer` makes the pair's indicator exact).

Which streams are regrouped is the plan's own walk, not a second one: `links`
builds the network's plan once (at any folding) and reads the conversions the
kinds asked for (`atheena.hardware.plan.Builder.conversions`): the stream's
origin (a layer's result, or the network's input, which takes the lanes its
first layer asks for) and the layer and operand asking (or the network's
output, which gives a no-exit network's logits as one beat).
"""

from __future__ import annotations

from dataclasses import dataclass

from atheena import kinds
from atheena.dse.model import Layer
from atheena.errors import AtheenaError
from atheena.ir import layer_name


@dataclass(frozen=True)
class Link:
    """A stream from layer `producer` to layer `consumer` (None: the network's output).

    `producer_lanes[k]`: the stream's lanes when the producer takes its configuration k;
    `consumer_lanes[k]`: the lanes the consumer asks for at its configuration k (one value for
    the network's output); `pairs`: every (producer lanes, consumer lanes) a design can have;
    `costs[(a, b)]`: (DSP, BRAM18, LUT, FF) of the converters from a to b lanes (equal lanes
    need none).
    """

    producer: int
    producer_lanes: tuple[int, ...]
    consumer: int | None
    consumer_lanes: tuple[int, ...]
    words: int
    pairs: tuple[tuple[int, int], ...]
    costs: dict

    def cost(self, lanes_in: int, lanes_out: int) -> tuple[int, int, int, int]:
        return self.costs.get((lanes_in, lanes_out), (0, 0, 0, 0))


def converter_cost(lanes_in: int, lanes_out: int, words: int) -> tuple[int, int, int, int]:
    """What the plan puts between a stream of `lanes_in` words per beat (`words` per sample) and a
    consumer asking for `lanes_out` (converters and their buffers), costed for the current family."""
    from atheena.hardware.plan import Builder, Channel, instances_resources

    b = Builder()
    b.lanes(Channel(lanes_in, words), lanes_out)
    return instances_resources(b.instances)


def links(func, layers: list[Layer], baseline: bool = False) -> list[Link]:
    """The links between `layers` (the network's, or its backbone's with `baseline`): every stream the
    plan regroups and whose two ends' lanes can differ (call within `costing` of the board)."""
    from atheena.hardware.plan import build

    index = {layer.op: i for i, layer in enumerate(layers)}
    foldings = {layer.op: layer.configs[0].as_dict() for layer in layers}
    plan = build(func, foldings=foldings, ops=[layer.op for layer in layers] if baseline else None)
    out = []
    for origin, op, operand, asked, words in plan.conversions:
        if op is not None and operand is None:
            raise AtheenaError(f"{op.name}: its hardware regroups a stream that is not one of its inputs; the "
                               "optimiser cannot price that converter (regroup the input instead)")
        if origin is None or origin[0] == "operand":
            raise AtheenaError(f"a stream regrouped for {op.name if op else 'the output'} has no producing layer")
        if origin[0] == "input":
            first = origin[1]
            p = index[first]
            producer = tuple(kinds.of(first).lanes_in(first, c.as_dict()) for c in layers[p].configs)
        else:
            p = index[origin[0]]
            producer = tuple(c.lanes_out[origin[1]] for c in layers[p].configs)
        if op is None:
            c, consumer = None, (asked,)
        else:
            c = index[op]
            consumer = tuple(cfg.lanes_in[operand] for cfg in layers[c].configs)
        if any(v is None for v in producer + consumer):
            name = layer_name(op.location) if op is not None else "the output"
            raise AtheenaError(f"{name}: a regrouped stream's lanes are not set by a layer's folding")
        if c == p:  # the network's input and its first layer: one folding sets both ends
            pairs = sorted(set(zip(producer, consumer)))
        else:
            pairs = sorted((a, b) for a in set(producer) for b in set(consumer))
        if all(a == b for a, b in pairs):
            continue  # never a converter
        costs = {(a, b): converter_cost(a, b, words) for a, b in pairs if a != b}
        out.append(Link(p, producer, c, consumer, words, tuple(pairs), costs))
    return out


def overheads(design_links: list[Link], choice_index: list[int]) -> dict:
    """{"dsp", "bram18", "lut", "ff"} of the converters when layer i takes configuration
    `choice_index[i]`: what `Plan.overheads` counts for that design."""
    from atheena.dse.boards import RESOURCES

    sums = [0, 0, 0, 0]
    for link in design_links:
        a = link.producer_lanes[choice_index[link.producer]]
        b = link.consumer_lanes[0 if link.consumer is None else choice_index[link.consumer]]
        sums = [s + v for s, v in zip(sums, link.cost(a, b))]
    return dict(zip(RESOURCES, sums))

