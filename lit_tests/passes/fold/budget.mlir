// fold on the profiled tiny network (Inputs/tiny-ee.profiled.mlir: reach probability 0.5 after
// the exit).  At 12% of the ZedBoard the whole output is checked: every op gets its folding and
// interval (cycles per sample it processes), the reach probabilities and profile stay as they
// were, and the function gets the predicted design.  LUTs bind here (the pipelined kernels'
// registers and adders).  The first conv computes one output channel at a time (coarse_out 1,
// fine 9: 1407 cycles), which is the design's rate.  Folded for exactly the half of the samples
// that reach it, the conv after the exit would take 2706 cycles per sample (fine 5: 16 DSPs in
// all), busy nearly all the time, so a sample that does not exit would hold its buffer slot long
// and the profiled sequence replays at 1437.6 cycles, 2.2% short of 1407.  `fold` then also tries
// that section folded for 1.5-4x its reach (Folder.predict) and keeps the fastest: fine 9, 1370
// cycles (685 per network sample), 20 DSPs, 6,136 of the 6,384 LUTs that 12% allows, 5 BRAM18;
// size-buffers then finds 2 slots enough, and the replay runs at the rate-balanced 1407.
// RUN: atheena-opt %inputs/tiny-ee.profiled.mlir --pass-pipeline='builtin.module(fold{board=zedboard budget=0.12})' \
// RUN:     --mlir-elide-elementsattrs-if-larger 4 | FileCheck %s --match-full-lines

// CHECK: module {
// CHECK-NEXT: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.design = {board = "ZedBoard", bram18 = 5 : i64, budget = 1.200000e-01 : f64, clock_mhz = 1.000000e+02 : f64, cycles_per_sample = 1.407000e+03 : f64, dsp = 20 : i64, ff = 9504 : i64, lut = 6136 : i64, model = "rate-balanced", throughput_sps = 71073.205401563609 : f64}, atheena.profile = {accuracy_fixed = 9.250000e-01 : f64, accuracy_float = 9.250000e-01 : f64, calibration = "bundled MNIST test images 8000-8999 (1000 images), first 40", exit_trace = "0011111001101001000110101110101000110100", final_accuracy = 0.94999999999999996 : f64, final_exit_rate = 5.000000e-01 : f64, format = "Q8.8", samples = 40 : i64}} {
// CHECK-NEXT: %0 = "atheena.conv2d"(%arg0) {bias = dense<[-3.125000e-01, -2.343750e-01]> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 1407 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<2x1x3x3xf32>} : (tensor<1x28x28xf32>) -> tensor<2x26x26xf32>
// CHECK-NEXT: %1 = "atheena.max_pool2d"(%0) {folding = {coarse = 1 : i64}, interval = 1352 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x26x26xf32>) -> tensor<2x13x13xf32>
// CHECK-NEXT: %2 = "atheena.relu"(%1) {folding = {coarse = 1 : i64}, interval = 338 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x13x13xf32>) -> tensor<2x13x13xf32>
// CHECK-NEXT: %3:2 = "atheena.split"(%2) {folding = {coarse = 26 : i64}, interval = 13 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x13x13xf32>) -> (tensor<2x13x13xf32>, tensor<2x13x13xf32>)
// CHECK-NEXT: %4 = "atheena.avg_pool2d"(%3#0) {folding = {coarse = 1 : i64}, interval = 338 : i64, kernel = array<i64: 4, 4>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 4, 4>} : (tensor<2x13x13xf32>) -> tensor<2x3x3xf32>
// CHECK-NEXT: %5 = "atheena.flatten"(%4) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x3x3xf32>) -> tensor<18xf32>
// CHECK-NEXT: %6 = "atheena.linear"(%5) {bias = dense_resource<__elided__> : tensor<10xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 180 : i64, reach_probability = 1.000000e+00 : f64, weights = dense_resource<__elided__> : tensor<10x18xf32>} : (tensor<18xf32>) -> tensor<10xf32>
// CHECK-NEXT: %7:2 = "atheena.split"(%6) {folding = {coarse = 10 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<10xf32>) -> (tensor<10xf32>, tensor<10xf32>)
// CHECK-NEXT: %8 = "atheena.exit_decision"(%7#0) {accuracy = 9.000000e-01 : f64, exit = 0 : i64, exit_rate = 5.000000e-01 : f64, folding = {}, interval = 10 : i64, reach_probability = 1.000000e+00 : f64, threshold = 0.69999999999999996 : f64} : (tensor<10xf32>) -> tensor<i1>
// CHECK-NEXT: %9:2 = "atheena.split"(%8) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
// CHECK-NEXT: %10 = "atheena.conditional_buffer"(%3#1, %9#0) {exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 338 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x13x13xf32>, tensor<i1>) -> tensor<2x13x13xf32>
// CHECK-NEXT: %11 = "atheena.conditional_buffer"(%7#1, %9#1) {exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 10 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<10xf32>, tensor<i1>) -> tensor<10xf32>
// CHECK-NEXT: %12 = "atheena.conv2d"(%10) {bias = dense<[-3.906250e-01, 4.687500e-02, -5.312500e-01, 7.812500e-02]> : tensor<4xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 1370 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<4x2x3x3xf32>} : (tensor<2x13x13xf32>) -> tensor<4x13x13xf32>
// CHECK-NEXT: %13 = "atheena.max_pool2d"(%12) {folding = {coarse = 1 : i64}, interval = 676 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 3, 3>} : (tensor<4x13x13xf32>) -> tensor<4x4x4xf32>
// CHECK-NEXT: %14 = "atheena.relu"(%13) {folding = {coarse = 1 : i64}, interval = 64 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
// CHECK-NEXT: %15 = "atheena.flatten"(%14) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<4x4x4xf32>) -> tensor<64xf32>
// CHECK-NEXT: %16 = "atheena.linear"(%15) {bias = dense_resource<__elided__> : tensor<10xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 640 : i64, reach_probability = 5.000000e-01 : f64, weights = dense_resource<__elided__> : tensor<10x64xf32>} : (tensor<64xf32>) -> tensor<10xf32>
// CHECK-NEXT: %17 = "atheena.exit_merge"(%11, %16) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<10xf32>, tensor<10xf32>) -> tensor<10xf32>
// CHECK-NEXT: return %17 : tensor<10xf32>
// CHECK-NEXT: }
// CHECK-NEXT: }

// At 11.0%, the smallest budget that fits (errors.mlir), LUTs bind: the first conv
// computes one output channel at a time with 3 multipliers (fine 3: three steps a pixel, 4099
// cycles per sample); the conv after the exit has 1 (12168 cycles, 6084 per network sample at
// reach 0.5), which sets the rate: 6 DSPs in all.  (Before the optimiser priced the lane
// converters on both layers, it reserved the converters of its previous choice: 11.3% was the
// smallest budget and 11.4% gave 4099 cycles where 1407 fit.)
// RUN: atheena-opt %inputs/tiny-ee.profiled.mlir --pass-pipeline='builtin.module(fold{board=zedboard budget=0.110})' \
// RUN:     --mlir-elide-elementsattrs-if-larger 4 | FileCheck %s --check-prefix=TIGHT --match-full-lines
// TIGHT: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.design = {board = "ZedBoard", bram18 = 5 : i64, budget = 1.100000e-01 : f64, clock_mhz = 1.000000e+02 : f64, cycles_per_sample = 6.084000e+03 : f64, dsp = 6 : i64, ff = 8939 : i64, lut = 5845 : i64, model = "rate-balanced", throughput_sps = 16436.55489809336 : f64}, atheena.profile = {accuracy_fixed = 9.250000e-01 : f64, accuracy_float = 9.250000e-01 : f64, calibration = "bundled MNIST test images 8000-8999 (1000 images), first 40", exit_trace = "0011111001101001000110101110101000110100", final_accuracy = 0.94999999999999996 : f64, final_exit_rate = 5.000000e-01 : f64, format = "Q8.8", samples = 40 : i64}} {
// TIGHT-NEXT: %0 = "atheena.conv2d"(%arg0) {bias = dense<[-3.125000e-01, -2.343750e-01]> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64, fine = 3 : i64}, groups = 1 : i64, interval = 4099 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<2x1x3x3xf32>} : (tensor<1x28x28xf32>) -> tensor<2x26x26xf32>
// TIGHT-NEXT: %1 = "atheena.max_pool2d"(%0) {folding = {coarse = 1 : i64}, interval = 1352 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x26x26xf32>) -> tensor<2x13x13xf32>
// TIGHT: %12 = "atheena.conv2d"(%10) {bias = dense<[-3.906250e-01, 4.687500e-02, -5.312500e-01, 7.812500e-02]> : tensor<4xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64, fine = 1 : i64}, groups = 1 : i64, interval = 12168 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<4x2x3x3xf32>} : (tensor<2x13x13xf32>) -> tensor<4x13x13xf32>

// With the default options (the whole ZC706, 125 MHz) the design takes two pixels a cycle: the
// first conv and pool have pixel lanes (pixels 2; the network's input port is two words wide), 392
// cycles per sample.  Folded for exactly its reach, the conv after the exit (2 output lanes, 702
// cycles per sample that reaches it) would replay the profiled sequence at 400.05 cycles, 2% short,
// so `fold` folds it for 1.5x its reach (516 cycles, 4 output and 2 input lanes): 392 replayed.
// RUN: atheena-opt %inputs/tiny-ee.profiled.mlir --pass-pipeline='builtin.module(fold)' \
// RUN:     --mlir-elide-elementsattrs-if-larger 4 | FileCheck %s --check-prefix=WHOLE --match-full-lines
// WHOLE: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.design = {board = "ZC706", bram18 = 4 : i64, budget = 1.000000e+00 : f64, clock_mhz = 1.250000e+02 : f64, cycles_per_sample = 3.920000e+02 : f64, dsp = 63 : i64, ff = 13635 : i64, lut = 9391 : i64, model = "rate-balanced", throughput_sps = 318877.55102040817 : f64}, atheena.profile = {accuracy_fixed = 9.250000e-01 : f64, accuracy_float = 9.250000e-01 : f64, calibration = "bundled MNIST test images 8000-8999 (1000 images), first 40", exit_trace = "0011111001101001000110101110101000110100", final_accuracy = 0.94999999999999996 : f64, final_exit_rate = 5.000000e-01 : f64, format = "Q8.8", samples = 40 : i64}} {
// WHOLE-NEXT: %0 = "atheena.conv2d"(%arg0) {bias = dense<[-3.125000e-01, -2.343750e-01]> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64, pixels = 2 : i64}, groups = 1 : i64, interval = 392 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<2x1x3x3xf32>} : (tensor<1x28x28xf32>) -> tensor<2x26x26xf32>
// WHOLE: %12 = "atheena.conv2d"(%10) {bias = dense<[-3.906250e-01, 4.687500e-02, -5.312500e-01, 7.812500e-02]> : tensor<4xf32>, folding = {coarse_in = 2 : i64, coarse_out = 4 : i64, fine = 3 : i64}, groups = 1 : i64, interval = 516 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<4x2x3x3xf32>} : (tensor<2x13x13xf32>) -> tensor<4x13x13xf32>
