"""Simulate a lowered network in Verilator on real samples and check it against the reference.

The design's input channel takes each image as codes in HWC order
(`lanes_in` words per beat); its output gives one beat per sample: the
logits, then (early-exit networks) the sample id and the exit index.  Every
output is compared with the fixed-point reference (`atheena.reference`):
logit codes and the exit taken, per sample id.  Throughput is the
average spacing of results from the first to the last (results leave out of
order across exits, so a window over part of the run would miscount; with
thousands of samples the pipeline's fill time is well under 1%).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from atheena.hardware.lower import Rtl
from atheena.hardware.sim import Bursts, simulate
from atheena.reference import fixed_point


@dataclass
class NetworkRun:
    samples: int
    bit_exact: bool
    mismatches: int
    missing: int
    duplicated: int
    cycles_per_sample: float
    throughput_sps: float
    exits: list[int]  # samples per exit in hardware
    back_pressure: float | str  # the fraction of cycles the output is not ready, or the `Bursts` setting
    trace: list[int] = field(default_factory=list)  # the exit each sample takes (the reference's), in stream order
    simulated_cycles: int = 0  # clock cycles simulated (to the last result)
    simulator_seconds: float = 0.0  # wall time of the Verilator model alone
    probes: dict[str, dict[str, int]] | None = None  # with `observe`: per channel inside (`sim.probe_counts`)

    def as_dict(self) -> dict:
        return asdict(self)


def input_beats(codes: np.ndarray, lanes: int) -> list[int]:
    """(N, C, H, W) codes -> beats of `lanes` 16-bit words, HWC order per sample (word k in bits 16k..16k+15;
    a last partial beat padded with zeros).  Vectorised 64 bits at a time: 100,000 B-LeNet samples are
    9.8 million beats."""
    flat = (codes.transpose(0, 2, 3, 1).reshape(-1) & 0xFFFF).astype(np.uint64)
    flat = np.concatenate([flat, np.zeros(-len(flat) % lanes, dtype=np.uint64)]).reshape(-1, lanes)
    parts = []
    for start in range(0, lanes, 4):  # four words fit a uint64
        block = flat[:, start:start + 4]
        shifts = np.arange(block.shape[1], dtype=np.uint64) * np.uint64(16)
        parts.append(np.bitwise_or.reduce(block << shifts, axis=1).tolist())
    if len(parts) == 1:
        return parts[0]
    return [sum(p << (64 * k) for k, p in enumerate(words)) for words in zip(*parts)]


def decode(design: Rtl, beat: int) -> tuple[np.ndarray, int, int]:
    """(logit codes, sample id, exit) of one output beat."""
    logits = np.array([(beat >> (16 * k)) & 0xFFFF for k in range(design.classes)], dtype=np.int64)
    logits = np.where(logits >= 1 << 15, logits - (1 << 16), logits)
    if design.exits == 1:
        return logits, -1, design.exits - 1
    rest = beat >> (16 * design.classes)
    return logits, rest & 0xFFFFFFFF, rest >> 32


REFERENCE_CHUNK = 2000  # samples the reference evaluates at once: its activations for 100,000 would be gigabytes


def _reference(module, images: np.ndarray, arith) -> fixed_point.Result:
    """The reference's logits and exit per sample, in chunks (each sample's result is its own)."""
    parts = [fixed_point.run(module, images[i:i + REFERENCE_CHUNK], arith)
             for i in range(0, len(images), REFERENCE_CHUNK)]
    if len(parts) == 1:
        return parts[0]
    return fixed_point.Result(np.concatenate([p.logits for p in parts]), np.concatenate([p.exit for p in parts]))


def run(design: Rtl, module, images: np.ndarray, clock_mhz: float, back_pressure: float | Bursts = 0.0,
        arith: fixed_point.FixedArithmetic | None = None, seed: int = 1, input_gaps: float = 0.0,
        observe: bool = False) -> NetworkRun:
    """Stream `images` (N, C, H, W floats) through the design; compare with the reference.

    `back_pressure`: the fraction of cycles the output is not ready, or `Bursts` of stalls;
    `input_gaps`: the fraction of cycles the input offers nothing; `observe`: probe every channel
    inside (`NetworkRun.probes`)."""
    arith = arith or fixed_point.FixedArithmetic()
    codes = arith.input(images)
    reference = _reference(module, images, arith)
    n = len(images)
    ready = back_pressure if isinstance(back_pressure, Bursts) else 1.0 - back_pressure
    result = simulate(design.files, design.sim_top, input_beats(codes, design.lanes_in), n, 1.0 - input_gaps,
                      ready, seed=seed, max_cycles=2_000_000_000, observe=observe)
    seen = np.zeros(n, dtype=np.int64)
    mismatches = 0
    exits = [0] * design.exits
    for order, beat in enumerate(result.words):
        logits, sample, exit_index = decode(design, beat)
        if design.exits == 1:
            sample = order  # no tags: results leave in order
        if not 0 <= sample < n:
            mismatches += 1
            continue
        seen[sample] += 1
        exits[min(exit_index, design.exits - 1)] += 1
        if exit_index != reference.exit[sample] or not np.array_equal(logits, reference.logits[sample]):
            mismatches += 1
    # results leave out of order across exits, so count every sample between the first and the last result
    span = result.cycles[-1] - result.cycles[0] if len(result.cycles) > 1 else 0
    cycles = span / max(1, len(result.cycles) - 1)
    missing, duplicated = int((seen == 0).sum()), int((seen > 1).sum())
    return NetworkRun(n, mismatches == 0 and missing == 0 and duplicated == 0, mismatches, missing, duplicated,
                      cycles, clock_mhz * 1e6 / cycles if cycles else 0.0, exits,
                      str(back_pressure) if isinstance(back_pressure, Bursts) else back_pressure,
                      [int(e) for e in reference.exit], int(result.cycles[-1]) if result.cycles else 0,
                      result.seconds, result.probes)
