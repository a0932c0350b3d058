// fold with the exit_probabilities option on the unprofiled tiny network (Inputs/tiny-ee.mlir):
// the option's 0.75 of samples leaving at the exit are written into the IR as reach
// probabilities (0.25 after the exit), and the design uses them: at 12% of the ZedBoard the conv
// after the exit may take 4056 x 0.25 = 1014 cycles per network sample (a third of the
// multipliers it has at reach 0.5), 14 DSPs in all.  The LUTs bind: the first conv keeps one
// output channel at a time (1407 cycles, as in budget.mlir at reach 0.5).  (With the in-order
// conditional buffers, about 170 LUTs cheaper than the out-of-order ones, the first conv got both
// output channels at once, coarse_out 2, and the first pool set the rate: 1352 cycles, 23 DSPs.)
// RUN: atheena-opt %inputs/tiny-ee.mlir --pass-pipeline='builtin.module(fold{board=zedboard budget=0.12 exit_probabilities=0.75})' \
// RUN:     --mlir-elide-elementsattrs-if-larger 4 | FileCheck %s --match-full-lines

// CHECK: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.design = {board = "ZedBoard", bram18 = 5 : i64, budget = 1.200000e-01 : f64, clock_mhz = 1.000000e+02 : f64, cycles_per_sample = 1.407000e+03 : f64, dsp = 14 : i64, ff = 9225 : i64, lut = 5973 : i64, model = "rate-balanced", throughput_sps = 71073.205401563609 : f64}} {
// CHECK-NEXT: %0 = "atheena.conv2d"(%arg0) {bias = dense<[-3.125000e-01, -2.343750e-01]> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 1407 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<2x1x3x3xf32>} : (tensor<1x28x28xf32>) -> tensor<2x26x26xf32>
// CHECK: %8 = "atheena.exit_decision"(%7#0) {exit = 0 : i64, folding = {}, interval = 10 : i64, reach_probability = 1.000000e+00 : f64, threshold = 0.69999999999999996 : f64} : (tensor<10xf32>) -> tensor<i1>
// CHECK: %12 = "atheena.conv2d"(%10) {bias = dense<[-3.906250e-01, 4.687500e-02, -5.312500e-01, 7.812500e-02]> : tensor<4xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64, fine = 3 : i64}, groups = 1 : i64, interval = 4056 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 2.500000e-01 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<4x2x3x3xf32>} : (tensor<2x13x13xf32>) -> tensor<4x13x13xf32>
// CHECK: %16 = "atheena.linear"(%15) {bias = dense_resource<__elided__> : tensor<10xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 640 : i64, reach_probability = 2.500000e-01 : f64, weights = dense_resource<__elided__> : tensor<10x64xf32>} : (tensor<64xf32>) -> tensor<10xf32>
// CHECK-NEXT: %17 = "atheena.exit_merge"(%11, %16) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<10xf32>, tensor<10xf32>) -> tensor<10xf32>
