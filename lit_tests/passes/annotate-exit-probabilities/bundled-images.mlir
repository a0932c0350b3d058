// annotate-exit-probabilities on the tiny early-exit network (Inputs/tiny-ee.mlir), profiled on
// the first 40 images bundled with ATHEENA.  The whole output is checked: every op gets
// reach_probability (1 up to the exit's conditional buffers and at the merge, 1 - exit rate
// = 0.5 after the exit), the decision its exit_rate and accuracy, and the function the
// profile (float and fixed-point accuracy, final exit, calibration set, format, and the
// exit every one of the 40 samples took).  Nothing else changes: no op is added or removed.
// RUN: atheena-opt %inputs/tiny-ee.mlir --pass-pipeline='builtin.module(annotate-exit-probabilities{samples=40})' \
// RUN:     --mlir-elide-elementsattrs-if-larger 4 | FileCheck %s --match-full-lines

// CHECK: module {
// CHECK-NEXT: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.profile = {accuracy_fixed = 9.250000e-01 : f64, accuracy_float = 9.250000e-01 : f64, calibration = "bundled MNIST test images 8000-8999 (1000 images), first 40", exit_trace = "0011111001101001000110101110101000110100", final_accuracy = 0.94999999999999996 : f64, final_exit_rate = 5.000000e-01 : f64, format = "Q8.8", samples = 40 : i64}} {
// CHECK-NEXT: %0 = "atheena.conv2d"(%arg0) {bias = dense<[-3.125000e-01, -2.343750e-01]> : tensor<2xf32>, groups = 1 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<2x1x3x3xf32>} : (tensor<1x28x28xf32>) -> tensor<2x26x26xf32>
// CHECK-NEXT: %1 = "atheena.max_pool2d"(%0) {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x26x26xf32>) -> tensor<2x13x13xf32>
// CHECK-NEXT: %2 = "atheena.relu"(%1) {reach_probability = 1.000000e+00 : f64} : (tensor<2x13x13xf32>) -> tensor<2x13x13xf32>
// CHECK-NEXT: %3:2 = "atheena.split"(%2) {reach_probability = 1.000000e+00 : f64} : (tensor<2x13x13xf32>) -> (tensor<2x13x13xf32>, tensor<2x13x13xf32>)
// CHECK-NEXT: %4 = "atheena.avg_pool2d"(%3#0) {kernel = array<i64: 4, 4>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 4, 4>} : (tensor<2x13x13xf32>) -> tensor<2x3x3xf32>
// CHECK-NEXT: %5 = "atheena.flatten"(%4) {reach_probability = 1.000000e+00 : f64} : (tensor<2x3x3xf32>) -> tensor<18xf32>
// CHECK-NEXT: %6 = "atheena.linear"(%5) {bias = dense_resource<__elided__> : tensor<10xf32>, reach_probability = 1.000000e+00 : f64, weights = dense_resource<__elided__> : tensor<10x18xf32>} : (tensor<18xf32>) -> tensor<10xf32>
// CHECK-NEXT: %7:2 = "atheena.split"(%6) {reach_probability = 1.000000e+00 : f64} : (tensor<10xf32>) -> (tensor<10xf32>, tensor<10xf32>)
// CHECK-NEXT: %8 = "atheena.exit_decision"(%7#0) {accuracy = 9.000000e-01 : f64, exit = 0 : i64, exit_rate = 5.000000e-01 : f64, reach_probability = 1.000000e+00 : f64, threshold = 0.69999999999999996 : f64} : (tensor<10xf32>) -> tensor<i1>
// CHECK-NEXT: %9:2 = "atheena.split"(%8) {reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
// CHECK-NEXT: %10 = "atheena.conditional_buffer"(%3#1, %9#0) {exit = 0 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x13x13xf32>, tensor<i1>) -> tensor<2x13x13xf32>
// CHECK-NEXT: %11 = "atheena.conditional_buffer"(%7#1, %9#1) {exit = 0 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<10xf32>, tensor<i1>) -> tensor<10xf32>
// CHECK-NEXT: %12 = "atheena.conv2d"(%10) {bias = dense<[-3.906250e-01, 4.687500e-02, -5.312500e-01, 7.812500e-02]> : tensor<4xf32>, groups = 1 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<4x2x3x3xf32>} : (tensor<2x13x13xf32>) -> tensor<4x13x13xf32>
// CHECK-NEXT: %13 = "atheena.max_pool2d"(%12) {kernel = array<i64: 3, 3>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 3, 3>} : (tensor<4x13x13xf32>) -> tensor<4x4x4xf32>
// CHECK-NEXT: %14 = "atheena.relu"(%13) {reach_probability = 5.000000e-01 : f64} : (tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
// CHECK-NEXT: %15 = "atheena.flatten"(%14) {reach_probability = 5.000000e-01 : f64} : (tensor<4x4x4xf32>) -> tensor<64xf32>
// CHECK-NEXT: %16 = "atheena.linear"(%15) {bias = dense_resource<__elided__> : tensor<10xf32>, reach_probability = 5.000000e-01 : f64, weights = dense_resource<__elided__> : tensor<10x64xf32>} : (tensor<64xf32>) -> tensor<10xf32>
// CHECK-NEXT: %17 = "atheena.exit_merge"(%11, %16) {reach_probability = 1.000000e+00 : f64} : (tensor<10xf32>, tensor<10xf32>) -> tensor<10xf32>
// CHECK-NEXT: return %17 : tensor<10xf32>
// CHECK-NEXT: }
// CHECK-NEXT: }

// The format option: in Q4.4 the network's arithmetic is coarser than in the default Q8.8, and
// the 32nd sample no longer leaves at the exit (its trace digit is 1): 19 of 40 exit, 0.525 go on.
// RUN: atheena-opt %inputs/tiny-ee.mlir --pass-pipeline='builtin.module(annotate-exit-probabilities{samples=40 format=Q4.4})' \
// RUN:     --mlir-elide-elementsattrs-if-larger 4 | FileCheck %s --check-prefix=Q44 --match-full-lines
// Q44: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.profile = {accuracy_fixed = 9.250000e-01 : f64, accuracy_float = 9.250000e-01 : f64, calibration = "bundled MNIST test images 8000-8999 (1000 images), first 40", exit_trace = "0011111001101001000110101110101100110100", final_accuracy = 0.90476190476190477 : f64, final_exit_rate = 5.250000e-01 : f64, format = "Q4.4", samples = 40 : i64}} {
// Q44: %8 = "atheena.exit_decision"(%7#0) {accuracy = 0.94736842105263153 : f64, exit = 0 : i64, exit_rate = 4.750000e-01 : f64, reach_probability = 1.000000e+00 : f64, threshold = 0.69999999999999996 : f64} : (tensor<10xf32>) -> tensor<i1>
// Q44: %12 = "atheena.conv2d"(%10) {bias = dense<[-3.906250e-01, 4.687500e-02, -5.312500e-01, 7.812500e-02]> : tensor<4xf32>, groups = 1 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 5.250000e-01 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<4x2x3x3xf32>} : (tensor<2x13x13xf32>) -> tensor<4x13x13xf32>
