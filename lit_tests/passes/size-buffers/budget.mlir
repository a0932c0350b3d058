// size-buffers keeps the buffers within the budget fold used (12%), here of a board with fewer
// BRAM18s than the ZedBoard (given as a .json file; the other resources are the ZedBoard's).
// With 45 BRAM18s (12% = 5.4) the backbone buffer is shortened from 11 to 3 samples, the pass
// says so on stderr, and the loss and prediction are those of depth 3 (6.4%; 1437.55 cycles for the
// profiled sequence, 1502.91 for independent samples):
// the section after the exit was folded for exactly the average, so a short buffer costs much,
// and the warning names the remedy, a fold with headroom (checked below: the 3 samples then lose
// 0.2%, within the bound, so nothing is shortened and nothing is said).
// With 30 (12% = 3.6) even the minimum depths do not fit and the pass fails, naming the resource.
// RUN: echo '{"name": "Small", "part": "xc7z020clg484-1", "clock_mhz": 100, "dsp": 220, "bram18": 45, "lut": 53200, "ff": 106400}' > %t.45.json
// RUN: atheena-opt %inputs/tiny-ee.folded.mlir --pass-pipeline='builtin.module(size-buffers{board=%t.45.json})' \
// RUN:     --mlir-elide-elementsattrs-if-larger 4 2> %t.stderr | FileCheck %s --match-full-lines
// RUN: FileCheck %s --check-prefix=STDERR --match-full-lines < %t.stderr
// STDERR: {{.*}}/tiny-ee.folded.mlir:16:11: warning: exit 0: buffer shortened from 11 to 3 samples to stay within 12% of the Small; simulated loss 6.4% instead of 1.0% (a fold with headroom, e.g. fold{headroom=0.25}, makes the layers after the exit faster so that a short buffer loses less)
// CHECK: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.buffers = {exit0 = {cycles_per_sample = 1.437550e+03 : f64, depth = 3 : i64, independent_cycles_per_sample = 1502.9055000000001 : f64, loss = 0.063659150558701194 : f64, pattern = "profiled"}}, atheena.design = {balanced_cycles_per_sample = 1.407000e+03 : f64, board = "ZedBoard", bram18 = 5 : i64, budget = 1.200000e-01 : f64, clock_mhz = 1.000000e+02 : f64, cycles_per_sample = 1.437550e+03 : f64, dsp = 16 : i64, ff = 9363 : i64, independent_cycles_per_sample = 1502.9055000000001 : f64, lut = 6105 : i64, model = "buffered, profiled sequence", throughput_sps = 69562.797815728147 : f64}, atheena.profile = {accuracy_fixed = 9.250000e-01 : f64, accuracy_float = 9.250000e-01 : f64, calibration = "bundled MNIST test images 8000-8999 (1000 images), first 40", exit_trace = "0011111001101001000110101110101000110100", final_accuracy = 0.94999999999999996 : f64, final_exit_rate = 5.000000e-01 : f64, format = "Q8.8", samples = 40 : i64}} {
// CHECK: %10 = "atheena.conditional_buffer"(%3#1, %9#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 338 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x13x13xf32>, tensor<i1>) -> tensor<2x13x13xf32>
// CHECK-NEXT: %11 = "atheena.conditional_buffer"(%7#1, %9#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 10 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<10xf32>, tensor<i1>) -> tensor<10xf32>

// RUN: atheena-opt %inputs/tiny-ee.profiled.mlir -o /dev/null 2>&1 \
// RUN:     --pass-pipeline='builtin.module(fold{board=zedboard budget=0.12 headroom=0.25},size-buffers{board=%t.45.json})' \
// RUN:   | FileCheck %s --check-prefix=HEADROOM --allow-empty
// HEADROOM-NOT: warning

// RUN: echo '{"name": "Tiny", "part": "xc7z020clg484-1", "clock_mhz": 100, "dsp": 220, "bram18": 30, "lut": 53200, "ff": 106400}' > %t.30.json
// RUN: not atheena-opt %inputs/tiny-ee.folded.mlir --pass-pipeline='builtin.module(size-buffers{board=%t.30.json})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=FULL
// FULL: tiny-ee.folded.mlir:5:3: error: the design does not fit in 12% of the Tiny even with its conditional buffers at their minimum depth of 2 samples: over budget in bram18 (5 > 4). Fold for this board and budget first (the `fold` pass counts minimum-depth buffers), or give a larger budget
