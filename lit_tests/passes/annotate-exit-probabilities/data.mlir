// The data option profiles on the MNIST test split of any folder (here four drawn 28x28 images
// in uncompressed IDX files: blank, vertical stroke, horizontal stroke, ring) and the thresholds
// option replaces the IR's thresholds first.  Checked: the profile names the folder and counts
// its 4 images; exit rates, accuracies and reach probabilities for a threshold some samples reach
// (2 of 4 exit), one no sample reaches (the decision gets no accuracy, everything goes on) and one
// every sample reaches (the function gets no final_accuracy, the reach after the exit is 0).
// RUN: rm -rf %t.mnist && %python %S/Inputs/write_mnist.py %t.mnist

// RUN: atheena-opt %inputs/tiny-ee.mlir --pass-pipeline='builtin.module(annotate-exit-probabilities{data=%t.mnist})' \
// RUN:     --mlir-elide-elementsattrs-if-larger 4 | FileCheck %s --check-prefix=SOME --match-full-lines
// SOME: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.profile = {accuracy_fixed = 2.500000e-01 : f64, accuracy_float = 2.500000e-01 : f64, calibration = "{{.*}}.mnist (test, 4 images)", exit_trace = "1001", final_accuracy = 0.000000e+00 : f64, final_exit_rate = 5.000000e-01 : f64, format = "Q8.8", samples = 4 : i64}} {
// SOME: %8 = "atheena.exit_decision"(%7#0) {accuracy = 5.000000e-01 : f64, exit = 0 : i64, exit_rate = 5.000000e-01 : f64, reach_probability = 1.000000e+00 : f64, threshold = 0.69999999999999996 : f64} : (tensor<10xf32>) -> tensor<i1>
// SOME: %12 = "atheena.conv2d"(%10) {bias = dense<[-3.906250e-01, 4.687500e-02, -5.312500e-01, 7.812500e-02]> : tensor<4xf32>, groups = 1 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<4x2x3x3xf32>} : (tensor<2x13x13xf32>) -> tensor<4x13x13xf32>
// SOME: %17 = "atheena.exit_merge"(%11, %16) {reach_probability = 1.000000e+00 : f64} : (tensor<10xf32>, tensor<10xf32>) -> tensor<10xf32>

// RUN: atheena-opt %inputs/tiny-ee.mlir --pass-pipeline='builtin.module(annotate-exit-probabilities{data=%t.mnist thresholds=0.999})' \
// RUN:     --mlir-elide-elementsattrs-if-larger 4 | FileCheck %s --check-prefix=NONE --match-full-lines
// NONE: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.profile = {accuracy_fixed = 2.500000e-01 : f64, accuracy_float = 2.500000e-01 : f64, calibration = "{{.*}}.mnist (test, 4 images)", exit_trace = "1111", final_accuracy = 2.500000e-01 : f64, final_exit_rate = 1.000000e+00 : f64, format = "Q8.8", samples = 4 : i64}} {
// NONE: %8 = "atheena.exit_decision"(%7#0) {exit = 0 : i64, exit_rate = 0.000000e+00 : f64, reach_probability = 1.000000e+00 : f64, threshold = 0.99899999999999999 : f64} : (tensor<10xf32>) -> tensor<i1>
// NONE: %12 = "atheena.conv2d"(%10) {bias = dense<[-3.906250e-01, 4.687500e-02, -5.312500e-01, 7.812500e-02]> : tensor<4xf32>, groups = 1 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<4x2x3x3xf32>} : (tensor<2x13x13xf32>) -> tensor<4x13x13xf32>

// RUN: atheena-opt %inputs/tiny-ee.mlir --pass-pipeline='builtin.module(annotate-exit-probabilities{data=%t.mnist thresholds=0.1})' \
// RUN:     --mlir-elide-elementsattrs-if-larger 4 | FileCheck %s --check-prefix=ALL --match-full-lines
// ALL: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.profile = {accuracy_fixed = 5.000000e-01 : f64, accuracy_float = 5.000000e-01 : f64, calibration = "{{.*}}.mnist (test, 4 images)", exit_trace = "0000", final_exit_rate = 0.000000e+00 : f64, format = "Q8.8", samples = 4 : i64}} {
// ALL: %8 = "atheena.exit_decision"(%7#0) {accuracy = 5.000000e-01 : f64, exit = 0 : i64, exit_rate = 1.000000e+00 : f64, reach_probability = 1.000000e+00 : f64, threshold = 1.000000e-01 : f64} : (tensor<10xf32>) -> tensor<i1>
// ALL: %12 = "atheena.conv2d"(%10) {bias = dense<[-3.906250e-01, 4.687500e-02, -5.312500e-01, 7.812500e-02]> : tensor<4xf32>, groups = 1 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 0.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense_resource<__elided__> : tensor<4x2x3x3xf32>} : (tensor<2x13x13xf32>) -> tensor<4x13x13xf32>
